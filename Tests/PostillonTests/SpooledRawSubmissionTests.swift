import Foundation
@testable import Postillon
@testable import PostillonHTTP
import Testing

/// A raw send spooled to a file is prepared from its header block and uploaded from the file, piece
/// by piece: the bytes libcurl reads must be exactly those of the in-memory preparation.
@Suite struct SpooledRawSubmissionTests {
    static let date = Date(timeIntervalSince1970: 1_700_000_000)

    /// A message with every kind of line ending, dot lines and a Bcc; `bodyBytes` of body.
    static func message(bodyBytes: Int, seed: UInt64 = 1, ending: String = "") -> [UInt8] {
        var bytes = Array("From: Alice <alice@mail.test>\r\nTo: bob@mail.test\nBcc: carol@mail.test\rSubject: spooled\r\n".utf8)
            + Array("Message-ID: <spool@mail.test>\n\r\n".utf8)
        var state = seed
        let endings: [[UInt8]] = [[10], [13, 10], [13], [13, 10]]
        while bytes.count < bodyBytes {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let length = Int(state >> 58)
            if state >> 40 & 7 == 0 { bytes.append(UInt8(ascii: ".")) }
            bytes += (0..<length).map { UInt8(ascii: "a") + UInt8(truncatingIfNeeded: ($0 &+ Int(state >> 20)) % 26) }
            bytes += endings[Int(state >> 30 & 3)]
        }
        return bytes + Array(ending.utf8)
    }

    func inMemory(_ bytes: [UInt8]) throws -> RawSubmission {
        try RawSubmission.prepare(bytes, from: nil, to: [], sender: "alice@mail.test", maxBytes: 1 << 24, date: Self.date)
    }

    func spooled(_ bytes: [UInt8]) throws -> RawSubmission {
        try RawSubmission.prepare(spooled: SpooledBody.make(bytes), from: nil, to: [], sender: "alice@mail.test", maxBytes: 1 << 24,
                                  date: Self.date)
    }

    /// What libcurl would read, `capacity` bytes at a time.
    func upload(_ message: SMTPMessage, capacity: Int) -> (bytes: [UInt8], wireCount: Int) {
        let source = SMTPUploadSource(message)
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: capacity)
        while true {
            let count = buffer.withUnsafeMutableBytes { source.read(into: $0.baseAddress!, capacity: capacity) }
            if count == 0 { break }
            output += buffer[0..<count]
        }
        #expect(source.isExhausted)
        return (output, source.wireCount)
    }

    @Test func spooledUploadEqualsTheInMemoryOne() throws {
        for (size, ending) in [(600_000, ""), (300_000, "no final line break"), (1_200_000, "\r")] {
            let raw = Self.message(bodyBytes: size, seed: UInt64(size), ending: ending)
            let expected = try inMemory(raw)
            let actual = try spooled(raw)
            #expect(actual.upload.tail != nil, "read from the file, not from memory")
            #expect(actual.envelope == expected.envelope)
            #expect(actual.messageID == expected.messageID)
            #expect(!String(decoding: actual.message, as: UTF8.self).lowercased().contains("bcc:"))
            #expect(actual.upload.count == expected.message.count)
            let reference = upload(expected.upload, capacity: 16_384)
            #expect(reference.bytes == expected.message)
            for capacity in [7, 16_384, 100_000] {
                let streamed = upload(actual.upload, capacity: capacity)
                #expect(streamed.bytes == expected.message, "size \(size), capacity \(capacity)")
                #expect(streamed.wireCount == reference.wireCount)
            }
            #expect(try actual.upload.bytes() == expected.message)
        }
    }

    /// A CR LF pair split between two 64 KiB reads of the file is still one line break.
    @Test func lineBreakSplitBetweenFileReadsStaysOne() throws {
        var raw = Array("From: alice@mail.test\nTo: bob@mail.test\nMessage-ID: <split@mail.test>\nDate: Tue, 14 Nov 2023 22:13:20 +0000\n\n".utf8)
        let bodyStart = raw.count
        raw += [UInt8](repeating: UInt8(ascii: "x"), count: 65_535) + [13, 10] + Array(".dot line\r".utf8)
            + [UInt8](repeating: UInt8(ascii: "y"), count: 400_000)
        #expect(raw[bodyStart + 65_535] == 13 && raw[bodyStart + 65_536] == 10)
        let expected = try inMemory(raw)
        let actual = try spooled(raw)
        #expect(upload(actual.upload, capacity: 65_536).bytes == expected.message)
        #expect(upload(actual.upload, capacity: 65_536).wireCount == SMTPUploadSource(expected.message).wireCount)
    }

    @Test func headerBlockOfRawBytes() {
        /// "header|offset", or "none".
        func split(_ text: String) -> String {
            guard let found = CRLFStream.headerBlock(of: Array(text.utf8)) else { return "none" }
            return String(decoding: found.header, as: UTF8.self) + "|\(found.bodyOffset)"
        }
        #expect(split("A: b\r\n\r\nX") == "A: b\r\n\r\n|8")
        #expect(split("A: b\n\nX") == "A: b\r\n\r\n|6")
        #expect(split("A: b\r\rX") == "A: b\r\n\r\n|6")
        #expect(split("A: b\r\n\r") == "none", "the last byte may be the LF of a CR LF pair")
        #expect(split("A: b\r\n\r\n") == "A: b\r\n\r\n|8", "a pair may end at the last byte")
        #expect(split("A: b\n\n") == "none", "a last lone LF is only looked at")
        #expect(split("A: b\r\nC: d") == "none")
        #expect(split("\nA") == "\r\n|1")
        #expect(split("") == "none")
    }

    @Test func spooledMessagesAreCheckedLikeOthers() throws {
        let noBlankLine = Array(String(repeating: "X-Long: value\n", count: 30_000).utf8)
        #expect(throws: SendValidationError.self) { try spooled(noBlankLine) }
        let tooLarge = Self.message(bodyBytes: 400_000)
        #expect(throws: SendValidationError.tooLarge(limit: 300_000)) {
            try RawSubmission.prepare(spooled: SpooledBody.make(tooLarge), from: nil, to: [], sender: "alice@mail.test", maxBytes: 300_000)
        }
        var stranger = Self.message(bodyBytes: 400_000)
        stranger.replaceSubrange(0..<6, with: Array("From: mallory@mail.test\r\nX-Was:".utf8))
        #expect(throws: SendValidationError.self) { try spooled(stranger) }
        // A small spooled body (a chunked one just over the threshold) is prepared in memory.
        let small = Self.message(bodyBytes: 10_000)
        #expect(try spooled(small).upload.tail == nil)
        #expect(try spooled(small).message == inMemory(small).message)
    }
}
