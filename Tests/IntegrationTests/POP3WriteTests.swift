import Foundation
import Postillon
import PostillonTestSupport
import Testing

/// Deleting through the API against real Dovecot (bob's mailbox is seeded for these tests).
@Suite(.enabled(if: MailServerEnvironment.isAvailable, "set POSTILLON_TEST_ENV (Tests/run.sh does)"), .serialized)
struct POP3WriteTests {
    let environment = MailServerEnvironment.current!

    func seed(_ user: String, _ count: Int) {
        _ = MailServerEnvironment.run(["python3", MailServerEnvironment.repositoryRoot + "/Tests/Scripts/seed-mailbox.py",
                                       environment.maildir(user), String(count), "--prefix", "Delete"])
    }

    @Test func deleteRemovesExactlyOneMessageAfterQuit() throws {
        seed("bob", 5)
        let app = try LiveApp.againstMailServers(environment)
        let auth = LiveApp.basic("bob", environment.password("bob"))
        let before = environment.uidls(user: "bob")
        let victim = try #require(before.last)
        let response = try app.request("DELETE", "/api/v1/messages/\(MessageIdentifier.encode(victim))", headers: auth)
        #expect(response.status == 204)
        let after = environment.uidls(user: "bob")
        #expect(!after.contains(victim))
        #expect(after == before.filter { $0 != victim }, "the other messages are intact")
        let again = try app.request("DELETE", "/api/v1/messages/\(MessageIdentifier.encode(victim))", headers: auth)
        #expect(again.status == 404)
        #expect(again.code == "message_not_found")
    }

    @Test func bulkDeleteUsesOneLoginAndReportsUnknownIds() throws {
        seed("bob", 12)
        let app = try LiveApp.againstMailServers(environment)
        let auth = LiveApp.basic("bob", environment.password("bob"))
        let before = environment.uidls(user: "bob")
        let victims = Array(before.suffix(10))
        let ids = victims.map { MessageIdentifier.encode($0) } + ["unknown-id"]
        let logins = environment.loginCount(user: "bob")
        let connector = try #require(app.services.mailbox.connector as? CurlPOP3Connector)
        let ourLogins = connector.loginCount
        let body = try JSONSerialization.data(withJSONObject: ["ids": ids])
        let response = try app.request("POST", "/api/v1/messages/delete", headers: auth.merging(["Content-Type": "application/json"]) { $1 },
                                       body: Array(body))
        #expect(response.status == 200)
        #expect((response.json["deleted"] as? [String])?.count == 10)
        #expect(response.json["notFound"] as? [String] == ["unknown-id"])
        #expect(connector.loginCount - ourLogins == 1, "one POP3 session for the whole bulk delete")
        #expect(environment.loginCount(user: "bob") - logins == 1, "Dovecot logged one login")
        let after = environment.uidls(user: "bob")
        #expect(after == before.filter { !victims.contains($0) })
    }

    @Test func bulkDeleteReplaysWithIdempotencyKey() throws {
        seed("bob", 3)
        let app = try LiveApp.againstMailServers(environment)
        var headers = LiveApp.basic("bob", environment.password("bob"))
        headers["Content-Type"] = "application/json"
        headers["Idempotency-Key"] = "bulk-\(UUID().uuidString)"
        let victim = try #require(environment.uidls(user: "bob").last)
        let body = Array(try JSONSerialization.data(withJSONObject: ["ids": [MessageIdentifier.encode(victim)]]))
        let first = try app.request("POST", "/api/v1/messages/delete", headers: headers, body: body)
        let second = try app.request("POST", "/api/v1/messages/delete", headers: headers, body: body)
        #expect(first.status == 200)
        #expect(second.status == 200)
        #expect(second.headers["Idempotent-Replayed"] == "true")
        #expect(first.body == second.body, "the replay says deleted, not notFound")
        let other = Array(try JSONSerialization.data(withJSONObject: ["ids": ["something-else"]]))
        let reused = try app.request("POST", "/api/v1/messages/delete", headers: headers, body: other)
        #expect(reused.status == 422)
        #expect(reused.code == "idempotency_key_reused")
    }

    @Test func aMailboxLockedByAnotherSessionIs409() throws {
        // Hold a POP3 session on the Dovecot instance with pop3_lock_session = yes.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", MailServerEnvironment.repositoryRoot + "/Tests/Scripts/pop3probe.py", "--port", environment["POP3_LOCKED_PORT"],
                            "--user", "frank", "--password", environment.password("frank"), "hold", "40"]
        let pipe = Pipe()
        holder.standardOutput = pipe
        try holder.run()
        defer { MailServerEnvironment.stop(holder) }
        _ = pipe.fileHandleForReading.availableData  // "held" once logged in
        let app = try LiveApp.againstMailServers(environment, [.pop3URL: "pop3://127.0.0.1:\(environment["POP3_LOCKED_PORT"])",
                                                               .allowPlaintext: "true", .upstreamConnectTimeout: "40"])
        let response = try app.request("GET", "/api/v1/mailbox", headers: LiveApp.basic("frank", environment.password("frank")), timeoutMillis: 60_000)
        #expect(response.status == 409)
        #expect(response.code == "mailbox_locked")
        #expect(response.headers["Retry-After"] != nil)
    }
}
