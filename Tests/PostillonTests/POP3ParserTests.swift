@testable import Postillon
import Testing

/// Decodes a multi-line reply fed in pieces of `step` bytes; returns the payload and the leftover.
func decodeMultiline(_ input: String, step: Int = .max) -> (payload: String, rest: String, done: Bool) {
    var decoder = MultilineDecoder()
    var payload: [UInt8] = []
    let bytes = Array(input.utf8)
    var offset = 0
    while offset < bytes.count {
        let end = min(bytes.count, offset + step)
        let chunk = Array(bytes[offset..<end])
        let used = chunk.withUnsafeBytes { raw in decoder.decode(raw) { payload.append(contentsOf: $0) } }
        if let used {
            return (String(decoding: payload, as: UTF8.self), String(decoding: bytes[(offset + used)...], as: UTF8.self), true)
        }
        offset = end
    }
    return (String(decoding: payload, as: UTF8.self), "", decoder.isDone)
}

@Suite struct POP3ParserTests {
    @Test func statusLinesWithResponseCodes() {
        #expect(POP3Status.parse("+OK 2 320") == POP3Status(ok: true, text: "2 320"))
        #expect(POP3Status.parse("+OK") == POP3Status(ok: true, text: ""))
        #expect(POP3Status.parse("-ERR [IN-USE] Mailbox is locked by another POP3 session.")
                == POP3Status(ok: false, code: "IN-USE", text: "Mailbox is locked by another POP3 session."))
        #expect(POP3Status.parse("-ERR [SYS/TEMP] try later")?.code == "SYS/TEMP")
        #expect(POP3Status.parse("-ERR [auth] Authentication failed.")?.code == "AUTH")
        #expect(POP3Status.parse("-ERR no code")?.code == nil)
        #expect(POP3Status.parse("* OK imap greeting") == nil)
        #expect(POP3Status.parse("+OKAY") == nil)
    }

    @Test func uidlAndListLines() throws {
        let uidl = try POP3Parser.uidl(["1 whqtswO00WBw418f9t5JxYwZ", "2 QhdPYR:00WBw1Ph7x7"])
        #expect(uidl == [1: "whqtswO00WBw418f9t5JxYwZ", 2: "QhdPYR:00WBw1Ph7x7"])
        #expect(try POP3Parser.list(["1 120", "2 200"]) == [1: 120, 2: 200])
        #expect(throws: POP3Error.self) { try POP3Parser.uidl(["x abc"]) }
        #expect(throws: POP3Error.self) { try POP3Parser.uidl(["1 bad\u{7f}id"]) }
        #expect(throws: POP3Error.self) { try POP3Parser.list(["1 -5"]) }
        let listings = POP3Parser.listings(uidl: [2: "b", 1: "a"], sizes: [1: 10, 2: 20])
        #expect(listings == [POP3Listing(number: 1, uidl: "a", size: 10), POP3Listing(number: 2, uidl: "b", size: 20)])
        #expect(POP3Parser.lines(Array("1 a\r\n2 b\r\n".utf8)) == ["1 a", "2 b"])
        #expect(try POP3Parser.stat(POP3Status(ok: true, text: "2 320")) == (2, 320))
    }

    @Test func multilineDotUnstuffingAndTerminator() {
        let reply = "Subject: x\r\n\r\n..leading dot\r\n.single\r\nlast\r\n.\r\n+OK next"
        for step in [Int.max, 1, 2, 3, 7] {
            let result = decodeMultiline(reply, step: step)
            #expect(result.done, "step \(step)")
            #expect(result.payload == "Subject: x\r\n\r\n.leading dot\r\n.single\r\nlast\r\n", "step \(step)")
            #expect(result.rest == "+OK next", "step \(step)")
        }
    }

    @Test func emptyBodyAndDotCRWithoutLF() {
        #expect(decodeMultiline(".\r\n") == ("", "", true))
        let odd = decodeMultiline("a\r\n.\rb\r\n.\r\n")
        #expect(odd.payload == "a\r\n.\rb\r\n")
        #expect(odd.done)
        let unfinished = decodeMultiline("a\r\n..b\r\n")
        #expect(unfinished.payload == "a\r\n.b\r\n")
        #expect(!unfinished.done)
    }
}
