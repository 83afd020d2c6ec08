import Dispatch
import Foundation
@testable import Postillon
import PostillonTestSupport
import Synchronization
import Testing

/// `POST /api/v1/send` through the real HTTP server, libcurl and Postfix (submission port:
/// STARTTLS + AUTH via Dovecot SASL) into the Dovecot maildirs, read back through our own
/// `GET /api/v1/messages/{id}` and, independently, from the maildir files.
///
/// Sends go from alice to carol, dave and erin only: alice and bob are checked for exact contents
/// by the POP3 suites running alongside.
@Suite(.enabled(if: MailServerEnvironment.isAvailable, "set POSTILLON_TEST_ENV (Tests/run.sh does)"), .serialized)
struct SendIntegrationTests {
    let environment = MailServerEnvironment.current!

    /// A token unique to this run, put into subjects so mailboxes from earlier runs do not count.
    func token(_ label: String) -> String { "\(label)-\(UUID().uuidString.prefix(8))" }

    func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    func json(_ object: [String: Any]) -> [UInt8] {
        Array(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    /// `POST /api/v1/send` as `user` with HTTP Basic.
    func send(_ app: LiveApp, _ body: [UInt8], contentType: String = "application/json", query: String = "", user: String = "alice",
              password: String? = nil, headers: [String: String] = [:]) throws -> RawClient.Response {
        var all = LiveApp.basic(user, password ?? environment.password(user))
        all["Content-Type"] = contentType
        for (name, value) in headers { all[name] = value }
        return try app.request("POST", "/api/v1/send" + query, headers: all, body: body)
    }

    func send(_ app: LiveApp, json text: String, password: String? = nil, headers: [String: String] = [:]) throws -> RawClient.Response {
        try send(app, Array(text.utf8), password: password, headers: headers)
    }

    /// `"status code"` of a response, for example `"400 header_injection"`.
    func problem(_ response: RawClient.Response) -> String { "\(response.status) \(response.code ?? "-")" }

    /// The header block of a stored message, lower-cased, LF line endings.
    func headerBlock(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        return String(text[..<(text.range(of: "\n\n")?.lowerBound ?? text.endIndex)]).lowercased()
    }

    /// The API id of `user`'s message with this Message-ID, from `GET /api/v1/messages`.
    func apiID(_ app: LiveApp, user: String, messageID: String) throws -> String? {
        let page = try app.request("GET", "/api/v1/messages?limit=100", headers: LiveApp.basic(user, environment.password(user))).json
        let messages = page["messages"] as? [[String: Any]] ?? []
        return messages.first { $0["messageId"] as? String == messageID }?["id"] as? String
    }

    @Test func germanMessageWithAlternativeAttachmentsAndInlineImageRoundTrips() throws {
        let app = try LiveApp.againstMailServers(environment)
        let subject = "Grüße aus Köln – Übersicht \(token("rich"))"
        let pdf = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let csv = Array("Name;Straße\nJörg;Hauptstraße 1\n.\nEnde\n".utf8)
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + (0..<300).map { UInt8($0 % 251) }
        let text = "Hallo Carol,\n\nanbei die Übersicht.\n.\nViele Grüße\nJörg"
        let html = "<p>Hallo Carol,</p><p>anbei die <b>Übersicht</b>.</p><img src=\"cid:logo@postillon\">"
        let body = json([
            "from": ["name": "Jörg Müller-Lüdenscheidt", "address": "alice@mail.test"],
            "to": ["Carol Bäcker <carol@mail.test>"],
            "bcc": ["dave@mail.test"],
            "subject": subject, "text": text, "html": html,
            "attachments": [
                ["filename": "Übersicht 2024.pdf", "contentType": "application/pdf", "content": base64(pdf)],
                ["filename": "daten.csv", "contentType": "text/csv", "content": base64(csv)],
                ["filename": "logo.png", "contentType": "image/png", "content": base64(png), "contentId": "logo@postillon"],
            ],
        ])
        let response = try send(app, body)
        #expect(response.status == 200)
        #expect(response.json["accepted"] as? [String] == ["carol@mail.test", "dave@mail.test"])
        #expect((response.json["rejected"] as? [Any])?.isEmpty == true)
        let messageID = try #require(response.json["messageId"] as? String)
        let stored = try #require(environment.waitForMessages(of: "carol", containing: messageID).first)

        // Read back through our own API: GET /api/v1/messages/{id} and the attachment downloads.
        let carol = LiveApp.basic("carol", environment.password("carol"))
        let id = try #require(try apiID(app, user: "carol", messageID: messageID))
        let parsed = try app.request("GET", "/api/v1/messages/\(id)", headers: carol).json
        #expect(parsed["subject"] as? String == subject)
        let from = (parsed["from"] as? [[String: Any]])?.first
        #expect(from?["name"] as? String == "Jörg Müller-Lüdenscheidt")
        #expect(from?["address"] as? String == "alice@mail.test")
        #expect((parsed["to"] as? [[String: Any]])?.first?["name"] as? String == "Carol Bäcker")
        #expect((parsed["text"] as? String)?.replacingOccurrences(of: "\r\n", with: "\n").hasPrefix(text) == true)
        #expect((parsed["html"] as? String)?.contains("<b>Übersicht</b>") == true)
        let headerNames = (parsed["headers"] as? [[String: Any]] ?? []).compactMap { ($0["name"] as? String)?.lowercased() }
        #expect(!headerNames.isEmpty && !headerNames.contains("bcc"))
        let attachments = parsed["attachments"] as? [[String: Any]] ?? []
        for (name, bytes) in [("Übersicht 2024.pdf", pdf), ("daten.csv", csv), ("logo.png", png)] {
            let attachment = try #require(attachments.first { $0["filename"] as? String == name }, "\(name) listed")
            let partId = try #require(attachment["partId"] as? String)
            let download = try app.request("GET", "/api/v1/messages/\(id)/attachments/\(partId)", headers: carol)
            #expect(download.status == 200)
            #expect(Hashing.sha256Hex(download.body) == Hashing.sha256Hex(bytes), "\(name) arrives byte for byte")
        }
        #expect(attachments.first { $0["filename"] as? String == "logo.png" }?["contentId"] as? String == "logo@postillon")

        // And independently of our parser: the stored file, parsed with GMime directly.
        let message = MIMEReadBack(stored)
        #expect(message.subject == subject)
        #expect(message.from == "Jörg Müller-Lüdenscheidt <alice@mail.test>")
        #expect(message.structure == ["multipart/mixed", "multipart/related", "multipart/alternative", "text/plain", "text/html",
                                      "image/png", "application/pdf", "text/csv"])
        #expect(Hashing.sha256Hex(try #require(message.attachment("Übersicht 2024.pdf")).content) == Hashing.sha256Hex(pdf))

        // The Bcc recipient got it too; no copy names a Bcc.
        let blind = try #require(environment.waitForMessages(of: "dave", containing: messageID).first)
        for copy in [stored, blind] {
            #expect(!MIMEReadBack(copy).headerNames.contains("bcc"))
            #expect(!headerBlock(copy).contains("\nbcc:"))
        }
        #expect(!String(decoding: stored, as: UTF8.self).contains("dave"), "Carol's copy does not reveal the blind recipient")
    }

    @Test func rawMessageWithBareLFAndADotLineArrivesComplete() throws {
        let app = try LiveApp.againstMailServers(environment)
        let marker = token("raw")
        let bodyText = "first line\n.\nline after a lone dot\n..two dots\n.\nlast line \(marker)\n"
        let raw = "From: Alice <alice@mail.test>\nTo: Carol <carol@mail.test>\nBcc: erin@mail.test\nSubject: raw \(marker)\n\n" + bodyText
        let response = try send(app, Array(raw.utf8), contentType: "message/rfc822")
        #expect(response.status == 200)
        #expect(response.json["accepted"] as? [String] == ["carol@mail.test", "erin@mail.test"])
        let messageID = try #require(response.json["messageId"] as? String)
        let stored = try #require(environment.waitForMessages(of: "carol", containing: marker).first)
        let text = String(decoding: stored, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        #expect(text.hasSuffix("\n\n" + bodyText), "the whole body, dot lines included")
        #expect(text.contains(messageID))
        let blind = try #require(environment.waitForMessages(of: "erin", containing: marker).first)
        #expect(!headerBlock(blind).contains("\nbcc:"))

        // Through our API as well: the parsed text has every line.
        let id = try #require(try apiID(app, user: "carol", messageID: messageID))
        let parsed = try app.request("GET", "/api/v1/messages/\(id)", headers: LiveApp.basic("carol", environment.password("carol"))).json
        #expect((parsed["text"] as? String)?.replacingOccurrences(of: "\r\n", with: "\n").hasPrefix(bodyText) == true)

        // The envelope from the query instead of the headers.
        let viaQuery = try send(app, Array(raw.utf8), contentType: "message/rfc822", query: "?to=dave%40mail.test")
        #expect(viaQuery.json["accepted"] as? [String] == ["dave@mail.test"])
        #expect(environment.waitForMessages(of: "dave", containing: marker).count == 1)
    }

    /// A 10 MiB raw message is spooled to a file while it arrives and uploaded from it (issue 11,
    /// item 2): it arrives complete, line endings normalised, dot lines intact, Bcc removed.
    @Test func largeRawMessageIsSpooledAndArrivesIntact() throws {
        let app = try LiveApp.againstMailServers(environment)
        let marker = token("spooled")
        var body: [UInt8] = []
        var line = 0
        while body.count < 10 << 20 {
            // 76-character lines, every 100th starting with a dot, bare LF and CRLF mixed.
            let text = (line % 100 == 0 ? "." : "") + String(repeating: String(line % 10), count: 70) + String(format: "%05d", line % 100_000)
            body += Array(text.utf8) + (line % 3 == 0 ? [13, 10] : [10])
            line += 1
        }
        let header = "From: Alice <alice@mail.test>\nTo: Erin <erin@mail.test>\nBcc: dave@mail.test\nSubject: big \(marker)\n\n"
        let raw = Array(header.utf8) + body
        #expect(raw.count > 10 << 20)
        let response = try send(app, raw, contentType: "message/rfc822", query: "?to=erin%40mail.test")
        #expect(response.status == 200, "\(response.status) \(response.text)")
        let stored = try #require(environment.waitForMessages(of: "erin", containing: "big \(marker)", timeout: 60).first)
        let bytes = stored
        let separator = try #require(bytes.firstRange(of: Array("\r\n\r\n".utf8)) ?? bytes.firstRange(of: Array("\n\n".utf8)))
        let storedBody = Array(bytes[separator.upperBound...])
        // Maildir keeps LF or CRLF depending on the delivery agent: compare with LF line ends.
        func lf(_ bytes: [UInt8]) -> [UInt8] { bytes.filter { $0 != 13 } }
        #expect(lf(storedBody) == lf(body), "the whole body arrived (\(storedBody.count) of \(body.count) bytes)")
        #expect(!headerBlock(stored).contains("\nbcc:"))
    }

    @Test func wrongPasswordIsRefusedBySubmissionAuth() throws {
        let app = try LiveApp.againstMailServers(environment)
        let response = try send(app, json: #"{"to": ["carol@mail.test"], "text": "x"}"#, password: "wrong-password")
        #expect(problem(response) == "401 auth_failed")
        #expect(response.headers["WWW-Authenticate"] != nil)
        #expect(!response.text.contains("wrong-password"))
    }

    @Test func implicitTLSWorksAndTLSAndConnectionFailuresAreGatewayErrors() throws {
        let marker = token("smtps")
        let smtps = try LiveApp.againstMailServers(environment, [.smtpURL: "smtps://127.0.0.1:\(environment.port("SMTPS_PORT"))"])
        #expect(try send(smtps, json: #"{"to": ["carol@mail.test"], "subject": "\#(marker)", "text": "over smtps"}"#).status == 200)
        #expect(environment.waitForMessages(of: "carol", containing: marker).count == 1)

        let wrongCA = try LiveApp.againstMailServers(environment, [.caFile: environment["WRONG_CA_FILE"]])
        #expect(problem(try send(wrongCA, json: #"{"to": ["carol@mail.test"], "text": "x"}"#)) == "502 upstream_tls")
        let closed = try LiveApp.againstMailServers(environment, [.smtpURL: "smtp://127.0.0.1:1"])
        #expect(problem(try send(closed, json: #"{"to": ["carol@mail.test"], "text": "x"}"#)) == "502 upstream_unreachable")
    }

    @Test func oneValidAndOneRejectedRecipientListsBoth() throws {
        let app = try LiveApp.againstMailServers(environment)
        let marker = token("partial")
        let response = try send(app, json: #"{"to": ["carol@mail.test", "nobody@mail.test"], "cc": ["someone@elsewhere.example"], "subject": "\#(marker)", "text": "x"}"#)
        #expect(response.status == 200)
        #expect(response.json["accepted"] as? [String] == ["carol@mail.test"])
        let rejected = try #require(response.json["rejected"] as? [[String: Any]])
        #expect(rejected.map { $0["address"] as? String } == ["nobody@mail.test", "someone@elsewhere.example"])
        #expect(rejected.map { $0["code"] as? Int } == [550, 554])
        #expect((rejected.first?["message"] as? String)?.contains("User unknown") == true)
        #expect((rejected.last?["message"] as? String)?.contains("Relay access denied") == true)
        #expect(environment.waitForMessages(of: "carol", containing: marker).count == 1)

        let none = try send(app, json: #"{"to": ["nobody@mail.test", "x@elsewhere.example"], "text": "x"}"#)
        #expect(problem(none) == "422 all_recipients_rejected")
        #expect((none.json["detail"] as? String)?.contains("nobody@mail.test (550") == true)
    }

    @Test func headerInjectionIsRefusedAndNothingIsDelivered() throws {
        let app = try LiveApp.againstMailServers(environment)
        let marker = token("inject")
        let attempts = [
            #"{"to": ["dave@mail.test"], "subject": "\#(marker)\r\nBcc: carol@mail.test", "text": "x"}"#,
            #"{"to": ["dave@mail.test"], "subject": "\#(marker)\nX-Injected: yes", "text": "x"}"#,
            #"{"to": [{"name": "Dave\r\nBcc: carol@mail.test", "address": "dave@mail.test"}], "subject": "\#(marker)"}"#,
            #"{"to": ["Dave\nBcc: carol@mail.test <dave@mail.test>"], "subject": "\#(marker)"}"#,
            #"{"from": {"name": "Alice\r\nBcc: carol@mail.test", "address": "alice@mail.test"}, "to": ["dave@mail.test"], "subject": "\#(marker)"}"#,
            #"{"to": ["dave@mail.test"], "subject": "\#(marker)", "attachments": [{"filename": "a.txt\r\nBcc: carol@mail.test", "content": "QQ=="}]}"#,
            #"{"to": ["dave@mail.test"], "subject": "\#(marker)", "headers": {"X-Note": "ok\r\nBcc: carol@mail.test"}}"#,
            #"{"to": ["dave@mail.test"], "subject": "\#(marker)", "headers": {"X-Note\r\nBcc": "carol@mail.test"}}"#,
            #"{"to": ["dave@mail.test"], "subject": "\#(marker)", "headers": {"Bcc": "carol@mail.test"}}"#,
        ]
        for attempt in attempts {
            #expect(problem(try send(app, json: attempt)) == "400 header_injection", "\(attempt)")
        }
        // A valid message afterwards: once it has arrived, anything sent before would have too.
        #expect(try send(app, json: #"{"to": ["dave@mail.test"], "subject": "\#(marker) valid", "text": "x"}"#).status == 200)
        let delivered = environment.waitForMessages(of: "dave", containing: marker)
        #expect(delivered.count == 1)
        #expect(delivered.allSatisfy { String(decoding: $0, as: UTF8.self).contains("\(marker) valid") })
        #expect(environment.maildirMessages(of: "carol").allSatisfy { $0.firstRange(of: Array(marker.utf8)) == nil })
    }

    @Test func idempotencyKeyDeliversExactlyOnceSequentiallyAndConcurrently() throws {
        let app = try LiveApp.againstMailServers(environment)
        let marker = token("idem")
        let body = #"{"to": ["erin@mail.test"], "subject": "\#(marker) seq", "text": "once"}"#
        let first = try send(app, json: body, headers: ["Idempotency-Key": "\(marker)-seq"])
        let second = try send(app, json: body, headers: ["Idempotency-Key": "\(marker)-seq"])
        #expect(first.status == 200 && second.status == 200)
        #expect(second.headers["Idempotent-Replayed"] == "true")
        #expect(first.json["messageId"] as? String == second.json["messageId"] as? String)

        let concurrentBody = #"{"to": ["erin@mail.test"], "subject": "\#(marker) par", "text": "once"}"#
        let statuses = Mutex<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            let status = (try? send(app, json: concurrentBody, headers: ["Idempotency-Key": "\(marker)-par"]))?.status ?? 0
            statuses.withLock { $0.append(status) }
        }
        #expect(statuses.withLock { $0 } == [200, 200])

        // A marker sent afterwards: once it is in, any duplicate would be too.
        #expect(try send(app, json: #"{"to": ["erin@mail.test"], "subject": "\#(marker) end", "text": "x"}"#).status == 200)
        #expect(environment.waitForMessages(of: "erin", containing: "\(marker) end").count == 1)
        for variant in ["seq", "par"] {
            let copies = environment.maildirMessages(of: "erin").filter { String(decoding: $0, as: UTF8.self).contains("Subject: \(marker) \(variant)\n") }
            #expect(copies.count == 1, "exactly one delivery for the \(variant) pair")
        }
    }
}
