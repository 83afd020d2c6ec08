import PostillonHTTP

/// Which resolved addresses a webhook may be sent to (SSRF defence). Pure: decides over address
/// literals. Loopback, private (RFC 1918, ULA), link-local (which holds the cloud metadata address
/// 169.254.169.254), CGNAT, unspecified, multicast and reserved ranges are refused unless an
/// operator network allows them.
package struct AddressPolicy: Sendable {
    /// Networks the operator allows even when they are internal (e.g. `127.0.0.1/32` for tests).
    package var allowed: [IPNetwork]

    /// Creates a policy.
    package init(allowed: [IPNetwork] = []) { self.allowed = allowed }

    /// Ranges never reached unless allowed.
    static let internalRanges: [IPNetwork] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
        "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8", "64:ff9b::/96", "fd00:ec2::254/128",
    ].compactMap(IPNetwork.init)

    /// Whether `address` (a literal) may be contacted.
    package func permits(_ address: String) -> Bool {
        guard IPAddress.isLiteral(address) else { return false }
        if allowed.contains(where: { $0.contains(address) }) { return true }
        // IPv4-mapped IPv6 (::ffff:10.0.0.1) is checked as the IPv4 address it is.
        return !Self.internalRanges.contains(where: { $0.contains(address) }) && !Self.mappedInternal(address)
    }

    private static func mappedInternal(_ address: String) -> Bool {
        let lower = address.lowercased()
        guard lower.hasPrefix("::ffff:") else { return false }
        let tail = String(lower.dropFirst(7))
        return IPAddress.isLiteral(tail) ? internalRanges.contains(where: { $0.contains(tail) }) : true
    }
}
