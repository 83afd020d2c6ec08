import Foundation
import Testing

/// The private Dovecot + Postfix started by `Deploy/mailservers.sh start DIR`, read from the
/// `DIR/env` file named by `POSTILLON_TEST_ENV`. Integration tests are skipped when it is unset.
struct MailServerEnvironment: Sendable {
    let values: [String: String]

    /// The environment, or nil when `POSTILLON_TEST_ENV` is unset or unreadable.
    static let current: MailServerEnvironment? = {
        guard let path = ProcessInfo.processInfo.environment["POSTILLON_TEST_ENV"], !path.isEmpty,
              let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return MailServerEnvironment(values: values)
    }()

    /// Whether the integration tests can run.
    static var isAvailable: Bool { current != nil }

    /// Why they are skipped otherwise.
    static let skipReason: Comment = "POSTILLON_TEST_ENV is unset: start Deploy/mailservers.sh and point it at DIR/env to run the integration tests"

    subscript(key: String) -> String { values[key] ?? "" }

    func port(_ key: String) -> Int { Int(self[key]) ?? 0 }

    /// The password of a test user (`alice` -> `alice-secret`).
    func password(_ user: String) -> String { user + self["PASSWORD_SUFFIX"] }

    /// The user's maildir.
    func maildir(_ user: String) -> String { "\(self["MAIL_ROOT"])/\(user)/Maildir" }

    /// Every message file in the user's maildir (new and cur).
    func messages(of user: String) -> [[UInt8]] {
        var result: [[UInt8]] = []
        for folder in ["new", "cur"] {
            let directory = "\(maildir(user))/\(folder)"
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                if let data = FileManager.default.contents(atPath: "\(directory)/\(name)") { result.append(Array(data)) }
            }
        }
        return result
    }

    /// The user's messages containing `token`, waiting up to `timeout` seconds for at least `count` of them
    /// (Postfix delivers after it has answered 250).
    func waitForMessages(of user: String, containing token: String, count: Int = 1, timeout: Double = 15) -> [[UInt8]] {
        let deadline = Date().addingTimeInterval(timeout)
        let needle = Array(token.utf8)
        while true {
            let found = messages(of: user).filter { $0.firstRange(of: needle) != nil }
            if found.count >= count || Date() > deadline { return found }
            usleep(100_000)
        }
    }
}
