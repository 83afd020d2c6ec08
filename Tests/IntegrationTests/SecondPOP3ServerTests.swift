import Foundation
@testable import Postillon
import PostillonTestSupport
import Synchronization
import Testing

/// The POP3 scenario against a second real server that differs from Dovecot where our login
/// matters: GNU mailutils pop3d (Tests/Scripts/mailutils-pop3d.sh, started by Tests/run.sh) greets
/// with an APOP timestamp, offers no SASL (so USER/PASS), locks the maildrop, and on a second port
/// enforces `LOGIN-DELAY 60` the way Cyrus' `popminpoll` does. libcurl's own login chose APOP here
/// and every request was 401. Mailboxes: alice (60 messages, read only), bob (deletes),
/// carol (login delay), dave (APOP), users `<name>@mail.test`, passwords `<name>-secret`.
@Suite(.enabled(if: !(MailServerEnvironment.current?["MU_POP3_PORT"] ?? "").isEmpty, "needs Tests/Scripts/mailutils-pop3d.sh (Tests/run.sh)"),
       .serialized)
struct SecondPOP3ServerTests {
    let environment = MailServerEnvironment.current!

    func user(_ name: String) -> String { "\(name)@\(environment["MU_DOMAIN"])" }
    func auth(_ name: String, password: String? = nil) -> [String: String] {
        LiveApp.basic(user(name), password ?? environment.password(name))
    }

    func app(port: String? = nil, _ extra: [ConfigKey: String] = [:]) throws -> LiveApp {
        try LiveApp.againstMailServers(environment, [.pop3URL: "pop3://127.0.0.1:\(port ?? environment["MU_POP3_PORT"])"]
            .merging(extra) { $1 })
    }

    /// What the server stores, read with Python's poplib over STLS (not our code). mailutils locks
    /// the maildrop, so a session we just parked (or its unawaited QUIT) may hold it a moment: retry.
    func probe(_ name: String, _ command: [String], port: String? = nil) -> Data? {
        for _ in 0..<30 {
            let result = MailServerEnvironment.run(["python3", MailServerEnvironment.repositoryRoot + "/Tests/Scripts/pop3probe.py",
                                                    "--port", port ?? environment["MU_POP3_PORT"], "--stls", "--cafile", environment["CA_FILE"],
                                                    "--user", user(name), "--password", environment.password(name)] + command)
            if result.status == 0 { return result.output }
            usleep(200_000)
        }
        return nil
    }

    func uidls(_ name: String) -> [String] {
        String(decoding: probe(name, ["uidls"]) ?? Data(), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    func seed(_ name: String, _ count: Int) {
        _ = MailServerEnvironment.run(["python3", MailServerEnvironment.repositoryRoot + "/Tests/Scripts/seed-mailbox.py",
                                       environment["MU_MAIL_ROOT"] + "/\(name)/INBOX", String(count), "--prefix", "Second"])
    }

    @Test func ourLoginIsUserPassOverVerifiedSTLSAndLibcurlStopsBeforeIt() throws {
        let settings = UpstreamSettings(url: try UpstreamURL.parse("pop3://127.0.0.1:\(environment["MU_POP3_PORT"])", schemes: ["pop3": 110]),
                                        caFile: environment["CA_FILE"])
        let connector = CurlPOP3Connector(settings: settings)
        let stored = uidls("alice").count  // before our session locks the maildrop
        let session = try connector.open(Credentials(username: user("alice"), password: environment.password("alice")))
        defer { session.close() }
        #expect(session.libcurlCommands == ["CAPA", "STLS", "CAPA"], "libcurl did the transport and no login")
        #expect(session.loginMethod == .userPass, "the APOP greeting does not make us use APOP")
        #expect(session.capabilities.lines.contains("EXPIRENEVER"), "capabilities as the server spells them")
        #expect(try session.listings().count == stored)
        #expect(connector.loginCount == 1)
    }

    @Test func pagingAndRawBytes() throws {
        let app = try app()
        var seen: [String] = []
        var cursor: String?
        repeat {
            let response = try app.request("GET", "/api/v1/messages?limit=25" + (cursor.map { "&cursor=\($0)" } ?? ""), headers: auth("alice"))
            #expect(response.status == 200)
            seen += (response.json["messages"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            cursor = response.json["nextCursor"] as? String
        } while cursor != nil
        app.services.mailbox.closeParkedSessions()
        let stored = uidls("alice")
        #expect(stored.count >= 60)
        #expect(seen == stored.reversed().map { MessageIdentifier.encode($0) }, "every message once, newest first")
        for uidl in stored.suffix(2) {
            let raw = try app.request("GET", "/api/v1/messages/\(MessageIdentifier.encode(uidl))/raw", headers: auth("alice"))
            #expect(raw.status == 200)
            app.services.mailbox.closeParkedSessions()
            #expect(raw.body == Array(try #require(probe("alice", ["retr", uidl]))))
        }
        let info = try app.request("GET", "/api/v1/mailbox", headers: auth("alice")).json
        #expect((info["capabilities"] as? [String])?.contains("EXPIRENEVER") == true)
    }

    @Test func deleteAndBulkDeleteWithAnAliasId() throws {
        seed("bob", 6)
        let app = try app()
        let before = uidls("bob")
        let single = try #require(before.last)
        #expect(try app.request("DELETE", "/api/v1/messages/\(MessageIdentifier.encode(single))", headers: auth("bob")).status == 204)
        #expect(uidls("bob") == before.dropLast())
        // One message named twice (plain id and its ~base64url alias) plus another: DELE once each.
        let victims = Array(before.dropLast().suffix(2))
        let alias = "~" + Base64URL.encode(Array(victims[0].utf8))
        #expect(MessageIdentifier.decode(alias) == victims[0])
        let ids = [MessageIdentifier.encode(victims[0]), alias, MessageIdentifier.encode(victims[1])]
        let body = Array(try JSONSerialization.data(withJSONObject: ["ids": ids]))
        let response = try app.request("POST", "/api/v1/messages/delete", headers: auth("bob").merging(["Content-Type": "application/json"]) { $1 },
                                       body: body)
        #expect(response.status == 200)
        #expect(response.json["deleted"] as? [String] == ids)
        #expect(uidls("bob") == Array(before.dropLast(3)))
    }

    @Test func wrongPasswordIs401AndTheRightOneStillWorks() throws {
        let app = try app()
        let wrong = try app.request("GET", "/api/v1/mailbox", headers: auth("alice", password: "not-it"))
        #expect(wrong.status == 401)
        #expect(wrong.code == "auth_failed")
        #expect(!String(decoding: wrong.body, as: UTF8.self).contains("not-it"))
        #expect(try app.request("GET", "/api/v1/mailbox", headers: auth("alice")).status == 200)
    }

    @Test func parallelListsOfOneLockedMaildrop() throws {
        // mailutils locks the maildrop: our per-mailbox line must keep sessions from colliding.
        let app = try app()
        // The previous test's app quit its parked session for alice; mailutils releases the maildrop
        // lock a moment after answering QUIT, so wait (bounded) until a login gets in before the burst.
        var warmUp = try app.request("GET", "/api/v1/messages?limit=10", headers: auth("alice")).status
        for _ in 0..<20 where warmUp == 409 {
            usleep(100_000)
            warmUp = try app.request("GET", "/api/v1/messages?limit=10", headers: auth("alice")).status
        }
        #expect(warmUp == 200)
        let statuses = Mutex<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let status = (try? app.request("GET", "/api/v1/messages?limit=10", headers: auth("alice")).status) ?? -1
            statuses.withLock { $0.append(status) }
        }
        #expect(statuses.withLock { $0 } == Array(repeating: 200, count: 8))
    }

    @Test func aLoginRightAfterOurOwnQuitIsNotRefusedAsInUse() throws {
        // Sessions not kept: each request ends with QUIT and the next one logs in at once. mailutils
        // keeps the maildrop locked a moment after answering QUIT (longer after a delete, while it
        // updates the maildrop), which made such a login -ERR [IN-USE] (409 mailbox_locked); one
        // short retry after our own QUIT covers that moment.
        seed("bob", 8)
        let app = try app([.pop3SessionReuse: "0"])
        // A previous test's app (another process as far as this one knows) may still hold the lock.
        var warmUp = try app.request("GET", "/api/v1/mailbox", headers: auth("bob")).status
        for _ in 0..<20 where warmUp == 409 {
            usleep(100_000)
            warmUp = try app.request("GET", "/api/v1/mailbox", headers: auth("bob")).status
        }
        #expect(warmUp == 200)
        var statuses: [Int] = []
        for _ in 0..<6 {
            let page = try app.request("GET", "/api/v1/messages?limit=1", headers: auth("bob"))
            statuses.append(page.status)
            guard let id = (page.json["messages"] as? [[String: Any]])?.first?["id"] as? String else { continue }
            statuses.append(try app.request("DELETE", "/api/v1/messages/\(id)", headers: auth("bob")).status)
        }
        #expect(statuses == Array(repeating: [200, 204], count: 6).flatMap { $0 }, "statuses \(statuses)")
    }

    @Test func apopOnlyWhenConfigured() throws {
        let app = try app([.pop3Auth: "apop"])
        #expect(try app.request("GET", "/api/v1/mailbox", headers: auth("dave")).status == 200)
        #expect(try app.request("GET", "/api/v1/mailbox", headers: auth("dave", password: "wrong")).status == 401)
        let settings = UpstreamSettings(url: try UpstreamURL.parse("pop3://127.0.0.1:\(environment["MU_POP3_PORT"])", schemes: ["pop3": 110]),
                                        caFile: environment["CA_FILE"])
        let session = try CurlPOP3Connector(settings: settings, authMode: .apop)
            .open(Credentials(username: user("dave"), password: environment.password("dave")))
        defer { session.close() }
        _ = try session.listings()
        #expect(session.loginMethod == .apop)
    }

    @Test func anEnforcedLoginDelayIsServedFromTheParkedSession() throws {
        // Port MU_POP3_DELAY_PORT refuses a second login within 60 s, like Cyrus' popminpoll: 1.
        let port = environment["MU_POP3_DELAY_PORT"]
        let app = try app(port: port)
        let info = try app.request("GET", "/api/v1/mailbox", headers: auth("carol"))
        #expect(info.status == 200)
        // mailutils 3.15 prints its LOGIN-DELAY capability as a bare "60" line; kept as sent.
        #expect((info.json["capabilities"] as? [String])?.contains("60") == true, "kept as the server sent it")
        let connector = try #require(app.services.mailbox.connector as? CurlPOP3Connector)
        let page = try app.request("GET", "/api/v1/messages?limit=5", headers: auth("carol"))
        #expect(page.status == 200, "not 429: the session is reused")
        let first = try #require((page.json["messages"] as? [[String: Any]])?.first?["id"] as? String)
        #expect(try app.request("GET", "/api/v1/messages/\(first)/raw", headers: auth("carol")).status == 200)
        #expect(try app.request("GET", "/api/v1/messages/\(first)", headers: auth("carol")).status == 200)
        #expect(connector.loginCount == 1, "one login served four requests")
        // With no session to reuse (another process, ours closed: mailutils would say [IN-USE]
        // while it is open), the server's refusal is 429 with Retry-After.
        app.services.mailbox.closeParkedSessions()
        usleep(300_000)  // the QUIT is not waited for
        let other = try self.app(port: port)
        let refused = try other.request("GET", "/api/v1/mailbox", headers: auth("carol"))
        #expect(refused.status == 429)
        #expect(refused.code == "login_delay")
        #expect(refused.headers["Retry-After"] != nil)
    }
}
