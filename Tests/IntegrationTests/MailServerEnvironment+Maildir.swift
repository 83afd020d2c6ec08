import Foundation
import PostillonTestSupport

extension MailServerEnvironment {
    /// Every message file in the user's maildir (new and cur), read directly (independent of our POP3 code).
    func maildirMessages(of user: String) -> [[UInt8]] {
        var result: [[UInt8]] = []
        for folder in ["new", "cur"] {
            let directory = "\(maildir(user))/\(folder)"
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                if let data = FileManager.default.contents(atPath: "\(directory)/\(name)") { result.append(Array(data)) }
            }
        }
        return result
    }

    /// The user's maildir messages containing `token`, waiting up to `timeout` seconds for at least
    /// `count` of them (Postfix delivers after it has answered 250).
    func waitForMessages(of user: String, containing token: String, count: Int = 1, timeout: Double = 15) -> [[UInt8]] {
        let deadline = Date().addingTimeInterval(timeout)
        let needle = Array(token.utf8)
        while true {
            let found = maildirMessages(of: user).filter { $0.firstRange(of: needle) != nil }
            if found.count >= count || Date() > deadline { return found }
            usleep(100_000)
        }
    }
}
