import Foundation
import PostillonHTTP

/// API keys loaded from the operator's accounts file; keys are only ever compared as SHA-256 hashes.
///
/// File format (JSON): `[{"name": "ci", "keySha256": "<hex>", "username": "alice", "password": "...", "address": "alice@example.org"}]`.
/// Compute a hash with `printf %s "$KEY" | sha256sum`.
public struct APIKeyStore: Sendable {
    private let accounts: [String: APIKeyAccount]

    /// An empty store (no accounts file configured).
    public init() { accounts = [:] }

    /// Loads accounts.
    /// - Throws: ``ConfigurationError`` naming the accounts file and what is wrong.
    public init(file: String) throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ConfigurationError(.accountsFile, "cannot read '\(file)'")
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

    /// The account for a presented key, or nil.
    public func account(forKey key: String) -> APIKeyAccount? {
        accounts[Hashing.sha256Hex(Array(key.utf8))]
    }

    /// How many accounts are configured.
    public var count: Int { accounts.count }
}
