/// Everything the HTTP server needs to know: where to listen, limits and timeouts.
package struct HTTPServerConfiguration: Sendable {
    /// Host (IPv4 or IPv6 literal, or `localhost`) to bind.
    package var host: String
    /// Port to bind; 0 picks a free one (see ``HTTPServer/port``).
    package var port: Int
    /// Request-head limits.
    package var parserLimits: HTTPParserLimits
    /// Most simultaneous connections; more are answered 503 and closed.
    package var maxConnections: Int
    /// Worker threads for handlers that may block.
    package var workerThreads: Int
    /// Requests that may wait for a worker before new ones get 503.
    package var maxQueuedRequests: Int
    /// Event loop threads (each with its own epoll instance).
    package var eventLoops: Int
    /// Milliseconds from a request's first byte until its head must be complete (then 408 and close).
    package var headerTimeoutMillis: Int64
    /// Milliseconds a request body may take to arrive.
    package var bodyTimeoutMillis: Int64
    /// Milliseconds an idle keep-alive connection stays open.
    package var idleTimeoutMillis: Int64
    /// Milliseconds a client may take to accept response bytes before the connection is cut.
    package var writeTimeoutMillis: Int64
    /// Requests served on one connection before it is closed (bounds per-connection state).
    package var maxRequestsPerConnection: Int
    /// Whether to log one line per request.
    package var accessLog: Bool
    /// The access log's line format.
    package var accessLogFormat: AccessLogFormat = .text
    /// Where access-log lines are written (standard error; tests use a pipe).
    package var accessLogDescriptor: Int32 = 2
    /// Proxies whose `X-Forwarded-For` names the client (for logs and rate limits).
    package var trustedProxies: [IPNetwork] = []
    /// Extra worker pools by name, with their thread counts. A route names its pool
    /// (``Route/init(_:_:maxBodyBytes:spoolBodyOver:runsInline:pool:handler:)``) so handlers that wait on one kind
    /// of upstream cannot take every worker from the others; unnamed routes use the shared pool
    /// of ``workerThreads``. Each pool queues at most ``maxQueuedRequests``.
    package var workerPools: [String: Int] = [:]
    /// Most request-body bytes being received at once, over all connections (see ``BodyBudget``):
    /// a body that would pass it is answered 503 before it is read.
    package var maxBodyBytesInFlight = 128 * 1024 * 1024
    /// Where bodies of routes that spool (``Route/spoolBodyOver``) are written while they arrive:
    /// nameless files (`O_TMPFILE`, 0600) that vanish when the request ends. `$TMPDIR`, else `/tmp`.
    package var bodySpoolDirectory = SpooledBody.defaultDirectory

    /// Creates a configuration; the defaults suit production on a small machine.
    package init(
        host: String = "127.0.0.1", port: Int = 8080, parserLimits: HTTPParserLimits = HTTPParserLimits(),
        maxConnections: Int = 10_000, workerThreads: Int = 64, maxQueuedRequests: Int = 1024, eventLoops: Int = 2,
        headerTimeoutMillis: Int64 = 10_000, bodyTimeoutMillis: Int64 = 60_000, idleTimeoutMillis: Int64 = 60_000,
        writeTimeoutMillis: Int64 = 60_000, maxRequestsPerConnection: Int = 100_000, accessLog: Bool = true
    ) {
        self.host = host
        self.port = port
        self.parserLimits = parserLimits
        self.maxConnections = maxConnections
        self.workerThreads = workerThreads
        self.maxQueuedRequests = maxQueuedRequests
        self.eventLoops = eventLoops
        self.headerTimeoutMillis = headerTimeoutMillis
        self.bodyTimeoutMillis = bodyTimeoutMillis
        self.idleTimeoutMillis = idleTimeoutMillis
        self.writeTimeoutMillis = writeTimeoutMillis
        self.maxRequestsPerConnection = maxRequestsPerConnection
        self.accessLog = accessLog
    }
}
