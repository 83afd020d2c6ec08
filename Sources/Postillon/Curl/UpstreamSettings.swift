/// How to reach one mail server: URL and the TLS and timeout policy, all from configuration.
public struct UpstreamSettings: Sendable {
    /// The server.
    public var url: UpstreamURL
    /// CA bundle (PEM); nil uses the system store.
    public var caFile: String?
    /// Development only: skip certificate verification.
    public var insecureSkipVerify: Bool
    /// Allow a plain connection when the scheme has no implicit TLS.
    public var allowPlaintext: Bool
    /// Seconds for connect, TLS and login.
    public var connectTimeout: Int
    /// Seconds for a whole exchange.
    public var timeout: Int

    /// Creates settings.
    public init(url: UpstreamURL, caFile: String? = nil, insecureSkipVerify: Bool = false, allowPlaintext: Bool = false,
                connectTimeout: Int = 10, timeout: Int = 60) {
        self.url = url
        self.caFile = caFile
        self.insecureSkipVerify = insecureSkipVerify
        self.allowPlaintext = allowPlaintext
        self.connectTimeout = connectTimeout
        self.timeout = timeout
    }
}
