/// A mail address with an optional display name, as the API shows it: `{"name": ..., "address": ...}`.
package struct MailAddress: Codable, Sendable, Equatable, Hashable, NullPreservingEncodable {
    /// The decoded display name, or nil.
    package var name: String?
    /// The address (`local@domain`).
    package var address: String

    /// Creates an address.
    package init(name: String? = nil, address: String) {
        self.name = name
        self.address = address
    }
}
