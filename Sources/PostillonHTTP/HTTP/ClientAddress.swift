/// Who the client is for logs and rate limits: the socket peer, or, when the peer is a trusted
/// proxy, the nearest address in `X-Forwarded-For` that is not itself a trusted proxy.
package enum ClientAddress {
    /// Resolves the client address.
    /// - Parameters:
    ///   - peer: the socket peer's address.
    ///   - forwardedFor: the `X-Forwarded-For` header, if any.
    ///   - trusted: networks of proxies whose header is believed.
    package static func resolve(peer: String, forwardedFor: String?, trusted: [IPNetwork]) -> String {
        guard let forwardedFor, trusted.contains(where: { $0.contains(peer) }) else { return peer }
        let hops = forwardedFor.split(separator: ",").map { $0.trimming(" \t") }.filter { !$0.isEmpty }
        for hop in hops.reversed() where !trusted.contains(where: { $0.contains(hop) }) {
            return IPAddress.isLiteral(hop) ? hop : peer
        }
        return peer
    }
}
