import Foundation
import Postillon
import PostillonTestSupport
import Testing

/// Reading mail through the API against the real Dovecot started by `Tests/run.sh`
/// (alice holds 210 seeded messages and is only read, never changed).
@Suite(.enabled(if: MailServerEnvironment.isAvailable, "set POSTILLON_TEST_ENV (Tests/run.sh does)"), .serialized)
struct POP3ReadTests {
    let environment = MailServerEnvironment.current!

    @Test func pagingReturnsEveryMessageExactlyOnceWithStableIds() throws {
        let app = try LiveApp.againstMailServers(environment)
        let auth = LiveApp.basic("alice", environment.password("alice"))
        var seen: [String] = []
        var cursor: String?
        var total = -1
        repeat {
            let target = "/api/v1/messages?limit=50" + (cursor.map { "&cursor=\($0)" } ?? "")
            let response = try app.request("GET", target, headers: auth)
            #expect(response.status == 200)
            let page = response.json
            total = page["total"] as? Int ?? -1
            seen += ids(page)
            cursor = page["nextCursor"] as? String
        } while cursor != nil
        #expect(total >= 210)
        #expect(seen.count == total)
        #expect(Set(seen).count == seen.count, "a message appeared twice")
        // The same ids again, in the same order, from fresh sessions (and the cache).
        let again = try app.request("GET", "/api/v1/messages?limit=200", headers: auth)
        #expect(ids(again.json) == Array(seen.prefix(200)))
        // Ids are the server's UIDLs (newest first), not message numbers.
        #expect(Set(seen) == Set(environment.uidls(user: "alice").map { MessageIdentifier.encode($0) }))
    }

    @Test func summariesAreDecoded() throws {
        let app = try LiveApp.againstMailServers(environment)
        let page = try app.request("GET", "/api/v1/messages?limit=200", headers: LiveApp.basic("alice", environment.password("alice"))).json
        let messages = page["messages"] as? [[String: Any]] ?? []
        let umlaut = messages.first { ($0["subject"] as? String)?.contains("Grüße Nr.") == true }
        #expect(umlaut != nil, "RFC 2047 subject decoded")
        let first = try #require(messages.first)
        #expect((first["from"] as? [[String: Any]])?.first?["address"] as? String == "seeder@mail.test")
        #expect((first["date"] as? String)?.contains("T") == true)
        #expect((first["messageId"] as? String)?.hasPrefix("<") == true)
        #expect(first["size"] as? Int ?? 0 > 0)
    }

    @Test func rawDownloadIsByteIdenticalToWhatTheServerStores() throws {
        let app = try LiveApp.againstMailServers(environment)
        let auth = LiveApp.basic("alice", environment.password("alice"))
        for uidl in environment.uidls(user: "alice").suffix(3) {
            let response = try app.request("GET", "/api/v1/messages/\(MessageIdentifier.encode(uidl))/raw", headers: auth)
            #expect(response.status == 200)
            #expect(response.headers["Content-Type"] == "message/rfc822")
            let stored = try #require(environment.probe(user: "alice", ["retr", uidl]))
            #expect(response.body == Array(stored), "raw download of \(uidl) differs from poplib's RETR")
        }
        let missing = try app.request("GET", "/api/v1/messages/doesnotexist/raw", headers: auth)
        #expect(missing.status == 404)
        #expect(missing.code == "message_not_found")
    }

    @Test func mailboxInfo() throws {
        let app = try LiveApp.againstMailServers(environment)
        let info = try app.request("GET", "/api/v1/mailbox", headers: LiveApp.basic("alice", environment.password("alice"))).json
        #expect(info["messages"] as? Int ?? 0 >= 210)
        #expect((info["capabilities"] as? [String])?.contains("PIPELINING") == true)
    }

    @Test func wrongPasswordIs401AndRepeatedFailuresAre429() throws {
        let app = try LiveApp.againstMailServers(environment)
        let wrong = try app.request("GET", "/api/v1/mailbox", headers: LiveApp.basic("alice", "not-the-password"))
        #expect(wrong.status == 401)
        #expect(wrong.code == "auth_failed")
        #expect(!wrong.text.contains("not-the-password"))
        let missing = try app.request("GET", "/api/v1/mailbox")
        #expect(missing.status == 401)
        #expect(missing.code == "unauthorized")
        var statuses: [Int] = []
        for _ in 0..<12 {
            statuses.append(try app.request("GET", "/api/v1/mailbox", headers: LiveApp.basic("erin", "guess")).status)
        }
        #expect(statuses.last == 429, "after repeated failures: \(statuses)")
        let limited = try app.request("GET", "/api/v1/mailbox", headers: LiveApp.basic("erin", "guess"))
        #expect(limited.headers["Retry-After"] != nil)
    }

    @Test func pop3sAndSTLSVerifyTheCertificate() throws {
        let auth = LiveApp.basic("alice", environment.password("alice"))
        let stls = try LiveApp.againstMailServers(environment)
        #expect(try stls.request("GET", "/api/v1/mailbox", headers: auth).status == 200)
        let implicit = try LiveApp.againstMailServers(environment, [.pop3URL: "pop3s://127.0.0.1:\(environment["POP3S_PORT"])"])
        #expect(try implicit.request("GET", "/api/v1/mailbox", headers: auth).status == 200)
        for url in ["pop3s://127.0.0.1:\(environment["POP3S_PORT"])", "pop3://127.0.0.1:\(environment["POP3_PORT"])"] {
            let wrongCA = try LiveApp.againstMailServers(environment, [.pop3URL: url, .caFile: environment["WRONG_CA_FILE"]])
            let response = try wrongCA.request("GET", "/api/v1/mailbox", headers: auth)
            #expect(response.status == 502)
            #expect(response.code == "upstream_tls", "\(url): \(response.text)")
            // Regression (issue 11): libcurl's text named the CA file; details stay in the log.
            #expect(!response.text.contains(environment["WRONG_CA_FILE"]) && !response.text.contains("127.0.0.1"), "\(response.text)")
        }
    }

    @Test func unreachableServerIs502() throws {
        let app = try LiveApp.againstMailServers(environment, [.pop3URL: "pop3s://127.0.0.1:9"])
        let response = try app.request("GET", "/api/v1/mailbox", headers: LiveApp.basic("alice", environment.password("alice")))
        #expect(response.status == 502)
        #expect(response.code == "upstream_unreachable")
        // Regression (issue 11): the body carried libcurl's "Failed to connect to 127.0.0.1 port 9".
        #expect(!response.text.contains("127.0.0.1") && !response.text.contains("port"), "\(response.text)")
        // A proxied caller (X-Forwarded-For) is no operator: no host in /ready. A direct loopback
        // caller is (issue 13), and sees which upstream failed.
        var ready = try app.request("GET", "/api/v1/ready", headers: ["X-Forwarded-For": "203.0.113.9"])
        for _ in 0..<50 where ready.text.contains("pending") {
            usleep(100_000)
            ready = try app.request("GET", "/api/v1/ready", headers: ["X-Forwarded-For": "203.0.113.9"])
        }
        #expect(ready.status == 503)
        #expect(!ready.text.contains("127.0.0.1") && !ready.text.contains(":9"), "\(ready.text)")
        let local = try app.request("GET", "/api/v1/ready")
        #expect(local.status == 503)
        #expect(local.text.contains("127.0.0.1:9"), "\(local.text)")
    }

    @Test func signInSessionsWork() throws {
        let app = try LiveApp.againstMailServers(environment)
        let body = Array(#"{"username":"alice","password":"\#(environment.password("alice"))"}"#.utf8)
        let created = try app.request("POST", "/api/v1/sessions", headers: ["Content-Type": "application/json"], body: body)
        #expect(created.status == 201)
        let token = try #require(created.json["token"] as? String)
        #expect(token.count >= 43)
        #expect(created.json["address"] as? String == "alice@mail.test")
        let bearer = ["Authorization": "Bearer \(token)"]
        #expect(try app.request("GET", "/api/v1/messages?limit=1", headers: bearer).status == 200)
        #expect(try app.request("DELETE", "/api/v1/sessions/current", headers: bearer).status == 204)
        let after = try app.request("GET", "/api/v1/messages?limit=1", headers: bearer)
        #expect(after.status == 401)
        let wrong = try app.request("POST", "/api/v1/sessions", headers: ["Content-Type": "application/json"],
                                    body: Array(#"{"username":"alice","password":"nope"}"#.utf8))
        #expect(wrong.status == 401)
        #expect(wrong.code == "auth_failed")
        let unknownField = try app.request("POST", "/api/v1/sessions", headers: ["Content-Type": "application/json"],
                                           body: Array(#"{"username":"alice","password":"x","remember":true}"#.utf8))
        #expect(unknownField.status == 400)
        #expect(unknownField.code == "unknown_field")
    }

    @Test func apiKeysFromTheAccountsFile() throws {
        let key = "test-key-\(UUID().uuidString)"
        let file = NSTemporaryDirectory() + "accounts-\(UUID().uuidString).json"
        let accounts = #"[{"name":"ci","keySha256":"\#(Hashing.sha256Hex(Array(key.utf8)))","username":"alice","password":"\#(environment.password("alice"))","address":"alice@mail.test"}]"#
        try accounts.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let app = try LiveApp.againstMailServers(environment, [.accountsFile: file])
        #expect(try app.request("GET", "/api/v1/mailbox", headers: ["Authorization": "Bearer \(key)"]).status == 200)
        #expect(try app.request("GET", "/api/v1/mailbox", headers: ["Authorization": "Bearer wrong-\(key)"]).status == 401)
    }

    @Test func badParametersAreClearProblems() throws {
        let app = try LiveApp.againstMailServers(environment)
        let auth = LiveApp.basic("alice", environment.password("alice"))
        let limit = try app.request("GET", "/api/v1/messages?limit=500", headers: auth)
        #expect(limit.status == 400)
        #expect(limit.code == "invalid_parameter")
        let cursor = try app.request("GET", "/api/v1/messages?cursor=garbage!", headers: auth)
        #expect(cursor.status == 400)
        #expect(cursor.code == "invalid_cursor")
    }
}
