import Foundation
import Logging
@testable import Postillon
import PostillonTestSupport
import Testing
@testable import PostillonHTTP

/// The mail API in memory: the router with the in-memory POP3 twin (the integration tests run
/// the same kinds of scenarios against real Dovecot).
final class MemoryApp {
    let pop3 = InMemoryPOP3Server()
    let router: Router
    let services: AppServices

    init(flags: [ConfigKey: String] = [:], state: any StateStore = MemoryStateStore()) throws {
        var all: [ConfigKey: String] = [.publicDir: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path + "/Public", .mailDomain: "mail.test"]
        for (key, value) in flags { all[key] = value }
        let configuration = try ConfigurationLoader.load(flags: all, environment: [:])
        var logger = Logger(label: "memory")
        logger.logLevel = .critical
        services = try AppServices.make(configuration: configuration, connector: pop3, state: state, sealer: testSealer(),
                                        logger: logger)
        router = try Application.buildRouter(services: services)
        pop3.addMailbox("alice", password: "pw")
        for index in 1...7 {
            pop3.deliver("alice", uidl: "u\(index)", message: "From: Sender <s@mail.test>\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_\(index)?=\r\n"
                         + "Date: Tue, 1 Oct 2024 10:00:0\(index) +0200\r\nMessage-ID: <m\(index)@mail.test>\r\n\r\nBody \(index)\r\n")
        }
    }

    func call(_ method: HTTPMethod, _ target: String, auth: String? = "alice:pw", body: String? = nil,
              headers extra: [String: String] = [:]) -> (status: Int, json: [String: Any], body: [UInt8], headers: HTTPHeaders) {
        var headers = HTTPHeaders()
        if let auth { headers.add("Authorization", "Basic " + Data(auth.utf8).base64EncodedString()) }
        if body != nil { headers.add("Content-Type", "application/json") }
        for (name, value) in extra { headers.add(name, value) }
        let head = HTTPRequestHead(method: method, target: target, headers: headers)
        let response = router.respond(to: HTTPRequest(head: head, body: Array((body ?? "").utf8)), plan: router.plan(for: head))
        var bytes: [UInt8] = []
        switch response.body {
        case .bytes(let data): bytes = data
        case .stream(_, let produce):
            let sink = CollectingWriter()
            try? produce(sink)
            bytes = sink.bytes
        case .eventStream(let handle):
            // In memory there is no loop to write it: what the stream queued so far, then it ends.
            bytes = handle.take().bytes
            handle.detach()
        case .empty: break
        }
        let json = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
        return (response.status.code, json, bytes, response.headers)
    }
}

/// Collects a streamed body in memory.
final class CollectingWriter: HTTPBodyWriter {
    var bytes: [UInt8] = []
    func write(_ chunk: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: chunk) }
}

@Suite struct MailAPITests {
    @Test func listsNewestFirstWithCursorsAndCachesSummaries() throws {
        let app = try MemoryApp()
        let first = app.call(.GET, "/api/v1/messages?limit=3")
        #expect(first.status == 200)
        #expect(ids(first.json) == ["u7", "u6", "u5"])
        #expect(first.json["total"] as? Int == 7)
        let summary = try #require((first.json["messages"] as? [[String: Any]])?.first)
        #expect(summary["subject"] as? String == "Grüße 7")
        #expect(summary["date"] as? String == "2024-10-01T10:00:07+02:00")
        #expect(summary["messageId"] as? String == "<m7@mail.test>")
        let cursor = try #require(first.json["nextCursor"] as? String)
        // Deleting the message the cursor points at does not lose the place.
        #expect(app.call(.DELETE, "/api/v1/messages/u4").status == 204)
        let second = app.call(.GET, "/api/v1/messages?limit=3&cursor=\(cursor)")
        #expect(ids(second.json) == ["u3", "u2", "u1"])
        #expect(second.json["nextCursor"] is NSNull)
        #expect(app.services.mailbox.cache.count == 6)
    }

    /// Regression (issue 11): JSON answers and problems lacked `X-Content-Type-Options: nosniff`.
    @Test func jsonAndProblemResponsesAreNotSniffed() {
        let app = try! MemoryApp()
        for (target, auth) in [("/api/v1/messages", "alice:pw"), ("/api/v1/mailbox", "alice:pw"), ("/api/v1/health", "alice:pw"),
                               ("/api/v1/messages/zz", "alice:pw"), ("/api/v1/messages", "alice:wrong"), ("/api/v1/nothing", "alice:pw")] {
            let response = app.call(.GET, target, auth: auth)
            #expect(response.headers["X-Content-Type-Options"] == "nosniff", "\(target) \(response.status)")
        }
    }

    /// Regression (issue 11): `/messages/delete` also matched `/messages/{id}` (`Allow: DELETE, POST, GET, HEAD`).
    @Test func literalRoutesAreNotAlsoParameterRoutes() {
        let app = try! MemoryApp()
        for method in [HTTPMethod.GET, .DELETE, .PATCH, .HEAD] {
            let response = app.call(method, "/api/v1/messages/delete")
            #expect(response.status == 405, "\(method.rawValue)")
            #expect(response.headers["Allow"] == "POST", "\(method.rawValue)")
        }
        #expect(app.call(.GET, "/api/v1/messages/u1").status == 200)
        #expect(app.call(.PUT, "/api/v1/messages/u1").headers["Allow"]?.contains("DELETE") == true)
    }

    @Test func rawDeleteAndBulkDelete() {
        let app = try! MemoryApp()
        let raw = app.call(.GET, "/api/v1/messages/u2/raw")
        #expect(raw.status == 200)
        #expect(String(decoding: raw.body, as: UTF8.self).hasSuffix("Body 2\r\n"))
        // Regression (issue 11): /raw lacked the sandbox that attachments have.
        #expect(raw.headers["Content-Security-Policy"] == "sandbox; default-src 'none'")
        #expect(raw.headers["X-Content-Type-Options"] == "nosniff")
        #expect(app.call(.GET, "/api/v1/messages/zz/raw").json["code"] as? String == "message_not_found")
        let logins = app.pop3.loginCount
        let bulk = app.call(.POST, "/api/v1/messages/delete", body: #"{"ids":["u1","u2","nope","u1"]}"#)
        #expect(bulk.status == 200)
        #expect(bulk.json["deleted"] as? [String] == ["u1", "u2"])
        #expect(bulk.json["notFound"] as? [String] == ["nope"])
        #expect(app.pop3.loginCount == logins + 1)
        #expect(app.pop3.uidls("alice") == ["u3", "u4", "u5", "u6", "u7"])
        #expect(app.call(.DELETE, "/api/v1/messages/u1").status == 404)
        #expect(app.call(.POST, "/api/v1/messages/delete", body: #"{"ids":[]}"#).status == 422)
        #expect(app.call(.POST, "/api/v1/messages/delete", body: #"{"ids":["u3"],"force":true}"#).json["code"] as? String == "unknown_field")
        #expect(app.call(.POST, "/api/v1/messages/delete", body: #"{"ids":"#).json["code"] as? String == "invalid_json")
    }

    @Test func upstreamAnswersMapToProblems() throws {
        let app = try MemoryApp()
        let wrong = app.call(.GET, "/api/v1/mailbox", auth: "alice:bad")
        #expect(wrong.status == 401)
        #expect(wrong.json["code"] as? String == "auth_failed")
        app.pop3.setLocked("alice", true)
        let locked = app.call(.GET, "/api/v1/mailbox")
        #expect(locked.status == 409)
        #expect(locked.json["code"] as? String == "mailbox_locked")
        #expect(locked.headers["Retry-After"] != nil)
        #expect(app.call(.GET, "/api/v1/mailbox", auth: nil).json["code"] as? String == "unauthorized")
    }

    @Test func sessionsSignInAndOut() throws {
        let app = try MemoryApp()
        let created = app.call(.POST, "/api/v1/sessions", auth: nil, body: #"{"username":"alice","password":"pw"}"#)
        #expect(created.status == 201)
        let token = try #require(created.json["token"] as? String)
        let bearer = ["Authorization": "Bearer \(token)"]
        #expect(app.call(.GET, "/api/v1/mailbox", auth: nil, headers: bearer).json["messages"] as? Int == 7)
        let basic = app.call(.DELETE, "/api/v1/sessions/current")
        #expect(basic.status == 403 && basic.json["code"] as? String == "not_a_session", "Basic credentials have no session to end")
        #expect(app.call(.DELETE, "/api/v1/sessions/current", auth: nil, headers: bearer).status == 204)
        #expect(app.call(.GET, "/api/v1/mailbox", auth: nil, headers: bearer).status == 401)
        #expect(app.call(.POST, "/api/v1/sessions", auth: nil, body: #"{"username":"alice","password":"no"}"#).status == 401)
        #expect(app.call(.POST, "/api/v1/sessions", auth: nil, body: #"{"username":"alice"}"#).json["code"] as? String == "validation_failed")
    }

    @Test func parsedMessageThroughTheTwin() throws {
        let app = try MemoryApp()
        app.pop3.deliver("alice", uidl: "mime1", message: "From: =?ISO-8859-1?Q?J=FCrgen?= <j@mail.test>\r\nSubject: Hallo\r\n"
                         + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
                         + "Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DFe\r\n--b\r\nContent-Type: application/octet-stream\r\n"
                         + "Content-Disposition: attachment; filename*=UTF-8''M%C3%A4rz.bin\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--b--\r\n")
        let parsed = app.call(.GET, "/api/v1/messages/mime1")
        #expect(parsed.status == 200)
        #expect(parsed.json["text"] as? String == "Grüße", "the CRLF before a boundary belongs to the boundary")
        #expect((parsed.json["from"] as? [[String: Any]])?.first?["name"] as? String == "Jürgen")
        let attachment = try #require((parsed.json["attachments"] as? [[String: Any]])?.first)
        #expect(attachment["partId"] as? String == "2")
        #expect(attachment["filename"] as? String == "März.bin")
        #expect(attachment["size"] as? Int == 3)
        let download = app.call(.GET, "/api/v1/messages/mime1/attachments/2")
        #expect(download.body == [0, 1, 2])
        #expect(download.headers["Content-Disposition"]?.hasPrefix("attachment;") == true)
        #expect(app.call(.GET, "/api/v1/messages/mime1/attachments/9").json["code"] as? String == "attachment_not_found")
        #expect(app.call(.GET, "/api/v1/messages/mime1/attachments/..%2f1").status == 404)
        let small = try MemoryApp(flags: [.maxParseBytes: "1024"])
        small.pop3.deliver("alice", uidl: "big", message: "Subject: big\r\n\r\n" + String(repeating: "x", count: 4096))
        #expect(small.call(.GET, "/api/v1/messages/big").json["code"] as? String == "message_too_large")
        #expect(small.call(.GET, "/api/v1/messages/big/raw").status == 200)
    }
}

func ids(_ page: [String: Any]) -> [String] {
    (page["messages"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
}
