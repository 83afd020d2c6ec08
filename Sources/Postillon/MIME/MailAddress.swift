/// A mail address with an optional display name, as the API shows it: `{"name": ..., "address": ...}`.
public struct MailAddress: Codable, Sendable, Equatable, Hashable, NullPreservingEncodable {
    /// The decoded display name, or nil.
    public var name: String?
    /// The address (`local@domain`).
    public var address: String

    /// Creates an address.
    public init(name: String? = nil, address: String) {
        self.name = name
        self.address = address
    }
}
