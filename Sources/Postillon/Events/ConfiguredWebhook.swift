import Foundation
import PostillonHTTP

/// A webhook subscription the operator declares for an API-key account in the accounts file
/// (`"webhooks": [{"url", "events", "secret", "description"?}]`). It is written to the store at
/// start with a stable id derived from the account and URL (``id(account:)``), updated when the
/// file changes and deleted when removed from it; the API shows it as `managedBy: "configuration"`
/// and refuses to change or delete it (409 `webhook_managed_by_configuration`).
package struct ConfiguredWebhook: Decodable, Sendable, Equatable {
    /// The endpoint (shape checked here; addresses at every attempt).
    package let url: String
    /// Event types delivered.
    package let events: [String]
    /// The signing secret, `whsec_` + base64 of 24 to 64 bytes, chosen by the operator so that the
    /// receiver can be configured with it.
    package let secret: String
    /// A note.
    package let description: String?

    /// The id prefix of configured subscriptions.
    package static let idPrefix = "wh_cfg_"

    package init(from decoder: any Decoder) throws {
        let keys: Set<String> = ["url", "events", "secret", "description"]
        try decoder.rejectUnknownKeys(keys, nullable: keys)
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        func invalid(_ key: String, _ why: String) -> DecodingError {
            DecodingError.dataCorruptedError(forKey: AnyCodingKey(stringValue: key), in: container, debugDescription: why)
        }
        url = try container.decode(String.self, forKey: AnyCodingKey(stringValue: "url"))
        events = try container.decode([String].self, forKey: AnyCodingKey(stringValue: "events"))
        secret = try container.decode(String.self, forKey: AnyCodingKey(stringValue: "secret"))
        description = try container.decodeIfPresent(String.self, forKey: AnyCodingKey(stringValue: "description"))
        do { _ = try WebhookURL(url, allowHTTP: true) } catch { throw invalid("url", "webhook url must be an absolute http(s) URL without credentials") }
        var seen: Set<String> = []
        guard !events.isEmpty, events.allSatisfy({ MailEvent.types.contains($0) && seen.insert($0).inserted }) else {
            throw invalid("events", "webhook events must list one or more of \(MailEvent.types.joined(separator: ", ")), each once")
        }
        guard Self.isValidSecret(secret) else {
            throw invalid("secret", "webhook secret must be whsec_ followed by base64 of 24 to 64 random bytes")
        }
        if let description, description.count > 500 { throw invalid("description", "webhook description must be at most 500 characters") }
    }

    /// Whether `secret` has the Standard Webhooks form this service accepts.
    static func isValidSecret(_ secret: String) -> Bool {
        guard secret.hasPrefix("whsec_"), let key = Data(base64Encoded: String(secret.dropFirst(6))) else { return false }
        return (24...64).contains(key.count)
    }

    /// The stable subscription id for this webhook of `account`.
    package func id(account: String) -> String {
        Self.idPrefix + String(Hashing.sha256Hex(Array("\(account)\n\(url)".utf8)).prefix(32))
    }
}
