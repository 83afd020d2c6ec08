import CCurl

/// One readiness probe of a mail server: what libcurl does before a login — TCP connect, then TLS
/// (implicit for pop3s/smtps, STLS/STARTTLS otherwise unless plaintext is allowed) verified against
/// the configured CA — and nothing else: no credentials are sent, the connection is closed (QUIT).
package enum UpstreamProbe {
    /// What a probe found.
    package struct Outcome: Sendable, Equatable {
        /// Whether the server is reachable and TLS verified.
        package var ok: Bool
        /// A stable code when not ok: `tls_failed`, `unreachable`, `timeout`, `upstream_error`.
        package var code: String?
        /// libcurl's reason, without local paths (shown only to operators).
        package var detail: String?

        package init(ok: Bool, code: String? = nil, detail: String? = nil) {
            self.ok = ok
            self.code = code
            self.detail = detail
        }
    }

    /// Probes `settings`' server within `timeoutSeconds`; blocks, so call it on a worker thread.
    package static func run(_ settings: UpstreamSettings, timeoutSeconds: Int) -> Outcome {
        do {
            let easy = try CurlEasy()
            try easy.configure(settings, username: "", password: "")
            // No credentials at all: libcurl then stops after the greeting, CAPA/EHLO and STLS/STARTTLS.
            try easy.set(CURLOPT_USERNAME, pointer: nil)
            try easy.set(CURLOPT_PASSWORD, pointer: nil)
            try easy.set(CURLOPT_CONNECT_ONLY, 1)
            try easy.set(CURLOPT_CONNECTTIMEOUT, timeoutSeconds)
            try easy.set(CURLOPT_TIMEOUT, timeoutSeconds)
            try easy.perform()
            return Outcome(ok: true)
        } catch let error as CurlError {
            let code: String
            switch error.kind {
            case .tls: code = "tls_failed"
            case .unreachable: code = "unreachable"
            case .timeout: code = "timeout"
            case .loginDenied, .protocolError, .other: code = "upstream_error"
            }
            return Outcome(ok: false, code: code, detail: UpstreamErrorMapping.withoutLocalPaths(error.detail.isEmpty ? error.message : error.detail))
        } catch {
            return Outcome(ok: false, code: "upstream_error", detail: "probe failed")
        }
    }
}
