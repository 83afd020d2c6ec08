import Foundation
import PostillonHTTP

/// A webhook endpoint checked against the operator's policy: scheme, host, port, and resolved
/// addresses that the ``AddressPolicy`` permits. The check runs when a subscription is saved and
/// again before every attempt (DNS may have changed); the address checked is the one connected to
/// (pinned with `CURLOPT_RESOLVE`).
package struct WebhookURL: Sendable, Equatable {
    /// The URL as given.
    package var text: String
    /// `https` or (operator flag) `http`.
    package var scheme: String
    /// The host name or literal.
    package var host: String
    /// The port.
    package var port: Int

    /// Longest URL accepted.
    package static let maxLength = 2048

    /// Parses and checks the shape (no resolution).
    /// - Throws: ``Problem`` 422 `webhook_url_invalid`.
    package init(_ text: String, allowHTTP: Bool) throws {
        func refuse(_ why: String) -> Problem {
            Problem(.unprocessableContent, code: "webhook_url_invalid", detail: "The webhook url \(why).")
        }
        guard text.utf8.count <= Self.maxLength, !text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }),
              let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty
        else { throw refuse("must be an absolute URL of at most \(Self.maxLength) characters without spaces") }
        guard scheme == "https" || (scheme == "http" && allowHTTP) else {
            throw refuse(allowHTTP ? "must use https or http" : "must use https")
        }
        guard components.user == nil, components.password == nil else { throw refuse("must not carry credentials") }
        self.text = text
        self.scheme = scheme
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        port = components.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65535).contains(port) else { throw refuse("has an invalid port") }
    }

    /// The API's rule for a URL it is given (`POST`/`PATCH /api/v1/webhooks`), on top of ``init(_:allowHTTP:)``:
    /// printable ASCII only, as the OpenAPI pattern says, so an international domain name comes as
    /// its `xn--` form and anything else percent-encoded. Deliveries to URLs stored before this rule
    /// and URLs in the accounts file are not held to it.
    /// - Throws: ``Problem`` 422 `webhook_url_invalid`.
    package static func requirePrintableASCII(_ text: String) throws {
        guard text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw Problem(.unprocessableContent, code: "webhook_url_invalid",
                          detail: "The webhook url must be printable ASCII: an international domain name as its xn-- form, anything else percent-encoded.")
        }
    }

    /// Resolves the host and returns the first address the policy permits.
    /// - Throws: ``Problem`` 422 `webhook_url_refused` when the host does not resolve or only to refused addresses.
    package func resolve(policy: AddressPolicy) throws -> String {
        let addresses = IPAddress.isLiteral(host) ? [host] : Self.lookup(host)
        guard !addresses.isEmpty else {
            throw Problem(.unprocessableContent, code: "webhook_url_refused", detail: "The webhook host does not resolve.")
        }
        // Every address must be allowed: a name that also resolves inside would be a rebinding lever.
        guard addresses.allSatisfy(policy.permits) else {
            throw Problem(.unprocessableContent, code: "webhook_url_refused",
                          detail: "The webhook host resolves to a loopback, private, link-local or otherwise internal address, which the operator has not allowed.")
        }
        return addresses[0]
    }

    /// The `CURLOPT_RESOLVE` entry that pins `address`, or nil for a literal address (nothing to resolve).
    package func pin(_ address: String) -> String? {
        guard !IPAddress.isLiteral(host) else { return nil }
        return "\(host):\(port):\(address.contains(":") ? "[\(address)]" : address)"
    }

    /// The host's IPv4 and IPv6 addresses (getaddrinfo; blocking: delivery and worker threads only).
    static func lookup(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var result: [String] = []
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let entry = node {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(entry.pointee.ai_addr, entry.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                if !result.contains(text) { result.append(text) }
            }
            node = entry.pointee.ai_next
        }
        return result
    }
}
