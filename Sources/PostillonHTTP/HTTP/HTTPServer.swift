#if canImport(Glibc)
import Glibc
#endif
import CLinux
import Foundation
import Logging
import Synchronization

/// Postillon's HTTP/1.1 server on POSIX sockets.
///
/// Shape: a few epoll event loops read and parse requests (idle keep-alive connections cost no
/// thread), a bounded pool of worker threads runs handlers that may block on libcurl, and
/// responses are written by the worker with `poll`-based backpressure. ``shutdown(timeoutMillis:)``
/// stops accepting, lets in-flight requests finish within the deadline and then closes everything.
package final class HTTPServer: Sendable {
    /// What ``start()`` sets up and ``shutdown(timeoutMillis:)`` tears down, behind one lock.
    private struct State {
        var loops: [EventLoop] = []
        var listenFD: Int32 = -1
        var port = 0
        var started = false
    }

    private let context: ServerContext
    private let state = Mutex(State())
    private let stopped = DispatchSemaphore(value: 0)

    /// The port the server listens on (resolved when configured with port 0).
    package var port: Int { state.withLock { $0.port } }

    /// Creates a server; call ``start()`` to listen.
    package init(configuration: HTTPServerConfiguration, responder: any HTTPResponder, logger: Logger) {
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

    /// Binds the listening socket and starts the event loops (once; later calls do nothing).
    ///
    /// Every loop is created before any starts, so a failure part-way (out of descriptors for an
    /// epoll instance) leaves nothing behind: the created loops close their descriptors as they
    /// go away and the listening socket is closed before the error is thrown.
    /// - Throws: ``SystemError`` when the address cannot be bound or a loop cannot be created.
    package func start() throws {
        let configuration = context.configuration
        let context = self.context
        let port = try state.withLock { state -> Int in
            guard !state.started else { return state.port }
            let listener = try Socket.listen(host: configuration.host, port: configuration.port)
            var loops: [EventLoop] = []
            do {
                for _ in 0..<max(1, configuration.eventLoops) {
                    loops.append(try EventLoop(context: context, listenFD: listener.fd))
                }
            } catch {
                loops.removeAll()
                close(listener.fd)
                throw error
            }
            state = State(loops: loops, listenFD: listener.fd, port: listener.port, started: true)
            context.accessLog?.start()
            for (index, loop) in loops.enumerated() { loop.start(name: "postillon-loop-\(index)") }
            return listener.port
        }
        context.logger.notice("listening", metadata: ["address": .string("\(configuration.host):\(port)")])
    }

    /// The number of open client connections.
    package var connectionCount: Int { context.activeConnections.load(ordering: .relaxed) }

    /// Stops gracefully: no new connections, idle ones close, in-flight requests get until the
    /// deadline to finish (their responses carry `Connection: close`), then everything closes.
    package func shutdown(timeoutMillis: Int64) {
        guard !context.shuttingDown.exchange(true, ordering: .relaxed) else {
            stopped.wait()
            stopped.signal()
            return
        }
        let (loops, listenFD) = state.withLock { ($0.loops, $0.listenFD) }
        let deadline = MonotonicClock.nowMillis() + timeoutMillis
        for loop in loops { loop.post(.stopAccepting) }
        // Stop listening now, not after the drain: the kernel would otherwise keep completing
        // handshakes into the backlog, and those clients would hang until the final close. After
        // shutdown(2) new connections are refused and queued ones reset (accept fails: EINVAL);
        // the descriptor itself is closed below, once no loop can use it any more.
        if listenFD >= 0 { shutdownBothDirections(listenFD) }
        while connectionCount > 0 && MonotonicClock.nowMillis() < deadline {
            usleep(10_000)
        }
        let unfinished = connectionCount
        for loop in loops { loop.post(.terminate) }
        for loop in loops { loop.waitUntilFinished() }
        state.withLock { state in
            if state.listenFD >= 0 {
                close(state.listenFD)
                state.listenFD = -1
            }
        }
        let poolDeadline = MonotonicClock.nowMillis() + 1000
        context.pool.stop(deadlineMillis: poolDeadline)
        for pool in context.pools.values { pool.stop(deadlineMillis: poolDeadline) }
        context.accessLog?.stop()
        context.logger.notice("stopped", metadata: ["connections.cut": .stringConvertible(unfinished)])
        stopped.signal()
    }

    /// Blocks until ``shutdown(timeoutMillis:)`` has finished.
    package func waitUntilStopped() {
        stopped.wait()
        stopped.signal()
    }

    // MARK: Response writing

    /// Serializes a response whose body is in memory (head and body in one buffer).
    static func serializeBuffered(_ response: HTTPResponse, isHead: Bool, keepAlive: Bool, requestID: String) -> [UInt8] {
        let date = HTTPDate.now()
        let allowsBody = response.status.allowsBody
        switch response.body {
        case .empty, .stream, .eventStream:
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
    ///
    /// A streaming body's head goes out with its first bytes: if the producer fails before that, the
    /// client gets the error's problem response instead (``Router/problem(for:logger:)``); if it
    /// fails later, the outcome is `aborted` and the connection must be closed (the only honest
    /// signal left once a 200 head is out: a chunked body then lacks its last chunk).
    /// - Returns: the status sent, the bytes written and whether the body was cut short.
    /// - Throws: ``HTTPWriteError`` or ``SystemError`` when writing a buffered response fails.
    static func write(_ response: HTTPResponse, to fd: Int32, isHead: Bool, keepAlive: Bool, requestID: String,
                      writeTimeoutMillis: Int64, logger: Logger) throws -> HTTPWriteOutcome {
        guard case .stream(let length, let produce) = response.body, response.status.allowsBody else {
            let bytes = serializeBuffered(response, isHead: isHead, keepAlive: keepAlive, requestID: requestID)
            try bytes.withUnsafeBytes { try Socket.writeAll(fd, $0, deadlineMillis: MonotonicClock.nowMillis() + writeTimeoutMillis) }
            return HTTPWriteOutcome(status: response.status.code, bytes: bytes.count, aborted: false)
        }
        let framing: HTTPResponseSerializer.Framing = length.map { .length($0) } ?? .chunked
        let head = HTTPResponseSerializer.head(status: response.status, headers: response.headers, framing: framing,
                                               keepAlive: keepAlive, date: HTTPDate.now(), requestID: requestID)
        if isHead {
            try head.withUnsafeBytes { try Socket.writeAll(fd, $0, deadlineMillis: MonotonicClock.nowMillis() + writeTimeoutMillis) }
            return HTTPWriteOutcome(status: response.status.code, bytes: head.count, aborted: false)
        }
        let writer = SocketBodyWriter(fd: fd, chunked: length == nil, writeTimeoutMillis: writeTimeoutMillis, head: head)
        do {
            try produce(writer)
            if let length, writer.bytesWritten != length {
                throw HTTPWriteError.lengthMismatch(declared: length, written: writer.bytesWritten)
            }
            try writer.finish()
        } catch {
            if writer.isCommitted {
                logger.debug("response stream aborted", metadata: ["request.id": .string(requestID), "error": .string("\(error)")])
                return HTTPWriteOutcome(status: response.status.code, bytes: writer.headBytes + writer.bytesWritten, aborted: true)
            }
            let problem = Router.problem(for: error, logger: logger).response(requestID: requestID)
            let bytes = serializeBuffered(problem, isHead: false, keepAlive: keepAlive, requestID: requestID)
            try bytes.withUnsafeBytes { try Socket.writeAll(fd, $0, deadlineMillis: MonotonicClock.nowMillis() + writeTimeoutMillis) }
            return HTTPWriteOutcome(status: problem.status.code, bytes: bytes.count, aborted: false)
        }
        return HTTPWriteOutcome(status: response.status.code, bytes: writer.headBytes + writer.bytesWritten, aborted: false)
    }
}

/// shutdown(2) of both directions. A free function: inside ``HTTPServer`` its own
/// `shutdown(timeoutMillis:)` would shadow Glibc's.
private func shutdownBothDirections(_ fd: Int32) {
    _ = shutdown(fd, Int32(SHUT_RDWR))
}
