#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging

/// Postillon's HTTP/1.1 server on POSIX sockets.
///
/// Shape: a few epoll event loops read and parse requests (idle keep-alive connections cost no
/// thread), a bounded pool of worker threads runs handlers that may block on libcurl, and
/// responses are written by the worker with `poll`-based backpressure. ``shutdown(timeoutMillis:)``
/// stops accepting, lets in-flight requests finish within the deadline and then closes everything.
public final class HTTPServer: @unchecked Sendable {
    private let context: ServerContext
    private var loops: [EventLoop] = []
    private var listenFD: Int32 = -1
    private let stopped = DispatchSemaphore(value: 0)
    /// The port the server listens on (resolved when configured with port 0).
    public private(set) var port: Int = 0

    /// Creates a server; call ``start()`` to listen.
    public init(configuration: HTTPServerConfiguration, responder: any HTTPResponder, logger: Logger) {
        context = ServerContext(configuration: configuration, responder: responder, logger: logger)
    }

    /// Creates a server whose answered requests are reported to `observer` (metrics).
    package init(configuration: HTTPServerConfiguration, responder: any HTTPResponder, logger: Logger, observer: (any HTTPServerObserver)?) {
        context = ServerContext(configuration: configuration, responder: responder, logger: logger, observer: observer)
    }

    /// Connections, requests in flight and the worker pool's load, now.
    package var statistics: HTTPServerStatistics {
        let pool = context.pool.load
        return HTTPServerStatistics(openConnections: connectionCount, requestsInFlight: context.inFlight.load(ordering: .relaxed),
                                    workersBusy: pool.busy, requestsQueued: pool.queued)
    }

    /// Binds the listening socket and starts the event loops.
    /// - Throws: ``SystemError`` when the address cannot be bound.
    public func start() throws {
        let configuration = context.configuration
        let listener = try Socket.listen(host: configuration.host, port: configuration.port)
        listenFD = listener.fd
        port = listener.port
        for index in 0..<max(1, configuration.eventLoops) {
            let loop = try EventLoop(context: context, listenFD: listenFD)
            loops.append(loop)
            loop.start(name: "postillon-loop-\(index)")
        }
        context.logger.notice("listening", metadata: ["address": .string("\(configuration.host):\(port)")])
    }

    /// The number of open client connections.
    public var connectionCount: Int { context.activeConnections.load(ordering: .relaxed) }

    /// Stops gracefully: no new connections, idle ones close, in-flight requests get until the
    /// deadline to finish (their responses carry `Connection: close`), then everything closes.
    public func shutdown(timeoutMillis: Int64) {
        guard !context.shuttingDown.exchange(true, ordering: .relaxed) else {
            stopped.wait()
            stopped.signal()
            return
        }
        let deadline = MonotonicClock.nowMillis() + timeoutMillis
        for loop in loops { loop.post(.stopAccepting) }
        while connectionCount > 0 && MonotonicClock.nowMillis() < deadline {
            usleep(10_000)
        }
        let unfinished = connectionCount
        for loop in loops { loop.post(.terminate) }
        for loop in loops { loop.waitUntilFinished() }
        if listenFD >= 0 {
            close(listenFD)
            listenFD = -1
        }
        context.pool.stop(deadlineMillis: MonotonicClock.nowMillis() + 1000)
        context.logger.notice("stopped", metadata: ["connections.cut": .stringConvertible(unfinished)])
        stopped.signal()
    }

    /// Blocks until ``shutdown(timeoutMillis:)`` has finished.
    public func waitUntilStopped() {
        stopped.wait()
        stopped.signal()
    }

    // MARK: Response writing

    /// Serializes a response whose body is in memory (head and body in one buffer).
    static func serializeBuffered(_ response: HTTPResponse, isHead: Bool, keepAlive: Bool, requestID: String) -> [UInt8] {
        let date = HTTPDate.now()
        let allowsBody = response.status.allowsBody
        switch response.body {
        case .empty, .stream:
            return HTTPResponseSerializer.head(status: response.status, headers: response.headers,
                                               framing: allowsBody ? .length(0) : .none, keepAlive: keepAlive, date: date, requestID: requestID)
        case .bytes(let body):
            var out = HTTPResponseSerializer.head(status: response.status, headers: response.headers,
                                                  framing: allowsBody ? .length(body.count) : .none, keepAlive: keepAlive,
                                                  date: date, requestID: requestID)
            if allowsBody && !isHead { out.append(contentsOf: body) }
            return out
        }
    }

    /// Writes a whole response to a socket from a worker thread, streaming bodies as they are produced.
    /// - Returns: the number of bytes written, head included.
    /// - Throws: ``HTTPWriteError`` or ``SystemError``; the connection must then be closed.
    static func write(_ response: HTTPResponse, to fd: Int32, isHead: Bool, keepAlive: Bool, requestID: String,
                      writeTimeoutMillis: Int64) throws -> Int {
        guard case .stream(let length, let produce) = response.body, response.status.allowsBody else {
            let bytes = serializeBuffered(response, isHead: isHead, keepAlive: keepAlive, requestID: requestID)
            try bytes.withUnsafeBytes { try Socket.writeAll(fd, $0, deadlineMillis: MonotonicClock.nowMillis() + writeTimeoutMillis) }
            return bytes.count
        }
        let framing: HTTPResponseSerializer.Framing = length.map { .length($0) } ?? .chunked
        let head = HTTPResponseSerializer.head(status: response.status, headers: response.headers, framing: framing,
                                               keepAlive: keepAlive, date: HTTPDate.now(), requestID: requestID)
        try head.withUnsafeBytes { try Socket.writeAll(fd, $0, deadlineMillis: MonotonicClock.nowMillis() + writeTimeoutMillis) }
        if isHead { return head.count }
        let writer = SocketBodyWriter(fd: fd, chunked: length == nil, writeTimeoutMillis: writeTimeoutMillis)
        // If producing fails, the headers are gone already: the error makes the caller cut the
        // connection, the only honest signal left (a chunked body then lacks its last chunk).
        try produce(writer)
        if let length, writer.bytesWritten != length {
            throw HTTPWriteError.lengthMismatch(declared: length, written: writer.bytesWritten)
        }
        try writer.finish()
        return head.count + writer.bytesWritten
    }
}
