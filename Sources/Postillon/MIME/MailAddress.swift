/// A mail address with an optional display name, as the API shows it: `{"name": ..., "address": ...}`.
public struct MailAddress: Codable, Sendable, Equatable, Hashable {
    /// The decoded display name, or nil.
    public var name: String?
    /// The address (`local@domain`).
    public var address: String

    /// Creates an address.
    public init(name: String? = nil, address: String) {
        self.name = name
        self.address = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyCodingKey.self)
        try container.encode(name, forKey: AnyCodingKey(stringValue: "name"))
        try container.encode(address, forKey: AnyCodingKey(stringValue: "address"))
    }
}
