import Foundation
import Postillon
import PostillonTestSupport
import Testing

/// `/api/v1/ready` against the real servers: TCP + TLS/STLS with the configured CA, per-check state,
/// host details for loopback callers only; and the start-up check of the real binary.
@Suite(.enabled(if: MailServerEnvironment.isAvailable, "set POSTILLON_TEST_ENV (Tests/run.sh does)"), .serialized)
struct ReadinessIntegrationTests {
    let environment = MailServerEnvironment.current!

    private func checks(_ response: RawClient.Response) -> [[String: Any]] {
        let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        return object?["checks"] as? [[String: Any]] ?? []
    }

    @Test func readyWithTheRightCAOverSTLSAndImplicitTLS() throws {
        for pop3 in ["pop3://127.0.0.1:\(environment["POP3_PORT"])", "pop3s://127.0.0.1:\(environment["POP3S_PORT"])"] {
            let app = try LiveApp.againstMailServers(environment, [.pop3URL: pop3])
            let ready = try app.request("GET", "/api/v1/ready")
            #expect(ready.status == 200, "\(pop3): \(ready.text)")
            let reported = checks(ready)
            #expect(reported.map { $0["state"] as? String } == ["ok", "ok"])
            #expect(reported.first?["upstream"] as? String == pop3, "a loopback caller sees the upstream")
            let forwarded = try app.request("GET", "/api/v1/ready", headers: ["X-Forwarded-For": "203.0.113.7"])
            #expect(!forwarded.text.contains("127.0.0.1"), "a proxied caller sees no hosts: \(forwarded.text)")
        }
    }

    /// The bug: readiness opened a TCP connection only, so a CA that does not sign the servers'
    /// certificates still answered 200 "ready" while every mail call failed with upstream_tls.
    @Test func wrongCAMakesReadyFailNamingTheTLSCheck() throws {
        let app = try LiveApp.againstMailServers(environment, [.caFile: environment["WRONG_CA_FILE"]])
        let ready = try app.request("GET", "/api/v1/ready")
        #expect(ready.status == 503, "\(ready.text)")
        let reported = checks(ready)
        #expect(reported.map { $0["name"] as? String } == ["pop3", "smtp"])
        #expect(reported.map { $0["code"] as? String } == ["tls_failed", "tls_failed"], "\(ready.text)")
        #expect(reported.map { $0["state"] as? String } == ["failing", "failing"])
        #expect(reported.allSatisfy { $0["ageSeconds"] is Double })

        let mailbox = try app.request("GET", "/api/v1/mailbox", headers: LiveApp.basic("alice", environment.password("alice")))
        #expect(mailbox.status == 502)
        #expect(!mailbox.text.contains(environment["WRONG_CA_FILE"]) && !mailbox.text.contains("/tmp"), "no local path: \(mailbox.text)")
    }

    /// The bug: a CA file that is not PEM started the service; now the binary exits 2 with one line.
    @Test func binaryRefusesANonPEMCAFileWithExit2() throws {
        let binary = MailServerEnvironment.repositoryRoot + "/.build/debug/postillon"
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the postillon binary first")
        let notPEM = FileManager.default.temporaryDirectory.appendingPathComponent("not-pem-\(UUID().uuidString).pem").path
        try "not a certificate\n".write(toFile: notPEM, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: notPEM) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--listen", "127.0.0.1:0", "--ca-file", notPEM, "--public-dir", MailServerEnvironment.repositoryRoot + "/Public"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 2)
        #expect(text == "postillon: invalid --ca-file / POSTILLON_CA_FILE: '\(notPEM)' is not PEM: no BEGIN CERTIFICATE block\n")
    }
}
