import Foundation
import Postillon
import PostillonTestSupport
import Testing

/// Parsed messages and attachments from real mail: the fixtures of `Tests/Fixtures/mime` are sent
/// through Postfix into frank's Dovecot mailbox (as real mail arrives: Postfix adds Return-Path,
/// Delivered-To and Received, stores LF, Dovecot sends CRLF), then read back through the API and
/// compared with exact values and with what `MessageParser` makes of the fixture file itself.
/// Only this suite writes to frank's mailbox (the lock test only adds two messages); it never deletes any.
@Suite(.enabled(if: MailServerEnvironment.isAvailable, "set POSTILLON_TEST_ENV (Tests/run.sh does)"), .serialized)
struct MIMEReadTests {
    let environment = MailServerEnvironment.current!
    static let user = "frank"
    static let nestedFile = NSTemporaryDirectory() + "postillon-nested-500.eml"
    static let fixtures = ["latin1-qp.eml", "cp1252-as-latin1.eml", "utf8-base64.eml", "alternative.eml", "related-inline-image.eml",
                           "mixed-pdf-rfc2231.eml", "attached-message.eml", "truncated-multipart.eml", "unknown-charset.eml"]

    /// Fixture file name -> message id in frank's mailbox; delivered once per test run.
    static let delivered: Result<[String: String], DeliveryError> = {
        let environment = MailServerEnvironment.current!
        let nested = MIMEFixtures.deeplyNested(depth: 500)
        guard FileManager.default.createFile(atPath: nestedFile, contents: Data(nested)) else { return .failure(DeliveryError("cannot write \(nestedFile)")) }
        let files = fixtures.map(MIMEFixtures.path) + [nestedFile]
        do {
            return .success(try deliverThroughPostfix(files, environment: environment))
        } catch {
            return .failure(DeliveryError(String(describing: error)))
        }
    }()

    struct DeliveryError: Error, CustomStringConvertible, Sendable {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Sends `files` through Postfix's plain SMTP port, waits for Dovecot to list them and maps each
    /// file (by its Message-ID) to its new message id.
    static func deliverThroughPostfix(_ files: [String], environment: MailServerEnvironment) throws -> [String: String] {
        let before = Set(environment.uidls(user: user))
        let sent = MailServerEnvironment.run(["python3", MailServerEnvironment.repositoryRoot + "/Tests/Scripts/smtp-deliver.py",
                                              "--port", environment["SMTP_PORT"], "--to", "\(user)@mail.test"] + files)
        guard sent.status == 0 else { throw DeliveryError("smtp-deliver.py exited \(sent.status)") }
        // Map new messages to fixtures by Message-ID; other tests may deliver to the same mailbox
        // meanwhile, so extra messages are ignored rather than counted.
        let wanted = try Set(files.map { file -> String in
            guard let id = messageId(try Data(contentsOf: URL(fileURLWithPath: file))) else { throw DeliveryError("\(file) has no Message-ID") }
            return id
        })
        var byMessageId: [String: String] = [:]
        var checked: Set<String> = []
        let deadline = Date().addingTimeInterval(30)
        while !wanted.isSubset(of: Set(byMessageId.keys)) && Date() < deadline {
            for uidl in environment.uidls(user: user) where !before.contains(uidl) && !checked.contains(uidl) {
                checked.insert(uidl)
                if let raw = environment.probe(user: user, ["retr", uidl]), let messageId = messageId(raw) {
                    byMessageId[messageId] = MessageIdentifier.encode(uidl)
                }
            }
            if !wanted.isSubset(of: Set(byMessageId.keys)) { Thread.sleep(forTimeInterval: 0.2) }
        }
        var result: [String: String] = [:]
        for file in files {
            guard let messageId = messageId(try Data(contentsOf: URL(fileURLWithPath: file))), let id = byMessageId[messageId] else {
                throw DeliveryError("\(file) was not delivered")
            }
            result[(file as NSString).lastPathComponent] = id
        }
        return result
    }

    /// Writes `bytes` into frank's Maildir directly (for messages over Postfix's 10 MB default limit).
    static func deliverToMaildir(_ write: (String) throws -> Void, environment: MailServerEnvironment) throws -> String {
        let before = Set(environment.uidls(user: user))
        let maildir = environment.maildir(user)
        let name = "\(Int(Date().timeIntervalSince1970)).M\(UUID().uuidString.prefix(8))P\(getpid()).mime-test"
        let temporary = maildir + "/tmp/" + name
        try write(temporary)
        try FileManager.default.setAttributes([.ownerAccountID: 5000, .groupOwnerAccountID: 5000, .posixPermissions: 0o600],
                                              ofItemAtPath: temporary)
        try FileManager.default.moveItem(atPath: temporary, toPath: maildir + "/new/" + name)
        let fresh = environment.uidls(user: user).filter { !before.contains($0) }
        guard fresh.count == 1 else { throw DeliveryError("\(fresh.count) new messages instead of 1") }
        return MessageIdentifier.encode(fresh[0])
    }

    static func messageId(_ raw: Data) -> String? {
        let head = String(decoding: raw.prefix(8192), as: UTF8.self)
        guard let line = head.split(whereSeparator: \.isNewline).first(where: { $0.lowercased().hasPrefix("message-id:") }) else { return nil }
        return line.dropFirst("message-id:".count).trimmingCharacters(in: .whitespaces)
    }

    func id(_ fixture: String) throws -> String {
        let ids = try Self.delivered.get()
        return try #require(ids[fixture])
    }

    var auth: [String: String] { LiveApp.basic(Self.user, environment.password(Self.user)) }

    /// The parsed message of `fixture` through the API.
    func parsed(_ fixture: String, app: LiveApp) throws -> [String: Any] {
        let response = try app.request("GET", "/api/v1/messages/\(try id(fixture))", headers: auth)
        #expect(response.status == 200, "\(fixture): \(response.text.prefix(300))")
        #expect(response.headers["Content-Type"]?.hasPrefix("application/json") == true)
        return response.json
    }

    /// The API's parsed view must say exactly what `MessageParser` says of the fixture file, except
    /// for what delivery changes: id, size, headers (Postfix adds some) and warning byte offsets, and
    /// Postillon's own flags (state, not content; compared apart because NSNumber booleans do not
    /// compare equal to Swift ones in Foundation on Linux).
    func expectSameAsFileParse(_ fixture: String, _ api: [String: Any], path: String? = nil) throws {
        let file = path ?? MIMEFixtures.path(fixture)
        let local = try MessageParser().parse(file: file, id: "local", size: 0)
        var expected = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(local)) as? [String: Any])
        var actual = api
        for key in ["id", "size", "headers", "warnings", "seen", "flagged"] {
            expected[key] = nil
            actual[key] = nil
        }
        #expect(api["seen"] as? Bool == false && api["flagged"] as? Bool == false, "\(fixture): no flags set")
        #expect(NSDictionary(dictionary: actual).isEqual(to: expected), "\(fixture): API \(actual) vs file \(expected)")
        #expect(Self.withoutOffsets(api["warnings"]) == Self.withoutOffsets(local.warnings), "\(fixture)")
        // Every header the fixture has is listed, decoded, in the same order after Postfix's own.
        let apiHeaders = (api["headers"] as? [[String: String]] ?? []).map { [$0["name"] ?? "", $0["value"] ?? ""] }
        let localHeaders = local.headers.map { [$0.name, $0.value] }
        #expect(Array(apiHeaders.suffix(localHeaders.count)) == localHeaders, "\(fixture)")
    }

    static func withoutOffsets(_ warnings: Any?) -> [String] {
        (warnings as? [String] ?? []).map { $0.replacingOccurrences(of: #" at byte \d+"#, with: "", options: .regularExpression) }
    }

    func address(_ json: [String: Any], _ key: String) -> [[String?]] {
        (json[key] as? [[String: Any]] ?? []).map { [$0["name"] as? String, $0["address"] as? String] }
    }

    func attachments(_ json: [String: Any]) -> [[String: String]] {
        (json["attachments"] as? [[String: Any]] ?? []).map { entry in
            entry.mapValues { value in
                switch value {
                case let text as String: return text
                case let number as Int: return String(number)
                default: return "null"
                }
            }
        }
    }

    @Test func textBodiesAndHeadersInLegacyAndUnicodeCharsets() throws {
        let app = try LiveApp.againstMailServers(environment)
        let latin1 = try parsed("latin1-qp.eml", app: app)
        #expect(latin1["subject"] as? String == "Grüße aus München")
        #expect(address(latin1, "from") == [["Jürgen Müller", "juergen.mueller@example.de"]])
        #expect(address(latin1, "to") == [["Dave", "dave@mail.test"]])
        #expect(latin1["date"] as? String == "2026-03-03T14:05:09+01:00")
        #expect(latin1["messageId"] as? String == "<latin1-qp@fixtures.postillon.test>")
        #expect(latin1["contentType"] as? String == "text/plain")
        #expect(latin1["text"] as? String == "Sehr geehrte Frau Müller,\r\n\r\ndie Straße vor dem Büro ist gesperrt; bitte nehmen Sie den Umweg über die Brücke.\r\n\r\nMit freundlichen Grüßen\r\nJürgen\r\n")
        #expect(latin1["html"] is NSNull)
        #expect(attachments(latin1).isEmpty)
        #expect(latin1["warnings"] as? [String] == [])
        let headerNames = (latin1["headers"] as? [[String: String]] ?? []).compactMap { $0["name"] }
        #expect(Array(headerNames.prefix(3)) == ["Return-Path", "X-Original-To", "Delivered-To"], "Postfix's headers come first")
        try expectSameAsFileParse("latin1-qp.eml", latin1)

        let cp1252 = try parsed("cp1252-as-latin1.eml", app: app)
        #expect(cp1252["text"] as? String == "„Anführungszeichen“ kosten 5 € – sagt Müller.\r\n")
        #expect(cp1252["subject"] as? String == "Preis: 5 € „netto“")
        #expect(cp1252["date"] as? String == "2026-03-05T08:00:00Z")
        try expectSameAsFileParse("cp1252-as-latin1.eml", cp1252)

        let utf8 = try parsed("utf8-base64.eml", app: app)
        #expect(utf8["subject"] as? String == "Grüße 🎉 日本")
        #expect(address(utf8, "from") == [["Zoë Ångström", "zoe@example.se"]])
        #expect(utf8["date"] as? String == "2026-03-04T09:30:00-05:00")
        #expect(utf8["text"] as? String == "Grüße aus Köln 🎉\r\n日本語のテキスト\r\n")
        try expectSameAsFileParse("utf8-base64.eml", utf8)

        let unknown = try parsed("unknown-charset.eml", app: app)
        #expect(unknown["text"] as? String == "Grüße aus Düsseldorf\r\n")
        #expect(unknown["subject"] as? String == "Grüße")
        #expect(unknown["warnings"] as? [String] == ["part 1: unknown or unusable charset 'x-unknown-42'; decoded as windows-1252"])
        try expectSameAsFileParse("unknown-charset.eml", unknown)
    }

    @Test func alternativeAndRelatedBodies() throws {
        let app = try LiveApp.againstMailServers(environment)
        let alternative = try parsed("alternative.eml", app: app)
        #expect(alternative["contentType"] as? String == "multipart/alternative")
        #expect(alternative["date"] as? String == "2026-03-06T10:15:00+05:30")
        #expect(alternative["text"] as? String == "Plain version.")
        #expect(alternative["html"] as? String == "<p>HTML <b>version</b> für dich.</p>")
        #expect(attachments(alternative).isEmpty)
        try expectSameAsFileParse("alternative.eml", alternative)

        let related = try parsed("related-inline-image.eml", app: app)
        #expect(related["text"] as? String == "See the logo.")
        #expect(related["html"] as? String == #"<p>Logo: <img src="cid:logo@postillon.test"></p>"#)
        #expect(attachments(related) == [["partId": "2.2", "filename": "null", "contentType": "image/png", "size": "67",
                                          "contentId": "logo@postillon.test", "disposition": "inline"]])
        try expectSameAsFileParse("related-inline-image.eml", related)

        let id = try id("related-inline-image.eml")
        let image = try app.request("GET", "/api/v1/messages/\(id)/attachments/2.2", headers: auth)
        #expect(image.status == 200)
        #expect(image.body == (try MIMEFixtures.bytes("logo.png")))
        #expect(image.headers["Content-Type"] == "image/png")
        #expect(image.headers["Content-Disposition"] == "attachment")
        #expect(image.headers["X-Content-Type-Options"] == "nosniff")
        let inline = try app.request("GET", "/api/v1/messages/\(id)/attachments/2.2?inline=1", headers: auth)
        #expect(inline.status == 200)
        #expect(inline.headers["Content-Disposition"] == "inline")
        #expect(inline.body == image.body)
    }

    @Test func pdfWithRFC2231NameDownloadsByteForByte() throws {
        let app = try LiveApp.againstMailServers(environment)
        let message = try parsed("mixed-pdf-rfc2231.eml", app: app)
        let original = try MIMEFixtures.bytes("rechnung.pdf")
        #expect(message["text"] as? String == "Anbei die Rechnung für März.")
        #expect(attachments(message) == [["partId": "2", "filename": "Rechnung März.pdf", "contentType": "application/pdf",
                                          "size": String(original.count), "contentId": "null", "disposition": "attachment"]])
        try expectSameAsFileParse("mixed-pdf-rfc2231.eml", message)

        let id = try id("mixed-pdf-rfc2231.eml")
        for target in ["/api/v1/messages/\(id)/attachments/2", "/api/v1/messages/\(id)/attachments/2?inline=1"] {
            let pdf = try app.request("GET", target, headers: auth)
            #expect(pdf.status == 200)
            #expect(Hashing.sha256Hex(pdf.body) == Hashing.sha256Hex(original), "\(target)")
            #expect(pdf.headers["Content-Type"] == "application/pdf")
            #expect(pdf.headers["Content-Length"] == String(original.count))
            #expect(pdf.headers["Content-Disposition"] == "attachment; filename=\"Rechnung M_rz.pdf\"; filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf",
                    "a PDF is never inline, even with ?inline=1")
            #expect(pdf.headers["X-Content-Type-Options"] == "nosniff")
        }
        for bad in ["3", "2.1", "0", "abc", "1..2"] {
            let missing = try app.request("GET", "/api/v1/messages/\(id)/attachments/\(bad)", headers: auth)
            #expect(missing.status == 404, "partId \(bad)")
            #expect(missing.code == "attachment_not_found", "partId \(bad)")
        }
        let noMessage = try app.request("GET", "/api/v1/messages/doesnotexist/attachments/1", headers: auth)
        #expect(noMessage.status == 404)
        #expect(noMessage.code == "message_not_found")
    }

    @Test func attachedMessageIsListedAndDownloadsAsItsOwnBytes() throws {
        let app = try LiveApp.againstMailServers(environment)
        let message = try parsed("attached-message.eml", app: app)
        let inner = Array(try MIMEFixtures.bytes("attached-message-inner.eml").dropLast(2))
        #expect(message["text"] as? String == "See the attached message.")
        #expect(attachments(message) == [["partId": "2", "filename": "Quartalszahlen Q1.eml", "contentType": "message/rfc822",
                                          "size": String(inner.count), "contentId": "null", "disposition": "attachment"]])
        try expectSameAsFileParse("attached-message.eml", message)
        let download = try app.request("GET", "/api/v1/messages/\(try id("attached-message.eml"))/attachments/2", headers: auth)
        #expect(download.status == 200)
        #expect(download.headers["Content-Type"] == "message/rfc822")
        #expect(download.body == inner)
    }

    @Test func malformedMessagesAreRecoveredWithWarnings() throws {
        let app = try LiveApp.againstMailServers(environment)
        let truncated = try parsed("truncated-multipart.eml", app: app)
        #expect(truncated["text"] as? String == "The first part is complete.")
        #expect(attachments(truncated) == [["partId": "2", "filename": "data.bin", "contentType": "application/octet-stream",
                                            "size": "72", "contentId": "null", "disposition": "attachment"]])
        #expect((truncated["warnings"] as? [String] ?? []).contains { $0.contains("truncated") }, "\(truncated["warnings"] ?? "")")
        try expectSameAsFileParse("truncated-multipart.eml", truncated)
        let data = try app.request("GET", "/api/v1/messages/\(try id("truncated-multipart.eml"))/attachments/2", headers: auth)
        #expect(data.body == Array(0..<72))

        let nested = try parsed("postillon-nested-500.eml", app: app)
        #expect(nested["subject"] as? String == "Nested 500 deep")
        #expect(nested["text"] is NSNull)
        #expect((nested["warnings"] as? [String] ?? []).contains { $0.contains("nesting") }, "\(nested["warnings"] ?? "")")
        try expectSameAsFileParse("postillon-nested-500.eml", nested, path: Self.nestedFile)
    }

    @Test func tooLargeToParseIs413ButStaysDownloadableRaw() throws {
        let app = try LiveApp.againstMailServers(environment, [.maxParseBytes: "1024"])
        let id = try id("mixed-pdf-rfc2231.eml")
        for target in ["/api/v1/messages/\(id)", "/api/v1/messages/\(id)/attachments/2"] {
            let refused = try app.request("GET", target, headers: auth)
            #expect(refused.status == 413, "\(target)")
            #expect(refused.code == "message_too_large", "\(target)")
        }
        let raw = try app.request("GET", "/api/v1/messages/\(id)/raw", headers: auth)
        #expect(raw.status == 200)
        let uidl = try #require(MessageIdentifier.decode(id))
        #expect(raw.body == Array(try #require(environment.probe(user: Self.user, ["retr", uidl]))))
        // The small one still parses under the same limit.
        #expect(try app.request("GET", "/api/v1/messages/\(try self.id("alternative.eml"))", headers: auth).status == 200)
    }

    @Test func twentyMegabyteAttachment() throws {
        let attachment = MIMEFixtures.largeAttachment(size: 20 * 1024 * 1024)
        let id = try Self.deliverToMaildir({ try MIMEFixtures.writeLargeAttachmentMessage(to: $0, attachment: attachment) },
                                           environment: environment)
        let app = try LiveApp.againstMailServers(environment)
        let message = try app.request("GET", "/api/v1/messages/\(id)", headers: auth, timeoutMillis: 120_000)
        #expect(message.status == 200)
        #expect(message.body.count < 4096, "the parsed view never carries attachment bytes")
        #expect(message.json["text"] as? String == "A large attachment follows.")
        #expect(attachments(message.json) == [["partId": "2", "filename": "big.bin", "contentType": "application/octet-stream",
                                               "size": String(attachment.count), "contentId": "null", "disposition": "attachment"]])
        let download = try app.request("GET", "/api/v1/messages/\(id)/attachments/2", headers: auth, timeoutMillis: 120_000)
        #expect(download.status == 200)
        #expect(download.headers["Content-Length"] == String(attachment.count))
        #expect(download.body.count == attachment.count)
        #expect(download.body == attachment)
    }
}
