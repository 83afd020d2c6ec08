/// How to reach one mail server: URL and the TLS and timeout policy, all from configuration.
package struct UpstreamSettings: Sendable {
    /// The server.
    package var url: UpstreamURL
    /// CA bundle (PEM); nil uses the system store.
    package var caFile: String?
    /// Development only: skip certificate verification.
    package var insecureSkipVerify: Bool
    /// Allow a plain connection when the scheme has no implicit TLS.
    package var allowPlaintext: Bool
    /// Seconds for connect, TLS and login.
    package var connectTimeout: Int
    /// Seconds for a whole exchange.
    package var timeout: Int

    /// Creates settings.
    package init(url: UpstreamURL, caFile: String? = nil, insecureSkipVerify: Bool = false, allowPlaintext: Bool = false,
                connectTimeout: Int = 10, timeout: Int = 60) {
        self.url = url
        self.caFile = caFile
        self.insecureSkipVerify = insecureSkipVerify
        self.allowPlaintext = allowPlaintext
        self.connectTimeout = connectTimeout
        self.timeout = timeout
    }

    /// The settings for `url` under the configured CA, TLS policy and timeouts.
    package init(_ url: UpstreamURL, configuration: Configuration) {
        self.init(url: url, caFile: configuration.caFile, insecureSkipVerify: configuration.insecureSkipVerify,
                  allowPlaintext: configuration.allowPlaintext, connectTimeout: configuration.upstreamConnectTimeout,
                  timeout: configuration.upstreamTimeout)
    }
}
