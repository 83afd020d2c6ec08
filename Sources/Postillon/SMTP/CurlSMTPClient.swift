import CCurl
import PostillonHTTP

/// Submits mail with libcurl: `smtps://` (implicit TLS) or `smtp://` with STARTTLS required unless
/// plain text is explicitly allowed, certificate verification per configuration, SASL with the
/// caller's credentials, `MAIL FROM`, every `RCPT TO` with `CURLOPT_MAIL_RCPT_ALLLOWFAILS`, and the
/// message from a read callback.
///
/// libcurl reports only the last reply code, so the per-recipient results come from the debug
/// callback: each `RCPT TO` line sent and the reply that follows it (``SMTPExchange``).
/// `submit` blocks: call it from a worker thread, never from Swift's cooperative pool.
package final class CurlSMTPClient: SMTPClient {
    private let settings: UpstreamSettings
    private let ehloName: String

    /// Creates a client for the configured server.
    /// - Parameters:
    ///   - settings: the SMTP server, TLS policy and timeouts.
    ///   - ehloName: the name given in `EHLO` (libcurl takes it from the URL path).
    package init(settings: UpstreamSettings, ehloName: String) {
        self.settings = settings
        self.ehloName = ehloName
    }

    package func submit(_ message: SMTPMessage, envelope: SMTPEnvelope, credentials: Credentials,
                       requireAuthentication: Bool) throws -> SMTPDelivery {
        let deadline = MonotonicClock.nowMillis() + Int64(settings.timeout) * 1000
        let easy = try CurlEasy()
        try easy.configure(settings, username: credentials.username, password: credentials.password, path: "/" + ehloName)
        try easy.set(CURLOPT_MAIL_FROM, "<\(envelope.sender)>")
        try easy.set(CURLOPT_MAIL_RCPT, list: envelope.recipients.map { "<\($0)>" })
        // 7.88 spelling; renamed CURLOPT_MAIL_RCPT_ALLOWFAILS (same number, 290) in 8.2.
        try easy.set(CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1)
        try easy.set(CURLOPT_UPLOAD, 1)

        let source = SMTPUploadSource(message)
        let sink = SMTPDebugSink(curl: easy.transcript, requireAuthentication: requireAuthentication, deadlineMillis: deadline)
        try withExtendedLifetime((source, sink)) {
            let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
            _ = ccurl_easy_setopt_int64(easy.handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(source.count))
            try easy.set(CURLOPT_READDATA, pointer: Unmanaged.passUnretained(source).toOpaque())
            _ = ccurl_easy_setopt_data_callback(easy.handle, CURLOPT_READFUNCTION) { buffer, size, count, userdata in
                guard let buffer, let userdata else { return 0 }
                let source = Unmanaged<SMTPUploadSource>.fromOpaque(userdata).takeUnretainedValue()
                return source.read(into: UnsafeMutableRawPointer(buffer), capacity: size * count, abort: Int(CURL_READFUNC_ABORT))
            }
            try easy.set(CURLOPT_DEBUGDATA, pointer: sinkPointer)
            _ = ccurl_easy_setopt_debug_callback(easy.handle) { _, type, data, size, userdata in
                guard let data, let userdata else { return 0 }
                let sink = Unmanaged<SMTPDebugSink>.fromOpaque(userdata).takeUnretainedValue()
                switch type {
                case CURLINFO_HEADER_IN:
                    let text = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
                    sink.curl.incoming(text)
                    sink.smtp.received(text)
                case CURLINFO_HEADER_OUT:
                    sink.sent(String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self))
                case CURLINFO_DATA_OUT:
                    sink.dataBytesOut += size
                default: break
                }
                return 0
            }
            // Fail closed: after the connect phase (EHLO, STARTTLS, AUTH) and before MAIL FROM, go on
            // only if the server accepted AUTH. libcurl itself skips AUTH silently when EHLO offers none.
            try easy.set(CURLOPT_PREREQDATA, pointer: sinkPointer)
            _ = ccurl_easy_setopt_prereq_callback(easy.handle) { userdata, _, _, _, _ in
                guard let userdata else { return CURL_PREREQFUNC_ABORT }
                let sink = Unmanaged<SMTPDebugSink>.fromOpaque(userdata).takeUnretainedValue()
                return sink.mayStartMail() ? CURL_PREREQFUNC_OK : CURL_PREREQFUNC_ABORT
            }
            // Every wait honours the exchange's deadline: CURLOPT_TIMEOUT and the response timeout
            // bound libcurl's own waits; this check (about once a second, also while waiting for
            // the reply to the final ".") is the backstop.
            try easy.set(CURLOPT_XFERINFODATA, pointer: sinkPointer)
            _ = ccurl_easy_setopt_xferinfo_callback(easy.handle) { userdata, _, _, _, _ in
                guard let userdata else { return 0 }
                return Unmanaged<SMTPDebugSink>.fromOpaque(userdata).takeUnretainedValue().isPastDeadline() ? 1 : 0
            }
            try easy.set(CURLOPT_NOPROGRESS, 0)
            try easy.set(CURLOPT_SOCKOPTDATA, pointer: sinkPointer)
            _ = ccurl_easy_setopt_sockopt_callback(easy.handle) { userdata, fd, _ in
                if let userdata { Unmanaged<SMTPDebugSink>.fromOpaque(userdata).takeUnretainedValue().socket = fd }
                return Int32(CURL_SOCKOPT_OK)
            }
            // Close the connection (QUIT) inside this perform, under the callbacks above, rather
            // than later in libcurl's connection cache, whose waits none of them bound.
            try easy.set(CURLOPT_FORBID_REUSE, 1)
            do {
                try easy.perform()
            } catch let error as CurlError {
                if sink.stoppedUnauthenticated {
                    ServiceMetrics.smtpSessionEnded(outcome: .authUnavailable, phases: easy.phases(restPhase: "transaction"))
                    throw SMTPError.authenticationUnavailable
                }
                if let readError = source.readError {
                    // The spooled message could not be read back: nothing complete went out.
                    ServiceMetrics.smtpSessionEnded(outcome: .error, phases: easy.phases(restPhase: "transaction"))
                    throw SMTPError.protocolFailure("reading the spooled message failed: \(readError)", nil)
                }
                let exchange = SMTPExchange(events: sink.smtp.events)
                // The final "." follows the data only when the upload ended without a send error.
                let messageWentOut = source.isExhausted && sink.dataBytesOut >= source.wireCount
                    && CURLcode(rawValue: error.code) != CURLE_SEND_ERROR
                let kind = sink.deadlinePassed ? .timeout : error.kind
                let failure = exchange.error(kind: kind, detail: error.detail.isEmpty ? error.message : error.detail,
                                             recipients: envelope.recipients, messageWentOut: messageWentOut)
                ServiceMetrics.smtpSessionEnded(outcome: UpstreamOutcome(failure) ?? .error, phases: easy.phases(restPhase: "transaction"))
                throw failure
            }
        }
        ServiceMetrics.smtpSessionEnded(outcome: .ok, phases: easy.phases(restPhase: "transaction"))
        // libcurl returns success only after the server's 250 to the message data.
        return SMTPExchange(events: sink.smtp.events).delivery(for: envelope.recipients)
    }
}
