/// One operator-configured API-key account from the accounts file.
public struct APIKeyAccount: Decodable, Sendable {
    /// A label for logs (never the key).
    public let name: String
    /// Lower-case hex SHA-256 of the API key.
    public let keySha256: String
    /// Upstream login for POP3 and SMTP.
    public let username: String
    /// Upstream password.
    public let password: String
    /// The account's mail address (default `From`).
    public let address: String

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(["name", "keySha256", "username", "password", "address"])
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        name = try container.decode(String.self, forKey: AnyCodingKey(stringValue: "name"))
        keySha256 = try container.decode(String.self, forKey: AnyCodingKey(stringValue: "keySha256")).lowercased()
        username = try container.decode(String.self, forKey: AnyCodingKey(stringValue: "username"))
        password = try container.decode(String.self, forKey: AnyCodingKey(stringValue: "password"))
        address = try container.decode(String.self, forKey: AnyCodingKey(stringValue: "address"))
    }
}
