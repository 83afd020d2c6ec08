import Foundation
import Postillon
import PostillonTestSupport
import Testing

/// `MessageParser` over the fixtures of `Tests/Fixtures/mime`, parsed from files as the routes do.
/// The fixtures are stored with CRLF line endings, as POP3 delivers them, so bodies keep CRLF.
@Suite struct MessageParserTests {
    let parser = MessageParser()

    func parse(_ name: String) throws -> ParsedMessage {
        try parser.parse(file: MIMEFixtures.path(name), id: name, size: try MIMEFixtures.bytes(name).count)
    }

    /// Parses `bytes` written to a temporary file.
    func parse(bytes: [UInt8]) throws -> ParsedMessage {
        let file = try SpooledFile()
        try bytes.withUnsafeBytes { try file.write($0) }
        file.finishWriting()
        return try parser.parse(file: file.path, id: "generated", size: bytes.count)
    }

    /// The decoded bytes of part `partId` of fixture `name`, and their description.
    func extract(_ name: String, partId: String) throws -> (bytes: [UInt8], info: AttachmentInfo) {
        let output = try SpooledFile()
        output.finishWriting()
        let info = try parser.extract(file: MIMEFixtures.path(name), partId: partId, to: output.path)
        return (Array(try Data(contentsOf: URL(fileURLWithPath: output.path))), info)
    }

    @Test func germanLatin1QuotedPrintable() throws {
        let message = try parse("latin1-qp.eml")
        #expect(message.summary.subject == "Grüße aus München")
        #expect(message.summary.from == [MailAddress(name: "Jürgen Müller", address: "juergen.mueller@example.de")])
        #expect(message.summary.to == [MailAddress(name: "Dave", address: "dave@mail.test")])
        #expect(message.summary.date == "2026-03-03T14:05:09+01:00")
        #expect(message.summary.messageId == "<latin1-qp@fixtures.postillon.test>")
        #expect(message.summary.contentType == "text/plain")
        #expect(message.text == "Sehr geehrte Frau Müller,\r\n\r\ndie Straße vor dem Büro ist gesperrt; bitte nehmen Sie den Umweg über die Brücke.\r\n\r\nMit freundlichen Grüßen\r\nJürgen\r\n")
        #expect(message.html == nil)
        #expect(message.attachments.isEmpty)
        #expect(message.warnings.isEmpty)
        #expect(message.headers.first { $0.name == "Subject" }?.value == "Grüße aus München")
        #expect(message.headers.first { $0.name == "From" }?.value == "Jürgen Müller <juergen.mueller@example.de>")
    }

    @Test func windows1252BytesLabelledLatin1() throws {
        let message = try parse("cp1252-as-latin1.eml")
        #expect(message.text == "„Anführungszeichen“ kosten 5 € – sagt Müller.\r\n")
        #expect(message.summary.subject == "Preis: 5 € „netto“")
        #expect(message.headers.first { $0.name == "Subject" }?.value == "Preis: 5 € „netto“")
        #expect(message.summary.date == "2026-03-05T08:00:00Z")
        #expect(message.warnings.isEmpty)
    }

    @Test func utf8Base64() throws {
        let message = try parse("utf8-base64.eml")
        #expect(message.summary.subject == "Grüße 🎉 日本")
        #expect(message.summary.from == [MailAddress(name: "Zoë Ångström", address: "zoe@example.se")])
        #expect(message.summary.date == "2026-03-04T09:30:00-05:00")
        #expect(message.text == "Grüße aus Köln 🎉\r\n日本語のテキスト\r\n")
        #expect(message.html == nil)
        #expect(message.attachments.isEmpty)
        #expect(message.warnings.isEmpty)
    }

    @Test func alternativeTextAndHTML() throws {
        let message = try parse("alternative.eml")
        #expect(message.summary.contentType == "multipart/alternative")
        #expect(message.summary.date == "2026-03-06T10:15:00+05:30")
        #expect(message.text == "Plain version.")
        #expect(message.html == "<p>HTML <b>version</b> für dich.</p>")
        #expect(message.attachments.isEmpty)
        #expect(message.warnings.isEmpty)
    }

    @Test func relatedInlineImage() throws {
        let message = try parse("related-inline-image.eml")
        #expect(message.text == "See the logo.")
        #expect(message.html == #"<p>Logo: <img src="cid:logo@postillon.test"></p>"#)
        #expect(message.attachments == [
            AttachmentInfo(partId: "2.2", filename: nil, contentType: "image/png", size: 67, contentId: "logo@postillon.test", disposition: "inline"),
        ])
        let image = try extract("related-inline-image.eml", partId: "2.2")
        #expect(image.bytes == (try MIMEFixtures.bytes("logo.png")))
        #expect(image.info.size == 67)
        #expect(message.warnings.isEmpty)
    }

    @Test func pdfWithRFC2231FileName() throws {
        let message = try parse("mixed-pdf-rfc2231.eml")
        #expect(message.summary.contentType == "multipart/mixed")
        #expect(message.text == "Anbei die Rechnung für März.")
        #expect(message.html == nil)
        let original = try MIMEFixtures.bytes("rechnung.pdf")
        #expect(message.attachments == [
            AttachmentInfo(partId: "2", filename: "Rechnung März.pdf", contentType: "application/pdf", size: original.count,
                           contentId: nil, disposition: "attachment"),
        ])
        let pdf = try extract("mixed-pdf-rfc2231.eml", partId: "2")
        #expect(Hashing.sha256Hex(pdf.bytes) == Hashing.sha256Hex(original))
        #expect(pdf.info == message.attachments[0])
        #expect(throws: MIMEError.partNotFound("3")) { try extract("mixed-pdf-rfc2231.eml", partId: "3") }
        #expect(throws: MIMEError.partNotFound("2.1")) { try extract("mixed-pdf-rfc2231.eml", partId: "2.1") }
    }

    @Test func attachedMessageIsAnAttachment() throws {
        let message = try parse("attached-message.eml")
        #expect(message.summary.subject == "Fwd: Quartalszahlen Q1")
        #expect(message.text == "See the attached message.")
        let inner = try MIMEFixtures.bytes("attached-message-inner.eml")
        // The CRLF before the closing boundary belongs to the boundary (RFC 2046), not to the message.
        let expected = Array(inner.dropLast(2))
        #expect(message.attachments == [
            AttachmentInfo(partId: "2", filename: "Quartalszahlen Q1.eml", contentType: "message/rfc822", size: expected.count,
                           contentId: nil, disposition: "attachment"),
        ])
        let download = try extract("attached-message.eml", partId: "2")
        #expect(String(decoding: download.bytes, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
        #expect(download.info.size == expected.count)
    }

    @Test func attachedMessageNameAndMislabelledFileNames() throws {
        let bytes = Array(("Subject: names\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=n\r\n\r\n"
            + "--n\r\nContent-Type: text/plain\r\n\r\nbody\r\n"
            + "--n\r\nContent-Type: message/rfc822; name=\"Weitergeleitet.eml\"\r\n\r\nSubject: inner\r\n\r\ninner body\r\n"
            + "--n\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename*=iso-8859-1''%80uro%20%84Preise%93.txt\r\n\r\n5 EUR\r\n"
            + "--n--\r\n").utf8)
        let message = try parse(bytes: bytes)
        #expect(message.attachments.map(\.filename) == ["Weitergeleitet.eml", "€uro „Preise“.txt"])
        #expect(message.attachments.map(\.size) == [Array("Subject: inner\r\n\r\ninner body".utf8).count, 5])
        let file = try SpooledFile()
        try bytes.withUnsafeBytes { try file.write($0) }
        file.finishWriting()
        let output = try SpooledFile()
        let info = try parser.extract(file: file.path, partId: "2", to: output.path)
        #expect(info == message.attachments[0])
        #expect(try Data(contentsOf: URL(fileURLWithPath: output.path)) == Data("Subject: inner\r\n\r\ninner body".utf8))
    }

    @Test func truncatedMultipartKeepsItsPartsAndWarns() throws {
        let message = try parse("truncated-multipart.eml")
        #expect(message.text == "The first part is complete.")
        #expect(message.attachments == [
            AttachmentInfo(partId: "2", filename: "data.bin", contentType: "application/octet-stream", size: 72,
                           contentId: nil, disposition: "attachment"),
        ])
        #expect(!message.warnings.isEmpty)
        #expect(message.warnings.contains { $0.contains("truncated") }, "\(message.warnings)")
        let data = try extract("truncated-multipart.eml", partId: "2")
        #expect(data.bytes == Array(0..<72))
    }

    @Test func unknownCharsetFallsBackWithAWarning() throws {
        let message = try parse("unknown-charset.eml")
        #expect(message.text == "Grüße aus Düsseldorf\r\n")
        #expect(message.summary.subject == "Grüße")
        #expect(message.warnings == ["part 1: unknown or unusable charset 'x-unknown-42'; decoded as windows-1252"])
    }

    @Test func fiveHundredLevelsOfNestingAreCutWithAWarning() throws {
        let message = try parse(bytes: MIMEFixtures.deeplyNested(depth: 500))
        #expect(message.summary.subject == "Nested 500 deep")
        #expect(message.text == nil)
        #expect(message.attachments.isEmpty)
        #expect(message.warnings.contains { $0.contains("nesting") }, "\(message.warnings)")
        // Within the limit, the bottom part is found with its full path.
        let shallow = try parse(bytes: MIMEFixtures.deeplyNested(depth: 20))
        #expect(shallow.text == "The bottom.")
        #expect(shallow.warnings.isEmpty)
    }

    @Test func malformedInputNeverCrashes() throws {
        for input in MIMEFixtures.malformedInputs {
            do {
                let message = try parse(bytes: input)
                _ = try JSONEncoder().encode(message)
            } catch let error as MIMEError {
                // Only "no message at all" may fail (422 unparseable_message), never crash.
                #expect(error == .unreadable("GMime found no message"), "input \(input.prefix(16))")
            }
        }
    }

    @Test func jsonNeverEmbedsAttachmentBytes() throws {
        let message = try parse("mixed-pdf-rfc2231.eml")
        let json = try JSONEncoder().encode(message)
        #expect(json.count < 2048)
        #expect(!String(decoding: json, as: UTF8.self).contains("JVBERi0"))
    }
}
