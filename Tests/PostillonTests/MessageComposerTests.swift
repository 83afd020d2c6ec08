import Foundation
@testable import Postillon
import PostillonTestSupport
import Testing

/// Composing with GMime, checked on the bytes and by parsing them back.
@Suite struct MessageComposerTests {
    func message(_ edit: (inout OutgoingMessage) -> Void = { _ in }) -> OutgoingMessage {
        var message = OutgoingMessage(from: OutgoingAddress(name: "Jörg Müller", address: "joerg@mail.test"))
        message.to = [OutgoingAddress(name: "Bob", address: "bob@mail.test")]
        message.subject = "Grüße aus Köln"
        message.text = "Hallo Bob"
        edit(&message)
        return message
    }

    func compose(_ message: OutgoingMessage) throws -> (text: String, bytes: [UInt8], id: String) {
        let composed = try MessageComposer.compose(message, date: Date(timeIntervalSince1970: 1_700_000_000), fallbackDomain: "postillon.test")
        return (String(decoding: composed.bytes, as: UTF8.self), composed.bytes, composed.messageID)
    }

    /// The header block (up to the first empty line).
    func headerBlock(_ text: String) -> String {
        String(text[..<(text.range(of: "\r\n\r\n")?.lowerBound ?? text.endIndex)])
    }

    @Test func nonASCIIHeadersAreEncodedWordsAndDecodeBack() throws {
        let (text, bytes, _) = try compose(message { $0.cc = [OutgoingAddress(name: "Smith, John", address: "john@example.org")] })
        let header = headerBlock(text)
        #expect(header.utf8.allSatisfy { $0 < 0x80 })
        #expect(header.contains("Subject: =?UTF-8?"))
        #expect(header.contains("From: =?UTF-8?"))
        #expect(header.contains("Cc: \"Smith, John\" <john@example.org>"))
        let parsed = MIMEReadBack(bytes)
        #expect(parsed.subject == "Grüße aus Köln")
        #expect(parsed.from == "Jörg Müller <joerg@mail.test>")
        #expect(parsed.cc == "\"Smith, John\" <john@example.org>")
    }

    @Test func standardHeadersArePresent() throws {
        let (text, _, id) = try compose(message())
        let header = headerBlock(text)
        #expect(header.contains("MIME-Version: 1.0"))
        #expect(header.contains("Date: Tue, 14 Nov 2023 22:13:20 +0000") || header.contains("Date: "))
        #expect(id.hasPrefix("<") && id.hasSuffix("@mail.test>"))
        #expect(header.lowercased().contains("message-id: \(id.lowercased())"))
        #expect(try compose(message()).id != id, "every message gets a fresh Message-ID")
    }

    @Test func messageIDOfAnIDNSenderIsPunycode() throws {
        let (_, _, id) = try compose(message { $0.from = OutgoingAddress(name: nil, address: "info@bücher.example") })
        #expect(id.hasSuffix("@xn--bcher-kva.example>"))
    }

    @Test func thereIsNeverABccHeader() throws {
        // OutgoingMessage has no Bcc at all: blind recipients live only in the envelope.
        let (text, _, _) = try compose(message { $0.cc = [OutgoingAddress(name: nil, address: "c@mail.test")] })
        // Field names only: the random Message-ID or boundary may well contain the letters "bcc".
        let names = headerBlock(text).split(separator: "\r\n").compactMap { $0.split(separator: ":").first?.lowercased() }
        #expect(!names.isEmpty)
        #expect(!names.contains("bcc"), "\(names)")
    }

    @Test func everyLineEndsInCRLFAndADotLineSurvives() throws {
        let (_, bytes, _) = try compose(message { $0.text = "one\n.\ntwo\r\n.\rthree" })
        for (index, byte) in bytes.enumerated() where byte == 0x0A { #expect(index > 0 && bytes[index - 1] == 0x0D) }
        for (index, byte) in bytes.enumerated() where byte == 0x0D { #expect(index + 1 < bytes.count && bytes[index + 1] == 0x0A) }
        #expect(String(decoding: bytes, as: UTF8.self).contains("\r\none\r\n.\r\ntwo\r\n.\r\nthree"))
        #expect(bytes.suffix(2) == [0x0D, 0x0A])
    }

    @Test func textAndHTMLMakeAlternativeInlinePartsRelatedAttachmentsMixed() throws {
        let pdf: [UInt8] = Array(0...255)
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0, 1, 2, 3]
        let (text, bytes, _) = try compose(message {
            $0.html = "<p>Hallo <img src=\"cid:logo@x\"></p>"
            $0.attachments = [
                OutgoingAttachment(filename: "Übersicht 2024.pdf", contentType: "application/pdf", data: pdf),
                OutgoingAttachment(filename: "logo.png", contentType: "image/png", data: png, contentID: "logo@x"),
            ]
        })
        let parsed = MIMEReadBack(bytes)
        #expect(parsed.structure == ["multipart/mixed", "multipart/related", "multipart/alternative", "text/plain", "text/html", "image/png", "application/pdf"])
        let leaves = Dictionary(uniqueKeysWithValues: parsed.leaves.map { ($0.contentType, $0) })
        #expect(leaves["application/pdf"]?.content == pdf)
        #expect(leaves["application/pdf"]?.filename == "Übersicht 2024.pdf")
        #expect(leaves["application/pdf"]?.disposition == "attachment")
        #expect(leaves["application/pdf"]?.encoding == "base64")
        #expect(leaves["image/png"]?.content == png)
        #expect(leaves["image/png"]?.contentID == "logo@x")
        #expect(leaves["image/png"]?.disposition == "inline")
        #expect(text.contains("filename*=UTF-8''%C3%9Cbersicht%202024.pdf"), "RFC 2231 filename")
        #expect(text.contains("type=\"multipart/alternative\""), "multipart/related names its root type")
    }

    @Test func transferEncodingFitsTheText() throws {
        #expect(MIMEReadBack(try compose(message { $0.text = "plain ascii" }).bytes).leaves[0].encoding == nil)
        let mostlyASCII = "Hallo Bob, viele schöne Grüße aus Köln und bis bald, dein Jörg"
        let umlauts = MIMEReadBack(try compose(message { $0.text = mostlyASCII }).bytes).leaves[0]
        #expect(umlauts.encoding == "quoted-printable")
        #expect(String(decoding: umlauts.content, as: UTF8.self).trimming("\r\n") == mostlyASCII, "UTF-8 bytes, labelled UTF-8")
        let greek = MIMEReadBack(try compose(message { $0.text = "Καλημέρα κόσμε" }).bytes).leaves[0]
        #expect(greek.encoding == "base64")
        #expect(String(decoding: greek.content, as: UTF8.self).trimming("\r\n") == "Καλημέρα κόσμε")
        let long = String(repeating: "x", count: 2000)
        #expect(MIMEReadBack(try compose(message { $0.text = long }).bytes).leaves[0].encoding != nil, "lines over 998 octets are encoded")
    }

    @Test func inlinePartsWithoutHTMLAreAttached() throws {
        let parsed = MIMEReadBack(try compose(message {
            $0.attachments = [OutgoingAttachment(filename: "a.png", contentType: "image/png", data: [1], contentID: "a")]
        }).bytes)
        #expect(parsed.structure == ["multipart/mixed", "text/plain", "image/png"])
    }

    /// The field a header-injection refusal names, or nil when composing did not refuse so.
    func injectedField(_ message: OutgoingMessage) -> String? {
        do {
            _ = try MessageComposer.compose(message)
            return nil
        } catch {
            if case .headerInjection(let field, _) = error { return field }
            return nil
        }
    }

    @Test func headerInjectionIsRefusedWhereverItHides() {
        let attempts: [(String, (inout OutgoingMessage) -> Void)] = [
            ("subject", { $0.subject = "Hi\r\nBcc: victim@example.org" }),
            ("subject", { $0.subject = "Hi\nBcc: victim@example.org" }),
            ("from.name", { $0.from = OutgoingAddress(name: "Eve\rBcc: v@x.example", address: "joerg@mail.test") }),
            ("to[0].name", { $0.to = [OutgoingAddress(name: "Bob\u{0}", address: "bob@mail.test")] }),
            ("attachments[0].filename", { $0.attachments = [OutgoingAttachment(filename: "a\r\nX-Evil: 1", data: [1])] }),
            ("headers.X-Note", { $0.extraHeaders = [("X-Note", "a\r\nBcc: v@x.example")] }),
            ("inReplyTo", { $0.inReplyTo = "<a@b>\r\nBcc: v@x.example" }),
        ]
        for (field, edit) in attempts {
            #expect(injectedField(message(edit)) == field)
        }
        #expect(throws: SendValidationError.self) { _ = try MessageComposer.compose(message { $0.extraHeaders = [("Bcc", "v@x.example")] }) }
        #expect(throws: SendValidationError.self) { _ = try MessageComposer.compose(message { $0.extraHeaders = [("Subject", "again")] }) }
    }

    @Test func extraHeadersAndThreadingAreWritten() throws {
        let (text, _, _) = try compose(message {
            $0.extraHeaders = [("X-Ticket", "4711"), ("List-Unsubscribe", "<mailto:u@mail.test>")]
            $0.inReplyTo = "<a@b.example>"
            $0.references = ["<a@b.example>", "<c@d.example>"]
        })
        let header = headerBlock(text)
        #expect(header.contains("X-Ticket: 4711\r\n"))
        #expect(header.contains("List-Unsubscribe: <mailto:u@mail.test>\r\n"))
        #expect(header.contains("In-Reply-To: <a@b.example>\r\n"))
        #expect(header.contains("References: <a@b.example> <c@d.example>\r\n"))
    }

    @Test func malformedContentTypesAreRefused() {
        for type in ["pdf", "multipart/mixed", "text/", "a b/c"] {
            #expect(throws: SendValidationError.self) {
                _ = try MessageComposer.compose(message { $0.attachments = [OutgoingAttachment(filename: "f", contentType: type, data: [1])] })
            }
        }
    }
}
