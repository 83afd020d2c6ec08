import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The private Dovecot + Postfix started by `Deploy/mailservers.sh`, read from its env file
/// (path in `POSTILLON_TEST_ENV`). Integration tests are enabled only when it is set.
package struct MailServerEnvironment: Sendable {
    /// Every key of the env file.
    package let values: [String: String]

    /// The environment of this test run, or nil when integration tests are not configured.
    package static let current: MailServerEnvironment? = {
        guard let path = ProcessInfo.processInfo.environment["POSTILLON_TEST_ENV"],
              let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return MailServerEnvironment(values: values)
    }()

    /// Whether integration tests can run.
    package static var isAvailable: Bool { current != nil }

    package subscript(key: String) -> String { values[key] ?? "" }

    /// A numeric port from the env file.
    package func port(_ key: String) -> Int { Int(values[key] ?? "") ?? 0 }

    /// The password of a test user.
    package func password(_ user: String) -> String { user + self["PASSWORD_SUFFIX"] }

    /// The maildir of a test user.
    package func maildir(_ user: String) -> String { self["MAIL_ROOT"] + "/\(user)/Maildir" }

    /// The repository root (for scripts and Public/).
    package static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// Runs a command and returns its exit status and standard output.
    package static func run(_ arguments: [String]) -> (status: Int32, output: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return (-1, Data()) }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, data)
    }

    /// Stops a helper process started by a test. SIGKILL, because processes started from the test
    /// runner inherit a signal mask that blocks SIGTERM.
    package static func stop(_ process: Process) {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Talks to the POP3 server directly with Python's poplib (`Tests/Scripts/pop3probe.py`),
    /// independently of our code. Returns nil when the probe failed.
    package func probe(user: String, _ command: [String]) -> Data? {
        let result = Self.run(["python3", Self.repositoryRoot + "/Tests/Scripts/pop3probe.py", "--port", self["POP3S_PORT"],
                               "--ssl", "--cafile", self["CA_FILE"], "--user", user, "--password", password(user)] + command)
        return result.status == 0 ? result.output : nil
    }

    /// The UIDLs the server lists for `user`, straight from POP3.
    package func uidls(user: String) -> [String] {
        guard let data = probe(user: user, ["uidls"]) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            line.split(separator: " ").last.map(String.init)
        }
    }

    /// Successful POP3 logins of `user` in Dovecot's log.
    package func loginCount(user: String) -> Int {
        guard let log = try? String(contentsOfFile: self["DOVECOT_LOG"], encoding: .utf8) else { return -1 }
        return log.components(separatedBy: "Login: user=<\(user)>").count - 1
    }
}
