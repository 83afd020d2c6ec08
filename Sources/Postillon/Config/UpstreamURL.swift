/// A mail server address from configuration: scheme, host and port, never credentials.
package struct UpstreamURL: Sendable, Equatable, CustomStringConvertible {
    /// `pop3`, `pop3s`, `smtp` or `smtps`.
    package let scheme: String
    /// Host name or IP literal (IPv6 without brackets).
    package let host: String
    /// TCP port.
    package let port: Int

    /// Whether TLS starts at connect (pop3s, smtps) rather than by STLS/STARTTLS.
    package var implicitTLS: Bool { scheme.hasSuffix("s") }

    /// The URL libcurl gets, for example `pop3s://mail.example:995`.
    package var curlURL: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(hostPart):\(port)"
    }

    package var description: String { curlURL }

    /// Parses `scheme://host[:port]` allowing only `schemes`.
    /// - Throws: a message naming what is wrong (the caller adds the key).
    package static func parse(_ text: String, schemes: [String: Int]) throws(ConfigurationMessage) -> UpstreamURL {
        guard let separator = text.range(of: "://") else { throw ConfigurationMessage("expected scheme://host:port, got '\(text)'") }
        let scheme = text[..<separator.lowerBound].lowercased()
        guard let defaultPort = schemes[scheme] else {
            throw ConfigurationMessage("scheme must be one of \(schemes.keys.sorted().joined(separator: ", ")), got '\(scheme)'")
        }
        var rest = text[separator.upperBound...]
        if let slash = rest.firstIndex(of: "/") {
            guard rest[slash...].allSatisfy({ $0 == "/" }) else { throw ConfigurationMessage("a path is not allowed in '\(text)'") }
            rest = rest[..<slash]
        }
        guard !rest.contains("@") else { throw ConfigurationMessage("credentials do not belong in the URL; they come from each request") }
        guard !rest.contains("?"), !rest.contains("#") else { throw ConfigurationMessage("no query or fragment allowed in '\(text)'") }
        var host = String(rest)
        var port = defaultPort
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw ConfigurationMessage("unclosed '[' in '\(text)'") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let value = Int(after.dropFirst()) else { throw ConfigurationMessage("bad port in '\(text)'") }
                port = value
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            guard let value = Int(rest[rest.index(after: colon)...]) else { throw ConfigurationMessage("bad port in '\(text)'") }
            port = value
        }
        guard !host.isEmpty else { throw ConfigurationMessage("missing host in '\(text)'") }
        guard (1...65535).contains(port) else { throw ConfigurationMessage("port \(port) is out of range") }
        guard host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":" || $0 == "_" }) else {
            throw ConfigurationMessage("invalid host '\(host)'")
        }
        return UpstreamURL(scheme: scheme, host: host, port: port)
    }
}

/// A configuration problem without its key yet.
package struct ConfigurationMessage: Error, Sendable {
    let text: String
    init(_ text: String) { self.text = text }
}
