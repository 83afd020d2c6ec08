import Dispatch
import Foundation
@testable import Postillon
import Synchronization
import Testing

/// `POST /api/v1/send` through the real HTTP server, libcurl and Postfix (submission port:
/// STARTTLS + AUTH via Dovecot SASL) into the Dovecot maildirs, read back from the maildir files.
@Suite(.enabled(if: MailServerEnvironment.isAvailable, MailServerEnvironment.skipReason), .serialized)
struct SendIntegrationTests {
    /// A token unique to this run, put into subjects so mailboxes from earlier runs do not count.
    func token(_ label: String) -> String { "\(label)-\(UUID().uuidString.prefix(8))" }

    func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    func json(_ object: [String: Any]) -> [UInt8] {
        Array(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    /// The header block of a stored message, lower-cased (maildir files have LF line endings).
    func headerBlock(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        return String(text[..<(text.range(of: "\n\n")?.lowerBound ?? text.endIndex)]).lowercased()
    }

    @Test func germanMessageWithAlternativeAttachmentsAndInlineImageRoundTrips() throws {
        let server = try LiveServer()
        let subject = "Grüße aus Köln – Übersicht \(token("rich"))"
        let pdf = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let csv = Array("Name;Straße\nJörg;Hauptstraße 1\n.\nEnde\n".utf8)
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + (0..<300).map { UInt8($0 % 251) }
        let body = json([
            "from": ["name": "Jörg Müller-Lüdenscheidt", "address": "alice@mail.test"],
            "to": ["Bob Bäcker <bob@mail.test>"],
            "bcc": ["carol@mail.test"],
            "subject": subject,
            "text": "Hallo Bob,\n\nanbei die Übersicht.\n.\nViele Grüße\nJörg",
            "html": "<p>Hallo Bob,</p><p>anbei die <b>Übersicht</b>.</p><img src=\"cid:logo@postillon\">",
            "attachments": [
                ["filename": "Übersicht 2024.pdf", "contentType": "application/pdf", "content": base64(pdf)],
                ["filename": "daten.csv", "contentType": "text/csv", "content": base64(csv)],
                ["filename": "logo.png", "contentType": "image/png", "content": base64(png), "contentId": "logo@postillon"],
            ],
        ])
        let response = try server.send(body)
        #expect(response.status == 200)
        #expect(response.json["accepted"] as? [String] == ["bob@mail.test", "carol@mail.test"])
        #expect((response.json["rejected"] as? [Any])?.isEmpty == true)
        let messageID = try #require(response.json["messageId"] as? String)

        let stored = try #require(server.environment.waitForMessages(of: "bob", containing: messageID).first)
        let message = ParsedMessage(stored)
        #expect(message.subject == subject)
        #expect(message.from == "Jörg Müller-Lüdenscheidt <alice@mail.test>")
        #expect(message.to == "Bob Bäcker <bob@mail.test>")
        #expect("<\(message.messageID ?? "")>" == messageID)
        #expect(message.structure == ["multipart/mixed", "multipart/related", "multipart/alternative", "text/plain", "text/html",
                                      "image/png", "application/pdf", "text/csv"])
        #expect(SHA256.hex(try #require(message.attachment("Übersicht 2024.pdf")).content) == SHA256.hex(pdf))
        #expect(SHA256.hex(try #require(message.attachment("daten.csv")).content) == SHA256.hex(csv))
        let logo = try #require(message.attachment("logo.png"))
        #expect(logo.contentID == "logo@postillon")
        #expect(SHA256.hex(logo.content) == SHA256.hex(png))
        let text = String(decoding: try #require(message.leaves.first { $0.contentType == "text/plain" }).content, as: UTF8.self)
        #expect(text.replacingOccurrences(of: "\r\n", with: "\n").hasPrefix("Hallo Bob,\n\nanbei die Übersicht.\n.\nViele Grüße\nJörg"))

        // The Bcc recipient got it too; no copy names a Bcc.
        let blind = try #require(server.environment.waitForMessages(of: "carol", containing: messageID).first)
        for copy in [stored, blind] {
            #expect(!ParsedMessage(copy).headerNames.contains("bcc"))
            #expect(!headerBlock(copy).contains("\nbcc:"))
        }
        #expect(!String(decoding: stored, as: UTF8.self).contains("carol"), "Bob's copy does not reveal the blind recipient")
    }

    @Test func rawMessageWithBareLFAndADotLineArrivesComplete() throws {
        let server = try LiveServer()
        let marker = token("raw")
        let bodyText = "first line\n.\nline after a lone dot\n..two dots\n.\nlast line \(marker)\n"
        let raw = "From: Alice <alice@mail.test>\nTo: Bob <bob@mail.test>\nBcc: dave@mail.test\nSubject: raw \(marker)\n\n" + bodyText
        let response = try server.send(Array(raw.utf8), contentType: "message/rfc822")
        #expect(response.status == 200)
        #expect(response.json["accepted"] as? [String] == ["bob@mail.test", "dave@mail.test"])
        let messageID = try #require(response.json["messageId"] as? String)
        let stored = try #require(server.environment.waitForMessages(of: "bob", containing: marker).first)
        let text = String(decoding: stored, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        #expect(text.hasSuffix("\n\n" + bodyText), "the whole body, dot lines included")
        #expect(text.contains(messageID))
        let blind = try #require(server.environment.waitForMessages(of: "dave", containing: marker).first)
        #expect(!headerBlock(blind).contains("\nbcc:"))

        // The envelope from the query instead of the headers.
        let viaQuery = try server.send(Array(raw.utf8), contentType: "message/rfc822", query: "?to=erin%40mail.test")
        #expect(viaQuery.json["accepted"] as? [String] == ["erin@mail.test"])
        #expect(server.environment.waitForMessages(of: "erin", containing: marker).count == 1)
    }

    @Test func wrongPasswordIsRefusedBySubmissionAuth() throws {
        let server = try LiveServer()
        let response = try server.send(json: #"{"to": ["bob@mail.test"], "text": "x"}"#, password: "wrong-password")
        #expect(response.problem == "401 auth_failed")
        #expect(response.headers["WWW-Authenticate"] != nil)
    }

    @Test func implicitTLSWorksAndTLSAndConnectionFailuresAreGatewayErrors() throws {
        let environment = MailServerEnvironment.current!
        let marker = token("smtps")
        let smtps = try LiveServer(smtpURL: "smtps://127.0.0.1:\(environment.port("SMTPS_PORT"))")
        #expect(try smtps.send(json: #"{"to": ["bob@mail.test"], "subject": "\#(marker)", "text": "over smtps"}"#).status == 200)
        #expect(environment.waitForMessages(of: "bob", containing: marker).count == 1)

        let wrongCA = try LiveServer(caFile: environment["WRONG_CA_FILE"])
        #expect(try wrongCA.send(json: #"{"to": ["bob@mail.test"], "text": "x"}"#).problem == "502 upstream_tls")
        let closed = try LiveServer(smtpURL: "smtp://127.0.0.1:1")
        #expect(try closed.send(json: #"{"to": ["bob@mail.test"], "text": "x"}"#).problem == "502 upstream_unreachable")
    }

    @Test func oneValidAndOneRejectedRecipientListsBoth() throws {
        let server = try LiveServer()
        let marker = token("partial")
        let response = try server.send(json: #"{"to": ["bob@mail.test", "nobody@mail.test"], "cc": ["someone@elsewhere.example"], "subject": "\#(marker)", "text": "x"}"#)
        #expect(response.status == 200)
        #expect(response.json["accepted"] as? [String] == ["bob@mail.test"])
        let rejected = try #require(response.json["rejected"] as? [[String: Any]])
        #expect(rejected.map { $0["address"] as? String } == ["nobody@mail.test", "someone@elsewhere.example"])
        #expect(rejected.map { $0["code"] as? Int } == [550, 554])
        #expect((rejected[0]["message"] as? String)?.contains("User unknown") == true)
        #expect((rejected[1]["message"] as? String)?.contains("Relay access denied") == true)
        #expect(server.environment.waitForMessages(of: "bob", containing: marker).count == 1)

        let none = try server.send(json: #"{"to": ["nobody@mail.test", "x@elsewhere.example"], "text": "x"}"#)
        #expect(none.problem == "422 all_recipients_rejected")
        #expect((none.json["detail"] as? String)?.contains("nobody@mail.test (550") == true)
    }

    @Test func headerInjectionIsRefusedAndNothingIsDelivered() throws {
        let server = try LiveServer()
        let marker = token("inject")
        let attempts = [
            #"{"to": ["dave@mail.test"], "subject": "\#(marker)\r\nBcc: bob@mail.test", "text": "x"}"#,
            #"{"to": ["dave@mail.test"], "subject": "\#(marker)\nX-Injected: yes", "text": "x"}"#,
            #"{"to": [{"name": "Dave\r\nBcc: bob@mail.test", "address": "dave@mail.test"}], "subject": "\#(marker)"}"#,
            #"{"to": ["Dave\nBcc: bob@mail.test <dave@mail.test>"], "subject": "\#(marker)"}"#,
            #"{"from": {"name": "Alice\r\nBcc: bob@mail.test", "address": "alice@mail.test"}, "to": ["dave@mail.test"], "subject": "\#(marker)"}"#,
            #"{"to": ["dave@mail.test"], "subject": "\#(marker)", "attachments": [{"filename": "a.txt\r\nBcc: bob@mail.test", "content": "QQ=="}]}"#,
            #"{"to": ["dave@mail.test"], "subject": "\#(marker)", "headers": {"X-Note": "ok\r\nBcc: bob@mail.test"}}"#,
            #"{"to": ["dave@mail.test"], "subject": "\#(marker)", "headers": {"X-Note\r\nBcc": "bob@mail.test"}}"#,
            #"{"to": ["dave@mail.test"], "subject": "\#(marker)", "headers": {"Bcc": "bob@mail.test"}}"#,
        ]
        for attempt in attempts {
            #expect(try server.send(json: attempt).problem == "400 header_injection", "\(attempt)")
        }
        // A valid message afterwards: once it has arrived, anything sent before would have too.
        let after = try server.send(json: #"{"to": ["dave@mail.test"], "subject": "\#(marker) valid", "text": "x"}"#)
        #expect(after.status == 200)
        let delivered = server.environment.waitForMessages(of: "dave", containing: marker)
        #expect(delivered.count == 1)
        #expect(delivered.allSatisfy { String(decoding: $0, as: UTF8.self).contains("\(marker) valid") })
        #expect(server.environment.messages(of: "bob").allSatisfy { !String(decoding: $0, as: UTF8.self).contains(marker) })
    }

    @Test func idempotencyKeyDeliversExactlyOnceSequentiallyAndConcurrently() throws {
        let server = try LiveServer()
        let marker = token("idem")
        let body = #"{"to": ["erin@mail.test"], "subject": "\#(marker)", "text": "once"}"#
        let first = try server.send(json: body, headers: [("Idempotency-Key", "\(marker)-seq")])
        let second = try server.send(json: body, headers: [("Idempotency-Key", "\(marker)-seq")])
        #expect(first.status == 200 && second.status == 200)
        #expect(second.headers["Idempotent-Replayed"] == "true")
        #expect(first.json["messageId"] as? String == second.json["messageId"] as? String)

        let concurrentBody = #"{"to": ["frank@mail.test"], "subject": "\#(marker)", "text": "once"}"#
        let results = Mutex<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            let status = (try? server.send(json: concurrentBody, headers: [("Idempotency-Key", "\(marker)-par")]))?.status ?? 0
            results.withLock { $0.append(status) }
        }
        #expect(results.withLock { $0 } == [200, 200])

        // Markers sent afterwards: once they are in, any duplicate would be too.
        for user in ["erin", "frank"] {
            #expect(try server.send(json: #"{"to": ["\#(user)@mail.test"], "subject": "\#(marker) end", "text": "x"}"#).status == 200)
            #expect(server.environment.waitForMessages(of: user, containing: "\(marker) end").count == 1)
            let copies = server.environment.messages(of: user).filter { String(decoding: $0, as: UTF8.self).contains("Subject: \(marker)\n") }
            #expect(copies.count == 1, "exactly one delivery to \(user)")
        }
    }
}
