import Foundation
import Postillon
import PostillonTestSupport
import Testing

/// Against a POP3 server that offers less than Dovecot: Dovecot behind a proxy that hides
/// capabilities and refuses commands (Tests/Scripts/pop3-capability-filter.py), so the
/// one-command-at-a-time path and the fallbacks run against a real server.
@Suite(.enabled(if: MailServerEnvironment.isAvailable, "set POSTILLON_TEST_ENV (Tests/run.sh does)"), .serialized)
struct MinimalServerTests {
    let environment = MailServerEnvironment.current!

    /// Starts the filter proxy on a free port and returns it with its port.
    func filter(hide: String, refuse: String = "") throws -> (Process, Int) {
        let port = 24_900 + Int.random(in: 0..<90)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", MailServerEnvironment.repositoryRoot + "/Tests/Scripts/pop3-capability-filter.py",
                             String(port), environment["POP3_PORT"], "--hide", hide, "--refuse", refuse]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        _ = pipe.fileHandleForReading.availableData  // "ready"
        return (process, port)
    }

    func app(port: Int) throws -> LiveApp {
        try LiveApp.againstMailServers(environment, [.pop3URL: "pop3://127.0.0.1:\(port)", .allowPlaintext: "true"])
    }

    @Test func withoutPipeliningEverythingWorksOneCommandAtATime() throws {
        let (proxy, port) = try filter(hide: "STLS,PIPELINING")
        defer { MailServerEnvironment.stop(proxy) }
        let app = try app(port: port)
        let auth = LiveApp.basic("alice", environment.password("alice"))
        let page = try app.request("GET", "/api/v1/messages?limit=30", headers: auth)
        #expect(page.status == 200)
        let listed = ids(page.json)
        #expect(listed.count == 30)
        #expect(listed == Array(environment.uidls(user: "alice").reversed().prefix(30)).map { MessageIdentifier.encode($0) })
        let info = try app.request("GET", "/api/v1/mailbox", headers: auth).json
        #expect((info["capabilities"] as? [String])?.contains("PIPELINING") == false)
        let raw = try app.request("GET", "/api/v1/messages/\(listed[0])/raw", headers: auth)
        #expect(raw.status == 200)
        let uidl = try #require(MessageIdentifier.decode(listed[0]))
        let stored = try #require(environment.probe(user: "alice", ["retr", uidl]))
        #expect(raw.body == Array(stored))
    }

    @Test func withoutTopMessagesAreStillListed() throws {
        let (proxy, port) = try filter(hide: "STLS,PIPELINING,TOP", refuse: "TOP")
        defer { MailServerEnvironment.stop(proxy) }
        let app = try app(port: port)
        let page = try app.request("GET", "/api/v1/messages?limit=5", headers: LiveApp.basic("alice", environment.password("alice")))
        #expect(page.status == 200)
        let messages = page.json["messages"] as? [[String: Any]] ?? []
        #expect(messages.count == 5, "no message disappears because its headers are unknown")
        #expect(messages.allSatisfy { $0["subject"] is NSNull && ($0["size"] as? Int ?? 0) > 0 })
    }

    @Test func withoutUIDLTheAnswerIsUidlUnsupported() throws {
        let (proxy, port) = try filter(hide: "STLS,PIPELINING,UIDL", refuse: "UIDL")
        defer { MailServerEnvironment.stop(proxy) }
        let app = try app(port: port)
        let response = try app.request("GET", "/api/v1/messages", headers: LiveApp.basic("alice", environment.password("alice")))
        #expect(response.status == 502)
        #expect(response.code == "uidl_unsupported")
    }
}
