import CCurl
#if canImport(Glibc)
import Glibc
#endif

/// Owns one libcurl easy handle: typed option setters, `perform`, raw send/receive, and cleanup in `deinit`.
///
/// Not thread-safe: one thread uses a handle at a time (a worker thread, never Swift's cooperative pool).
final class CurlEasy {
    let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// Server lines seen by the debug callback.
    let transcript = CurlTranscript()
    private var lists: [UnsafeMutablePointer<curl_slist>] = []

    /// Creates a handle.
    /// - Throws: ``CurlError`` when libcurl cannot allocate one.
    init() throws {
        CurlGlobal.initialize()
        guard let handle = curl_easy_init() else {
            throw CurlError(code: CURLE_FAILED_INIT, detail: "curl_easy_init failed", serverResponse: nil)
        }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        _ = ccurl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        _ = ccurl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = ccurl_easy_setopt_pointer(handle, CURLOPT_DEBUGDATA, Unmanaged.passUnretained(transcript).toOpaque())
        _ = ccurl_easy_setopt_debug_callback(handle) { _, type, data, size, userdata in
            guard let data, let userdata else { return 0 }
            let transcript = Unmanaged<CurlTranscript>.fromOpaque(userdata).takeUnretainedValue()
            let text = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
            switch type {
            case CURLINFO_HEADER_IN: transcript.incoming(text)
            case CURLINFO_HEADER_OUT: transcript.outgoing(text)
            default: break
            }
            return 0
        }
        _ = ccurl_easy_setopt_long(handle, CURLOPT_VERBOSE, 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        for list in lists { curl_slist_free_all(list) }
        errorBuffer.deallocate()
    }

    /// Sets a numeric option.
    func set(_ option: CURLoption, _ value: Int) throws {
        try check(ccurl_easy_setopt_long(handle, option, value))
    }

    /// Sets a string option (libcurl copies it).
    func set(_ option: CURLoption, _ value: String) throws {
        try check(ccurl_easy_setopt_string(handle, option, value))
    }

    /// Sets a list option; the list lives as long as the handle.
    func set(_ option: CURLoption, list values: [String]) throws {
        var list: UnsafeMutablePointer<curl_slist>?
        for value in values { list = curl_slist_append(list, value) }
        if let list { lists.append(list) }
        try check(ccurl_easy_setopt_slist(handle, option, list))
    }

    /// Sets a pointer option.
    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws {
        try check(ccurl_easy_setopt_pointer(handle, option, pointer))
    }

    /// Applies URL, credentials, TLS policy and timeouts for a mail server.
    /// - Parameters:
    ///   - username: nil sets no credentials at all, so a `CONNECT_ONLY` POP3 perform stops before
    ///     authenticating (our engine logs in itself).
    func configure(_ settings: UpstreamSettings, username: String?, password: String?, path: String = "") throws {
        try set(CURLOPT_URL, settings.url.curlURL + path)
        try set(CURLOPT_PROTOCOLS_STR, settings.url.scheme.hasPrefix("pop3") ? "pop3,pop3s" : "smtp,smtps")
        if let username { try set(CURLOPT_USERNAME, username) }
        if let password { try set(CURLOPT_PASSWORD, password) }
        if !settings.url.implicitTLS {
            try set(CURLOPT_USE_SSL, Int(settings.allowPlaintext ? CURLUSESSL_TRY.rawValue : CURLUSESSL_ALL.rawValue))
        }
        if let caFile = settings.caFile { try set(CURLOPT_CAINFO, caFile) }
        try set(CURLOPT_SSL_VERIFYPEER, settings.insecureSkipVerify ? 0 : 1)
        try set(CURLOPT_SSL_VERIFYHOST, settings.insecureSkipVerify ? 0 : 2)
        try set(CURLOPT_CONNECTTIMEOUT, settings.connectTimeout)
        try set(CURLOPT_TIMEOUT, settings.timeout)
        // libcurl's own per-reply wait (120 s by default) would otherwise outlast a shorter timeout.
        try set(CURLOPT_SERVER_RESPONSE_TIMEOUT, settings.timeout)
        // Send SASL credentials with the AUTH command itself (RFC 4954 / RFC 5034 initial response):
        // one round trip less per login.
        try set(CURLOPT_SASL_IR, 1)
    }

    /// Runs the transfer.
    /// - Throws: ``CurlError`` with the server's last line.
    func perform() throws {
        errorBuffer[0] = 0
        try check(curl_easy_perform(handle))
    }

    /// The connection's socket after a `CONNECT_ONLY` perform.
    func activeSocket() throws -> Int32 {
        var socket: curl_socket_t = -1
        try check(ccurl_easy_getinfo_socket(handle, &socket))
        guard socket >= 0 else { throw CurlError(code: CURLE_UNSUPPORTED_PROTOCOL, detail: "no active socket", serverResponse: nil) }
        return socket
    }

    /// Sends bytes on a `CONNECT_ONLY` connection; returns how many went out (0 when the socket is full).
    func send(_ bytes: UnsafeRawBufferPointer) throws -> Int {
        var sent = 0
        let result = curl_easy_send(handle, bytes.baseAddress, bytes.count, &sent)
        if result == CURLE_AGAIN { return 0 }
        try check(result)
        return sent
    }

    /// Receives bytes on a `CONNECT_ONLY` connection; returns nil when nothing is available yet, 0 at EOF.
    func receive(_ buffer: UnsafeMutableRawBufferPointer) throws -> Int? {
        var received = 0
        let result = curl_easy_recv(handle, buffer.baseAddress, buffer.count, &received)
        if result == CURLE_AGAIN { return nil }
        try check(result)
        return received
    }

    /// How long the last perform's parts took (for metrics), with `rest` named `restPhase`.
    func phases(restPhase: String) -> UpstreamPhases {
        func micros(_ info: CURLINFO) -> Int64 {
            var value: curl_off_t = 0
            _ = ccurl_easy_getinfo_off_t(handle, info, &value)
            return Int64(value)
        }
        return UpstreamPhases(connectMicros: micros(CURLINFO_CONNECT_TIME_T), appConnectMicros: micros(CURLINFO_APPCONNECT_TIME_T),
                              totalMicros: micros(CURLINFO_TOTAL_TIME_T), restPhase: restPhase)
    }

    /// A response code (`CURLINFO_RESPONSE_CODE`).
    func responseCode() -> Int {
        var code = 0
        _ = ccurl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    private func check(_ code: CURLcode) throws {
        guard code == CURLE_OK else {
            let detail = String(decoding: UnsafeRawBufferPointer(start: errorBuffer, count: strlen(errorBuffer)), as: UTF8.self)
            throw CurlError(code: code, detail: detail, serverResponse: transcript.lastServerLine)
        }
    }
}
