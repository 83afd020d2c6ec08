/// IP address literal checks.
package enum IPAddress {
    /// Whether `text` is an IPv4 or IPv6 literal.
    package static func isLiteral(_ text: String) -> Bool {
        IPNetwork.parse(text) != nil
    }
}
