/// Cross-origin resource sharing (Fetch standard, "CORS protocol") for browser frontends served
/// from other origins. Off unless the operator lists exact origins: no wildcard, so a page may
/// send `Authorization` only from an origin named here. A pure value: tested from literals.
package struct CORSPolicy: Sendable, Equatable {
    /// The allowed origins, normalised (`scheme://host[:port]`, lower case, default port dropped).
    package let origins: Set<String>
    /// Methods a preflight may ask for.
    package let allowedMethods: [String] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
    /// Request headers a preflight may ask for (compared case-insensitively).
    package let allowedHeaders: [String] = ["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID", "Accept",
                                           "Accept-Language"]
    /// Response headers a cross-origin page may read beyond the CORS-safelisted ones.
    package let exposedHeaders: [String] = ["X-Request-Id", "Retry-After", "Idempotent-Replayed", "Location"]
    /// Seconds a browser may cache a preflight answer.
    package let maxAge: Int

    /// Creates a policy from origins as the operator wrote them.
    /// - Throws: ``CORSPolicyError`` for a wildcard, `null`, or anything that is not an origin.
    package init(origins: [String], maxAge: Int = 600) throws(CORSPolicyError) {
        var normalised: Set<String> = []
        for origin in origins {
            guard let origin = Self.normalise(origin) else { throw CORSPolicyError(origin: origin) }
            normalised.insert(origin)
        }
        self.init(normalised: normalised, maxAge: maxAge)
    }

    private init(normalised: Set<String>, maxAge: Int) {
        self.origins = normalised
        self.maxAge = maxAge
    }

    /// No origin allowed: CORS off (the default).
    package static let off = CORSPolicy(normalised: [], maxAge: 600)

    /// Whether the policy allows any cross-origin request at all.
    package var isEnabled: Bool { !origins.isEmpty }

    /// Whether `origin` (an `Origin` header value) is allowed.
    package func allows(origin: String) -> Bool { allowed(origin) != nil }

    /// The normalised form of `origin` when it is allowed: what `Access-Control-Allow-Origin`
    /// echoes (browsers send origins in this form; nothing else of the header is echoed).
    private func allowed(_ origin: String) -> String? {
        guard let normalised = Self.normalise(origin), origins.contains(normalised) else { return nil }
        return normalised
    }

    /// Whether the request is a CORS preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`.
    package static func isPreflight(method: String, headers: HTTPHeaders) -> Bool {
        method == "OPTIONS" && headers["Origin"] != nil && headers["Access-Control-Request-Method"] != nil
    }

    /// The answer headers to a preflight, or why it is refused.
    package func preflight(origin: String, requestMethod: String, requestHeaders: String?) -> Result<HTTPHeaders, CORSRefusal> {
        guard let allowedOrigin = allowed(origin) else { return .failure(CORSRefusal(.origin(origin))) }
        guard allowedMethods.contains(requestMethod) else { return .failure(CORSRefusal(.method(requestMethod))) }
        let asked = (requestHeaders ?? "").split(separator: ",").map { $0.trimming(" \t") }.filter { !$0.isEmpty }
        for header in asked where !allowedHeaders.contains(where: { $0.lowercased() == header.lowercased() }) {
            return .failure(CORSRefusal(.header(header)))
        }
        var headers = HTTPHeaders()
        headers.set("Access-Control-Allow-Origin", allowedOrigin)
        headers.set("Access-Control-Allow-Methods", allowedMethods.joined(separator: ", "))
        headers.set("Access-Control-Allow-Headers", allowedHeaders.joined(separator: ", "))
        headers.set("Access-Control-Max-Age", String(maxAge))
        headers.set("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
        return .success(headers)
    }

    /// Adds the CORS headers of an actual (non-preflight) response for a request from `origin`.
    /// `Vary: Origin` is added whenever the policy is on, so caches never mix origins.
    package func decorate(_ headers: inout HTTPHeaders, origin: String?) {
        guard isEnabled else { return }
        let vary = headers["Vary"]
        if !(vary ?? "").lowercased().contains("origin") {
            headers.set("Vary", vary.map { "\($0), Origin" } ?? "Origin")
        }
        guard let origin, let allowedOrigin = allowed(origin) else { return }
        headers.set("Access-Control-Allow-Origin", allowedOrigin)
        headers.set("Access-Control-Expose-Headers", exposedHeaders.joined(separator: ", "))
    }

    /// `scheme://host[:port]` in lower case with the default port dropped, or nil when `text` is
    /// not a serialised http(s) origin (path, query, user info, wildcard and `null` included).
    static func normalise(_ text: String) -> String? {
        let lower = text.trimming(" \t").lowercased()
        let scheme: String
        let defaultPort: String
        if lower.hasPrefix("https://") {
            (scheme, defaultPort) = ("https", "443")
        } else if lower.hasPrefix("http://") {
            (scheme, defaultPort) = ("http", "80")
        } else {
            return nil
        }
        var rest = Substring(lower.dropFirst(scheme.count + 3))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, rest.utf8.count <= 300,
              rest.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-.:[]".contains($0)) }) else { return nil }
        var host = rest
        var port: Substring?
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("]") {
            host = rest[..<colon]
            port = rest[rest.index(after: colon)...]
            guard let digits = port, !digits.isEmpty, digits.count <= 5, digits.allSatisfy(\.isNumber),
                  let value = Int(digits), (1...65535).contains(value) else { return nil }
        }
        guard !host.isEmpty, host.first != ".", host.last != "." else { return nil }
        if let port, port != Substring(defaultPort) { return "\(scheme)://\(host):\(port)" }
        return "\(scheme)://\(host)"
    }
}
