/// One finished request as the access log records it. Never holds credentials: `account` is the
/// authenticated account's name, set by the application on its response.
package struct AccessLogEntry: Sendable, Equatable {
    package var requestID: String
    package var method: String
    package var path: Substring
    package var status: Int
    package var bytes: Int
    package var durationMicros: UInt64
    package var remote: String
    package var userAgent: String?
    package var account: String?
    /// The head went out but the body was cut short (client or upstream failed mid-stream).
    package var aborted: Bool

    package init(requestID: String, method: String, path: Substring, status: Int, bytes: Int, durationMicros: UInt64,
                 remote: String, userAgent: String? = nil, account: String? = nil, aborted: Bool = false) {
        self.requestID = requestID
        self.method = method
        self.path = path
        self.status = status
        self.bytes = bytes
        self.durationMicros = durationMicros
        self.remote = remote
        self.userAgent = userAgent
        self.aborted = aborted
        self.account = account
    }
}
