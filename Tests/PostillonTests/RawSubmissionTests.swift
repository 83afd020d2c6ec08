import Foundation
@testable import Postillon
import Testing

/// Raw (`message/rfc822`) sends: line endings, header block, envelope, Bcc removal, from policy.
@Suite struct RawSubmissionTests {
    func prepare(_ text: String, from: String? = nil, to: [String] = [], sender: String = "alice@mail.test",
                 maxBytes: Int = 1 << 20) throws(SendValidationError) -> RawSubmission {
        try RawSubmission.prepare(Array(text.utf8), from: from, to: to, sender: sender, maxBytes: maxBytes,
                                  date: Date(timeIntervalSince1970: 1_700_000_000), fallbackDomain: "postillon.test")
    }

    func text(_ submission: RawSubmission) -> String { String(decoding: submission.message, as: UTF8.self) }

    @Test func lineEndingsBecomeCRLF() {
        #expect(CRLFNormalizer.normalize(Array("a\nb\r\nc\rd".utf8)) == Array("a\r\nb\r\nc\r\nd\r\n".utf8))
        #expect(CRLFNormalizer.normalize(Array("x\r\n.\n.\r\n".utf8)) == Array("x\r\n.\r\n.\r\n".utf8))
        #expect(CRLFNormalizer.normalize([]) == [])
        #expect(CRLFNormalizer.normalize(Array("\r\r\n\n".utf8)) == Array("\r\n\r\n\r\n".utf8))
    }

    @Test func bareLFMessageWithADotLineIsNormalisedWhole() throws {
        let raw = "From: Alice <alice@mail.test>\nTo: bob@mail.test\nSubject: dots\nMessage-ID: <m1@mail.test>\nDate: Tue, 14 Nov 2023 22:13:20 +0000\n\nbefore\n.\nafter\n"
        let submission = try prepare(raw)
        #expect(text(submission) == raw.replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(submission.messageID == "<m1@mail.test>")
        #expect(submission.envelope == SMTPEnvelope(sender: "alice@mail.test", recipients: ["bob@mail.test"]))
    }

    @Test func envelopeComesFromToCcAndBccAndBccIsRemoved() throws {
        let raw = "From: =?UTF-8?q?J=C3=B6rg?= <alice@mail.test>\r\nTo: Bob <bob@mail.test>, carol@mail.test\r\nCc: team: dave@mail.test, erin@mail.test;\r\nBcc: frank@mail.test,\r\n  Bob <BOB@mail.test>\r\nSubject: hi\r\n\r\nBcc: this line is body, not header\r\n"
        let submission = try prepare(raw)
        #expect(submission.envelope.recipients == ["bob@mail.test", "carol@mail.test", "dave@mail.test", "erin@mail.test", "frank@mail.test"])
        let result = text(submission)
        #expect(!result.contains("frank@mail.test"))
        #expect(result.contains("\r\n\r\nBcc: this line is body, not header\r\n"))
        #expect(result.hasPrefix("Message-ID: <"))
        #expect(result.contains("@mail.test>\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\nFrom: "))
        #expect(submission.messageID.hasSuffix("@mail.test>"))
    }

    @Test func queryEnvelopeWinsButBccIsStillRemoved() throws {
        let raw = "From: alice@mail.test\nTo: bob@mail.test\nBcc: carol@mail.test\n\nhi\n"
        let submission = try prepare(raw, from: "ALICE@mail.test", to: ["dave@mail.test", "Erin <erin@mail.test>"])
        #expect(submission.envelope == SMTPEnvelope(sender: "ALICE@mail.test", recipients: ["dave@mail.test", "erin@mail.test"]))
        #expect(!text(submission).contains("Bcc"))
    }

    @Test func onlyTheCallersOwnAddressMaySend() {
        #expect(throws: SendValidationError.senderNotAllowed(address: "mallory@mail.test", allowed: "alice@mail.test")) {
            _ = try prepare("From: mallory@mail.test\nTo: bob@mail.test\n\nhi\n")
        }
        #expect(throws: SendValidationError.senderNotAllowed(address: "mallory@mail.test", allowed: "alice@mail.test")) {
            _ = try prepare("From: alice@mail.test\nTo: bob@mail.test\n\nhi\n", from: "mallory@mail.test")
        }
        #expect(throws: SendValidationError.self) { _ = try prepare("To: bob@mail.test\n\nno from\n") }
        #expect(throws: SendValidationError.self) { _ = try prepare("From: alice@mail.test, bob@mail.test\nTo: c@mail.test\n\nx\n") }
    }

    @Test func malformedMessagesAndAddressesAreRefused() {
        #expect(throws: SendValidationError.invalid("The message is empty.")) { _ = try prepare("\r\n\r\n") }
        #expect(throws: SendValidationError.self) { _ = try prepare("From alice@mail.test Mon Jan 1 10:00:00 2024\nFrom: alice@mail.test\nTo: b@mail.test\n\nx\n") }
        #expect(throws: SendValidationError.self) { _ = try prepare(" folded first\nFrom: alice@mail.test\n\nx\n") }
        #expect(throws: SendValidationError.invalid("No recipient: give 'to' query parameters or To, Cc or Bcc header fields.")) {
            _ = try prepare("From: alice@mail.test\nSubject: nobody\n\nx\n")
        }
        #expect(throws: SendValidationError.invalidAddress(field: "To header", value: "bob")) { _ = try prepare("From: alice@mail.test\nTo: bob\n\nx\n") }
        #expect(throws: SendValidationError.headerInjection(field: "to", reason: "must not contain a line break (CR or LF)")) {
            _ = try prepare("From: alice@mail.test\n\nx\n", to: ["b@mail.test>\r\nDATA"])
        }
        #expect(throws: SendValidationError.tooLarge(limit: 10)) { _ = try prepare("From: alice@mail.test\nTo: b@mail.test\n\nx\n", maxBytes: 10) }
    }

    /// Regression (issue 11): a NUL hid a second From address from the sender check, which reads a C string.
    @Test func controlCharactersInRawHeadersAreRefused() throws {
        #expect(throws: SendValidationError.headerInjection(field: "From header", reason: "must not contain NUL")) {
            _ = try prepare("From: alice@mail.test\u{0}, boss@mail.test\nTo: bob@mail.test\n\nhi\n")
        }
        #expect(throws: SendValidationError.headerInjection(field: "Subject header", reason: "must not contain control characters")) {
            _ = try prepare("From: alice@mail.test\nTo: bob@mail.test\nSubject: a\u{1B}[31m\n\nhi\n")
        }
        #expect(throws: SendValidationError.headerInjection(field: "Subject header", reason: "must not contain control characters")) {
            _ = try prepare("From: alice@mail.test\nTo: bob@mail.test\nSubject: a\n \u{7F}folded\n\nhi\n")
        }
        // TAB and 8-bit text stay allowed in headers; the body is not a header.
        let sent = try prepare("From: alice@mail.test\nTo: bob@mail.test\nSubject: a\tb \u{E9}\n\nbody \u{0}\u{1B} bytes\n")
        #expect(sent.envelope.recipients == ["bob@mail.test"])
    }

    @Test func headerBlockLocatesFieldsWithContinuations() throws {
        let bytes = Array("A: 1\r\nB: two\r\n  lines\r\nC:3\r\n\r\nbody\r\n".utf8)
        let block = try RawHeaderBlock.parse(bytes)
        #expect(block.fields.map(\.name) == ["A", "B", "C"])
        #expect(block.fields.map(\.value) == ["1", "two  lines", "3"])
        #expect(block.bodyStart == 30)
        #expect(block.rewrite(bytes, removing: ["b"], prepending: ["Z: 0"]) == Array("Z: 0\r\nA: 1\r\nC:3\r\n\r\nbody\r\n".utf8))
        #expect(try RawHeaderBlock.parse(Array("A: 1\r\n".utf8)).bodyStart == 6, "a message may have no body")
    }
}
