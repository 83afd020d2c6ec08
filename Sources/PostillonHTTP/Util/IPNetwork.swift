#if canImport(Glibc)
import Glibc
#endif

/// An IP network in CIDR notation (`10.0.0.0/8`, `fd00::/8`) or a single address (`127.0.0.1`).
package struct IPNetwork: Sendable, Equatable, CustomStringConvertible {
    private let bytes: [UInt8]
    private let prefix: Int
    package let description: String

    /// Parses `address[/prefix]`; nil when it is not an IPv4 or IPv6 network.
    package init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let address = IPNetwork.parse(String(first)) else { return nil }
        let maxPrefix = address.count * 8
        var prefix = maxPrefix
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...maxPrefix).contains(value) else { return nil }
            prefix = value
        }
        bytes = address
        self.prefix = prefix
        description = text
    }

    /// Whether `address` (text) lies in this network; IPv4-mapped IPv6 addresses match IPv4 networks.
    package func contains(_ address: String) -> Bool {
        guard var other = IPNetwork.parse(address) else { return false }
        if other.count == 16 && bytes.count == 4 && other[0..<12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] {
            other = Array(other[12...])
        }
        guard other.count == bytes.count else { return false }
        var remaining = prefix
        for index in 0..<bytes.count where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if bytes[index] & mask != other[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    /// The raw bytes of an IPv4 (4) or IPv6 (16) literal.
    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: v6) { Array($0) } }
        return nil
    }
}
