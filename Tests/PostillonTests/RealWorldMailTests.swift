import Foundation
@testable import Postillon
import PostillonTestSupport
import Testing
@testable import PostillonHTTP

/// Real-world mail GMime parses differently from mail clients, and part bombs (issue 11), from literals.
@Suite struct RealWorldMailTests {
    let parser = MessageParser()

    func parse(_ text: String, parser: MessageParser = MessageParser()) throws -> ParsedMessage {
        try parse(bytes: Array(text.utf8), parser: parser)
    }

    func parse(bytes: [UInt8], parser: MessageParser = MessageParser()) throws -> ParsedMessage {
        let file = try SpooledFile()
        try bytes.withUnsafeBytes { try file.write($0) }
        file.finishWriting()
        return try parser.parse(file: file.path, id: "literal", size: bytes.count)
    }

    func extract(_ text: String, partId: String, parser: MessageParser = MessageParser()) throws -> (String, AttachmentInfo) {
        let input = try SpooledFile()
        try Array(text.utf8).withUnsafeBytes { try input.write($0) }
        input.finishWriting()
        let output = try SpooledFile()
        output.finishWriting()
        let info = try parser.extract(file: input.path, partId: partId, to: output.path)
        return (String(decoding: try Data(contentsOf: URL(fileURLWithPath: output.path)), as: UTF8.self), info)
    }

    @Test func invalidContentTypeIsPlainUSASCIIText() throws {
        let message = try parse("From: a@example.net\r\nSubject: x\r\nContent-Type: text\r\n\r\nhello there\r\n")
        #expect(message.text == "hello there\r\n")
        #expect(message.attachments.isEmpty)
        let nested = try parse("Subject: y\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text; charset=utf-8\r\n\r\n"
                               + "body\r\n--b\r\nContent-Type: /\r\nContent-Disposition: attachment\r\n\r\nz\r\n--b--\r\n")
        #expect(nested.text == "body")
        #expect(nested.attachments.map(\.contentType) == ["text/plain"])
        // Comments and parameters after a valid type do not make it invalid.
        #expect(try parse("Content-Type: text/plain (a comment); charset=us-ascii\r\n\r\nok\r\n").text == "ok\r\n")
    }

    @Test func messageWithoutBlankLineAfterTheHeaderKeepsItsBody() throws {
        let message = try parse("From: a@example.net\r\nSubject: no gap\r\nThis is the body.\r\nSecond line.\r\n")
        #expect(message.summary.subject == "no gap")
        #expect(message.text == "This is the body.\r\nSecond line.\r\n")
        #expect(message.warnings.contains { $0.contains("no blank line") })
    }

    @Test func messageWithoutAnyHeaderIsAllBody() throws {
        let message = try parse("Just some text, no header at all.\r\nMore: text\r\n")
        #expect(message.text == "Just some text, no header at all.\r\nMore: text\r\n")
        #expect(message.summary.subject == nil)
        #expect(message.warnings.contains { $0.contains("no header fields") })
    }

    @Test func adjacentEncodedWordsSplittingAMultibyteCharacterDecodeWhole() throws {
        // 你好世界中 in GB2312, split after the first byte of 世 (as Outlook Express does).
        let message = try parse("Subject: =?GB2312?B?xOO6w8o=?=\r\n =?GB2312?B?wL3n1tA=?=\r\nFrom: =?GBK?Q?=C4=E3=BA?= =?gbk?Q?=C3?= <a@example.cn>\r\n\r\nx\r\n")
        #expect(message.summary.subject == "你好世界中")
        #expect(message.headers.first { $0.name == "Subject" }?.value == "你好世界中")
        #expect(message.headers.first { $0.name == "From" }?.value == "你好 <a@example.cn>")
        #expect(HeaderSummaryParser.parse(Array("Subject: =?GB2312?B?xOO6w8o=?= =?GB2312?B?wL3n1tA=?=\r\n\r\n".utf8)).subject == "你好世界中")
    }

    @Test func encodedWordMergingKeepsEverythingElse() {
        #expect(EncodedWords.mergeAdjacent("plain text") == "plain text")
        #expect(EncodedWords.mergeAdjacent("=?utf-8?Q?a?= and =?utf-8?Q?b?=") == "=?utf-8?Q?a?= and =?utf-8?Q?b?=")
        #expect(EncodedWords.mergeAdjacent("=?utf-8?Q?a?= =?iso-8859-1?Q?b?=") == "=?utf-8?Q?a?= =?iso-8859-1?Q?b?=")
        #expect(EncodedWords.mergeAdjacent("x =?UTF-8?Q?a_?=  =?utf-8?B?Yg==?= y") == "x =?utf-8?B?YSBi?= y")
        #expect(EncodedWords.mergeAdjacent("=?utf-8?Q?=ZZ?= =?utf-8?Q?b?=") == "=?utf-8?Q?=ZZ?= =?utf-8?Q?b?=")
        #expect(EncodedWords.mergeAdjacent("=?? =?x?Q?") == "=?? =?x?Q?")
    }

    @Test func textPartsOfMultipartMixedAreBodyTextAndStillListed() throws {
        let message = try parse("Subject: list\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
                                + "--b\r\nContent-Type: text/plain\r\n\r\nHello.\r\n"
                                + "--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=a.png\r\n\r\nPNG\r\n"
                                + "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nFooter ü.\r\n"
                                + "--b\r\nContent-Type: text/plain; name=notes.txt\r\n\r\nNamed inline.\r\n"
                                + "--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=log.txt\r\n\r\nnot body\r\n--b--\r\n")
        #expect(message.text == "Hello.\n\nFooter ü.\n\nNamed inline.")
        #expect(message.attachments.map(\.partId) == ["2", "3", "4", "5"])
        #expect(message.attachments.map(\.filename) == ["a.png", nil, "notes.txt", "log.txt"])
        // A named first text part is the body and still listed.
        let named = try parse("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; name=body.txt\r\n\r\nHi.\r\n--b--\r\n")
        #expect(named.text == "Hi.")
        #expect(named.attachments.map(\.partId) == ["1"])
    }

    static func partBomb(parts: Int) -> [UInt8] {
        var bytes = Array("From: bomb@example.net\r\nSubject: many parts\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n".utf8)
        bytes.reserveCapacity(bytes.count + parts * 25 + 64)
        bytes += Array("--x\r\nContent-Type: text/plain\r\n\r\nfirst\r\n".utf8)
        let empty = Array("--x\r\n\r\n\r\n".utf8)
        for _ in 1..<parts { bytes += empty }
        bytes += Array("--x--\r\n".utf8)
        return bytes
    }

    @Test func partBombIsCutAndListedWithinBoundsQuickly() throws {
        let bytes = Self.partBomb(parts: 300_000)
        let started = MonotonicClock.nowMillis()
        let message = try parse(bytes: bytes)
        let elapsed = MonotonicClock.nowMillis() - started
        #expect(elapsed < 5_000, "took \(elapsed) ms")
        #expect(message.text == "first")
        #expect(message.attachments.count == parser.maxParts - 1, "the text part counts as one of the parts walked")
        #expect(message.warnings.contains { $0.contains("MIME boundary lines") })
        #expect(message.warnings.contains { $0.contains("more than \(parser.maxParts) parts") })
    }

    @Test func findingAPartDoesNotWalkTheOthers() throws {
        var strict = MessageParser()
        strict.timeoutMillis = -1
        // Every part id the walk lists is found by its path; others are not.
        let text = "Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: text/plain\r\n\r\nbody\r\n"
            + "--a\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/csv\r\n\r\nx,y\r\n--b--\r\n--a--\r\n"
        let (csv, info) = try extract(text, partId: "2.1")
        #expect(csv == "x,y")
        #expect(info.contentType == "text/csv")
        for missing in ["0", "3", "2", "2.2", "1.1", "02.1", "2.01", "", ".", "2..1", "-1", "99999999999999999999"] {
            #expect(throws: MIMEError.partNotFound(missing)) { _ = try extract(text, partId: missing) }
        }
        // The path is followed level by level, each checking the deadline.
        #expect(throws: MIMEError.timedOut) { _ = try extract(text, partId: "2.1", parser: strict) }
    }

    @Test func layoutScanFromLiterals() {
        func scan(_ text: String, max: Int = 3) -> MessageLayout {
            Array(text.utf8).withUnsafeBytes { MessageLayout.scan($0, maxBoundaryLines: max) }
        }
        #expect(scan("A: 1\r\nB: 2\r\n folded\r\n\r\nbody\r\n") == MessageLayout())
        #expect(scan("A: 1\nbody line\n") == MessageLayout(blankLineAt: 5))
        #expect(scan("no header\n") == MessageLayout(blankLineAt: 0))
        #expect(scan(" starts folded\n") == MessageLayout(blankLineAt: 0))
        #expect(scan("Name : spaced colon\n\nx") == MessageLayout())
        #expect(scan("A: 1\n\n--a\n--a\n--a\n--a--\n") == MessageLayout(cutAt: 18))
        #expect(scan("") == MessageLayout())
    }
}
