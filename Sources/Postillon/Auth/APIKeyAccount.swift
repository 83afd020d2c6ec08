/// One operator-configured API-key account from the accounts file.
package struct APIKeyAccount: Decodable, Sendable {
    /// A label for logs (never the key).
    package let name: String
    /// Lower-case hex SHA-256 of the API key.
    package let keySha256: String
    /// Upstream login for POP3 and SMTP.
    package let username: String
    /// Upstream password.
    package let password: String
    /// The account's mail address (default `From`).
    package let address: String
    /// Whether the poller watches this mailbox for new-mail events (default true).
    package let watch: Bool
    /// This account's poll interval in seconds (nil: `--poll-interval`).
    package let pollInterval: Int?
    /// Webhook subscriptions the operator declares for this account.
    package let webhooks: [ConfiguredWebhook]

    package init(from decoder: any Decoder) throws {
        let keys: Set<String> = ["name", "keySha256", "username", "password", "address", "watch", "pollInterval", "webhooks"]
        try decoder.rejectUnknownKeys(keys, nullable: keys)
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        name = try container.decode(String.self, forKey: AnyCodingKey(stringValue: "name"))
        keySha256 = try container.decode(String.self, forKey: AnyCodingKey(stringValue: "keySha256")).lowercased()
        username = try container.decode(String.self, forKey: AnyCodingKey(stringValue: "username"))
        password = try container.decode(String.self, forKey: AnyCodingKey(stringValue: "password"))
        address = try container.decode(String.self, forKey: AnyCodingKey(stringValue: "address"))
        watch = try container.decodeIfPresent(Bool.self, forKey: AnyCodingKey(stringValue: "watch")) ?? true
        pollInterval = try container.decodeIfPresent(Int.self, forKey: AnyCodingKey(stringValue: "pollInterval"))
        webhooks = try container.decodeIfPresent([ConfiguredWebhook].self, forKey: AnyCodingKey(stringValue: "webhooks")) ?? []
        if Set(webhooks.map(\.url)).count != webhooks.count {
            throw DecodingError.dataCorruptedError(forKey: AnyCodingKey(stringValue: "webhooks"), in: container,
                                                   debugDescription: "two webhooks of one account share a url")
        }
        if webhooks.count > 20 {
            throw DecodingError.dataCorruptedError(forKey: AnyCodingKey(stringValue: "webhooks"), in: container,
                                                   debugDescription: "an account may declare at most 20 webhooks")
        }
        if let pollInterval, !(1...86_400).contains(pollInterval) {
            throw DecodingError.dataCorruptedError(forKey: AnyCodingKey(stringValue: "pollInterval"), in: container,
                                                   debugDescription: "pollInterval must be between 1 and 86400 seconds")
        }
    }
}
