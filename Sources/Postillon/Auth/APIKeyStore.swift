import Foundation
import PostillonHTTP

/// API keys loaded from the operator's accounts file; keys are only ever compared as SHA-256 hashes.
///
/// File format (JSON): `[{"name": "ci", "keySha256": "<hex>", "username": "alice", "password": "...", "address": "alice@example.org"}]`.
/// Compute a hash with `printf %s "$KEY" | sha256sum`.
package struct APIKeyStore: Sendable {
    private let accounts: [String: APIKeyAccount]

    /// An empty store (no accounts file configured).
    package init() { accounts = [:] }

    /// Loads accounts.
    /// - Throws: ``ConfigurationError`` naming the accounts file and what is wrong.
    package init(file: String) throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ConfigurationError(.accountsFile, "cannot read '\(file)'")
        }
        do {
            _ = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ConfigurationError(.accountsFile, "'\(file)' is not valid JSON\(Self.position(in: error, of: Array(data)))")
        }
        let list: [APIKeyAccount]
        do {
            list = try JSONBody.decode([APIKeyAccount].self, from: Array(data))
        } catch let error as JSONBodyError {
            throw ConfigurationError(.accountsFile, "\(file): \(error.problem.detail ?? "invalid")")
        }
        var accounts: [String: APIKeyAccount] = [:]
        for account in list {
            guard account.keySha256.count == 64, account.keySha256.allSatisfy(\.isHexDigit) else {
                throw ConfigurationError(.accountsFile, "\(file): account '\(account.name)' has no valid 64-digit keySha256")
            }
            guard accounts[account.keySha256] == nil else {
                throw ConfigurationError(.accountsFile, "\(file): two accounts share the key of '\(account.name)'")
            }
            accounts[account.keySha256] = account
        }
        self.accounts = accounts
    }

    /// " at line N, column M" from Foundation's JSON syntax error ("... around line 3, column 4" or
    /// "... around character 22", a 0-based byte offset into `bytes`), or "" when it names no position.
    static func position(in error: any Error, of bytes: [UInt8]) -> String {
        let text = (error as NSError).userInfo.values.map { "\($0)" }.joined(separator: " ") + " \(error)"
        if let match = text.firstMatch(of: /line \d+(, column \d+)?/) { return " at " + match.output.0 }
        guard let match = text.firstMatch(of: /character (\d+)/), let offset = Int(match.output.1), offset <= bytes.count else { return "" }
        let before = bytes[..<offset]
        let line = before.count(where: { $0 == UInt8(ascii: "\n") }) + 1
        let column = offset - (before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
        return " at line \(line), column \(column)"
    }

    /// The account for a presented key, or nil.
    package func account(forKey key: String) -> APIKeyAccount? {
        accounts[Hashing.sha256Hex(Array(key.utf8))]
    }

    /// Every account, sorted by name (the poller watches those with `watch`).
    package var all: [APIKeyAccount] { accounts.values.sorted { $0.name < $1.name } }

    /// How many accounts are configured.
    package var count: Int { accounts.count }
}
