import CCurl

/// Submits mail with libcurl: `smtps://` (implicit TLS) or `smtp://` with STARTTLS required unless
/// plain text is explicitly allowed, certificate verification per configuration, SASL with the
/// caller's credentials, `MAIL FROM`, every `RCPT TO` with `CURLOPT_MAIL_RCPT_ALLLOWFAILS`, and the
/// message from a read callback.
///
/// libcurl reports only the last reply code, so the per-recipient results come from the debug
/// callback: each `RCPT TO` line sent and the reply that follows it (``SMTPExchange``).
/// `submit` blocks: call it from a worker thread, never from Swift's cooperative pool.
public final class CurlSMTPClient: SMTPClient {
    private let settings: UpstreamSettings
    private let ehloName: String

    /// Creates a client for the configured server.
    /// - Parameters:
    ///   - settings: the SMTP server, TLS policy and timeouts.
    ///   - ehloName: the name given in `EHLO` (libcurl takes it from the URL path).
    public init(settings: UpstreamSettings, ehloName: String) {
        self.settings = settings
        self.ehloName = ehloName
    }

    public func submit(_ message: [UInt8], envelope: SMTPEnvelope, credentials: Credentials) throws -> SMTPDelivery {
        let easy = try CurlEasy()
        try easy.configure(settings, username: credentials.username, password: credentials.password, path: "/" + ehloName)
        try easy.set(CURLOPT_MAIL_FROM, "<\(envelope.sender)>")
        try easy.set(CURLOPT_MAIL_RCPT, list: envelope.recipients.map { "<\($0)>" })
        // 7.88 spelling; renamed CURLOPT_MAIL_RCPT_ALLOWFAILS (same number, 290) in 8.2.
        try easy.set(CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1)
        try easy.set(CURLOPT_UPLOAD, 1)

        let source = SMTPUploadSource(message)
        let sink = SMTPDebugSink(curl: easy.transcript)
        try withExtendedLifetime((source, sink)) {
            _ = ccurl_easy_setopt_int64(easy.handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(source.count))
            try easy.set(CURLOPT_READDATA, pointer: Unmanaged.passUnretained(source).toOpaque())
            _ = ccurl_easy_setopt_data_callback(easy.handle, CURLOPT_READFUNCTION) { buffer, size, count, userdata in
                guard let buffer, let userdata else { return 0 }
                let source = Unmanaged<SMTPUploadSource>.fromOpaque(userdata).takeUnretainedValue()
                return source.read(into: UnsafeMutableRawPointer(buffer), capacity: size * count)
            }
            try easy.set(CURLOPT_DEBUGDATA, pointer: Unmanaged.passUnretained(sink).toOpaque())
            _ = ccurl_easy_setopt_debug_callback(easy.handle) { _, type, data, size, userdata in
                guard let data, let userdata else { return 0 }
                let sink = Unmanaged<SMTPDebugSink>.fromOpaque(userdata).takeUnretainedValue()
                let text = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
                switch type {
                case CURLINFO_HEADER_IN:
                    sink.curl.incoming(text)
                    sink.smtp.received(text)
                case CURLINFO_HEADER_OUT:
                    sink.curl.outgoing(text)
                    sink.smtp.sent(text)
                default: break
                }
                return 0
            }
            do {
                try easy.perform()
            } catch let error as CurlError {
                let exchange = SMTPExchange(events: sink.smtp.events)
                let failure = exchange.error(kind: error.kind, detail: error.detail.isEmpty ? error.message : error.detail,
                                             recipients: envelope.recipients)
                ServiceMetrics.smtpSessionEnded(outcome: UpstreamOutcome(failure) ?? .error, phases: easy.phases(restPhase: "transaction"))
                throw failure
            }
        }
        ServiceMetrics.smtpSessionEnded(outcome: .ok, phases: easy.phases(restPhase: "transaction"))
        // libcurl returns success only after the server's 250 to the message data.
        return SMTPExchange(events: sink.smtp.events).delivery(for: envelope.recipients)
    }
}
