/// IP address literal checks.
public enum IPAddress {
    /// Whether `text` is an IPv4 or IPv6 literal.
    public static func isLiteral(_ text: String) -> Bool {
        IPNetwork.parse(text) != nil
    }
}
