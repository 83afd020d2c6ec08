@testable import Postillon
import Testing
@testable import PostillonHTTP

@Suite struct UtilTests {
    @Test func sha256KnownVectors() {
        #expect(SHA256.hex(Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1_000)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test func base64URLRoundTrip() {
        for bytes in [[], [0], [0xFF, 0xFE, 0xFD], Array("hello world?".utf8)] as [[UInt8]] {
            let text = Base64URL.encode(bytes)
            #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
            #expect(Base64URL.decode(text) == bytes)
        }
        #expect(Base64URL.decode("a+b") == nil)
    }

    @Test func messageIdentifiersAreURLSafeAndReversible() {
        #expect(MessageIdentifier.encode("000000d26b0873a5") == "000000d26b0873a5")
        let odd = "QhdPYR:00WBw1Ph7x7/+="
        let encoded = MessageIdentifier.encode(odd)
        #expect(encoded.hasPrefix("~"))
        #expect(encoded.allSatisfy { $0.isLetter || $0.isNumber || "-_~".contains($0) })
        #expect(MessageIdentifier.decode(encoded) == odd)
        #expect(MessageIdentifier.decode("000000d26b0873a5") == "000000d26b0873a5")
        #expect(MessageIdentifier.decode("has space") == nil)
        #expect(MessageIdentifier.decode("~%%%") == nil)
        #expect(MessageIdentifier.decode("") == nil)
    }

    @Test func cursorsNameUIDLs() throws {
        let cursor = PageCursor(next: "c", last: "b")
        let decoded = try #require(PageCursor.decode(cursor.encoded))
        #expect(decoded == cursor)
        #expect(decoded.startIndex(in: ["a", "b", "c", "d"]) == 2)
        #expect(decoded.startIndex(in: ["a", "b", "d"]) == 2, "next deleted: continue after last")
        #expect(decoded.startIndex(in: ["a", "d"]) == nil)
        #expect(PageCursor.decode("bm9wZQ") == nil)
    }

    @Test func percentDecodingAndContentDisposition() {
        #expect(PercentDecoding.decode("a%20b%C3%A4") == "a bä")
        #expect(PercentDecoding.decode("%zz") == nil)
        #expect(PercentDecoding.decode("a+b", plusAsSpace: true) == "a b")
        #expect(ContentDisposition.value("attachment", filename: "Rechnung März.pdf")
                == "attachment; filename=\"Rechnung M_rz.pdf\"; filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf")
        #expect(ContentDisposition.value("inline", filename: "a\"b\r\n.png") == "inline; filename=\"a_b__.png\"; filename*=UTF-8''a%22b%0D%0A.png")
        #expect(ContentDisposition.value("attachment", filename: nil) == "attachment")
    }

    @Test func httpDatesRoundTrip() {
        #expect(HTTPDate.format(epochSeconds: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
        #expect(ISO8601.format(epochSeconds: 784_111_777, offsetSeconds: 3600) == "1994-11-06T09:49:37+01:00")
        #expect(ISO8601.format(epochSeconds: 784_111_777, offsetSeconds: -16_200) == "1994-11-06T04:19:37-04:30")
    }

    @Test func responseSerializerStripsLineBreaksFromValues() {
        let head = HTTPResponseSerializer.head(status: .ok, headers: ["X-Evil": "a\r\nSet-Cookie: x=1", "Content-Length": "99"],
                                               framing: .length(2), keepAlive: false, date: "D", requestID: "r")
        let text = String(decoding: head, as: UTF8.self)
        #expect(text.contains("X-Evil: aSet-Cookie: x=1\r\n"))
        #expect(!text.contains("Content-Length: 99"))
        #expect(text.contains("Content-Length: 2\r\n"))
        #expect(text.contains("Connection: close\r\n"))
        #expect(text.hasSuffix("\r\n\r\n"))
    }
}
