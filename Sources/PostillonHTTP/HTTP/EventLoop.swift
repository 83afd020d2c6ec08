#if canImport(Glibc)
import Glibc
#endif
import CLinux
import Foundation
import Synchronization

/// One epoll event loop: accepts connections, reads and parses requests, runs inline handlers,
/// hands the rest to the worker pool, and enforces every connection deadline.
///
/// The loop is the I/O shell of each connection's ``ConnectionStateMachine``: it turns epoll
/// events, parser results, worker returns and its periodic sweep into the machine's events, and
/// performs the actions the machine answers in ``perform(_:on:)``. Decisions live in the machine;
/// syscalls live here. A connection opens in `acceptConnections()` and ends in
/// `closeConnection(_:)`; every request, answered, failed or aborted, ends in `logAccess(...)`.
///
/// Idle keep-alive connections cost only their buffers here, never a thread.
///
/// Sendable: only the loop's own thread touches its mutable state; other threads reach it through `post` and `giveBack` (mutexes).
final class EventLoop: @unchecked Sendable {
    /// Messages other threads send to the loop.
    enum Command: Sendable {
        case stopAccepting
        case terminate
    }

    let context: ServerContext
    let epollFD: Int32
    let wakeFD: Int32
    private(set) var listenFD: Int32
    var connections: [Int32: Connection] = [:]
    /// What a worker hands back with a connection.
    struct Returned {
        let connection: Connection
        /// The response ended the connection.
        let mustClose: Bool
        /// An event stream the loop now writes, with its serialized head.
        var stream: (Connection.ActiveStream, head: [UInt8])?
    }

    /// Connections workers gave back.
    private let returned = Mutex<[Returned]>([])
    /// Streaming connections whose producer queued bytes or ended (see EventLoop+Streams.swift).
    let readyStreams = Mutex<[Connection]>([])
    private let commands = Mutex<[Command]>([])
    private(set) var running = true
    /// Set while accepting is paused because file descriptors ran out.
    private var acceptPausedUntil: Int64?
    private var lastDescriptorWarning: Int64 = -10_000
    private var scratch = [UInt8](repeating: 0, count: 64 * 1024)
    private let requestIDPrefix: String
    private var requestCounter: UInt64 = 0
    private let finished = DispatchSemaphore(value: 0)
    /// This loop's access-log lines (nil when the log is off); workers serving its connections append too.
    private let accessLogBuffer: AccessLogBuffer?
    /// The configured deadlines every connection's state machine enforces.
    private let deadlines: ConnectionDeadlines

    init(context: ServerContext, listenFD: Int32) throws {
        self.context = context
        self.listenFD = listenFD
        epollFD = try syscall("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
        wakeFD = try syscall("eventfd") { eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC)) }
        requestIDPrefix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        accessLogBuffer = context.accessLog?.makeBuffer()
        deadlines = ConnectionDeadlines(context.configuration)
        try register(listenFD, events: EPOLLIN.rawValue | EPOLLEXCLUSIVE.rawValue)
        try register(wakeFD, events: EPOLLIN.rawValue)
    }

    deinit {
        close(epollFD)
        close(wakeFD)
    }

    /// Starts the loop on its own thread.
    func start(name: String) {
        let thread = Thread { [self] in
            self.run()
            self.finished.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Blocks until the loop's thread ended.
    func waitUntilFinished() { finished.wait() }

    /// Sends a command to the loop (any thread).
    func post(_ command: Command) {
        commands.withLock { $0.append(command) }
        wake()
    }

    /// Gives a connection back from a worker (any thread); `mustClose` when its response ended it.
    func giveBack(_ connection: Connection, mustClose: Bool) {
        returned.withLock { $0.append(Returned(connection: connection, mustClose: mustClose)) }
        wake()
    }

    /// Gives a connection back from a worker (any thread) with an event stream for the loop to write.
    func giveBack(_ connection: Connection, stream: Connection.ActiveStream, head: [UInt8]) {
        returned.withLock { $0.append(Returned(connection: connection, mustClose: false, stream: (stream, head))) }
        wake()
    }

    /// Wakes the loop's `epoll_wait` (any thread).
    func wake() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    private func register(_ fd: Int32, events: UInt32) throws {
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        try syscall("epoll_ctl(ADD)") { epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) }
    }

    private func run() {
        var events = [epoll_event](repeating: epoll_event(), count: 512)
        var lastSweep = MonotonicClock.nowMillis()
        while running {
            let count = epoll_wait(epollFD, &events, Int32(events.count), 250)
            if count < 0 && errno != EINTR { break }
            for index in 0..<max(0, Int(count)) {
                let fd = events[index].data.fd
                let flags = events[index].events
                if fd == listenFD {
                    acceptConnections()
                } else if fd == wakeFD {
                    var value: UInt64 = 0
                    _ = read(wakeFD, &value, 8)
                } else if let connection = connections[fd] {
                    handleEvent(connection, flags: flags)
                }
            }
            processCommands()
            processReturned()
            processReadyStreams()
            let now = MonotonicClock.nowMillis()
            if now - lastSweep >= 200 {
                sweep(now: now)
                lastSweep = now
            }
            if let until = acceptPausedUntil, now >= until { resumeAccepting() }
        }
        for connection in Array(connections.values) where !connection.machine.isInWorker {
            closeConnection(connection)
        }
    }

    // MARK: Accepting

    private func acceptConnections() {
        while listenFD >= 0 {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    clinux_accept4(listenFD, $0, &length, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
                }
            }
            if fd < 0 {
                let code = errno
                if code == EINTR || code == ECONNABORTED { continue }
                if code == EMFILE || code == ENFILE {
                    // The pending connection stays in the backlog and the level-triggered listener
                    // would wake us forever: stop listening briefly instead of spinning.
                    pauseAccepting()
                }
                return
            }
            let count = context.activeConnections.wrappingAdd(1, ordering: .relaxed).newValue
            if count > context.configuration.maxConnections || context.isShuttingDown {
                rejectOverload(fd)
                context.activeConnections.wrappingSubtract(1, ordering: .relaxed)
                continue
            }
            Socket.setNoDelay(fd)
            let machine = ConnectionStateMachine(now: MonotonicClock.nowMillis(), deadlines: deadlines,
                                                 maxRequests: context.configuration.maxRequestsPerConnection)
            let connection = Connection(fd: fd, remoteAddress: Socket.addressText(storage), machine: machine)
            var event = epoll_event()
            event.events = EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue
            event.data.fd = fd
            if epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) != 0 {
                close(fd)
                context.activeConnections.wrappingSubtract(1, ordering: .relaxed)
                continue
            }
            connections[fd] = connection
        }
    }

    /// Stops accepting for a moment when the process is out of file descriptors.
    private func pauseAccepting() {
        guard acceptPausedUntil == nil, listenFD >= 0 else { return }
        epoll_ctl(epollFD, EPOLL_CTL_DEL, listenFD, nil)
        let now = MonotonicClock.nowMillis()
        acceptPausedUntil = now + 100
        if now - lastDescriptorWarning >= 10_000 {
            lastDescriptorWarning = now
            context.logger.warning("out of file descriptors: accepting in pauses of 100 ms (raise the open-file limit)",
                                   metadata: ["connections": .stringConvertible(context.activeConnections.load(ordering: .relaxed))])
        }
    }

    /// Listens again after ``pauseAccepting()``.
    private func resumeAccepting() {
        acceptPausedUntil = nil
        guard listenFD >= 0 else { return }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLEXCLUSIVE.rawValue
        event.data.fd = listenFD
        epoll_ctl(epollFD, EPOLL_CTL_ADD, listenFD, &event)
    }

    /// Answers 503 to a connection over the limit, best effort, and closes it.
    private func rejectOverload(_ fd: Int32) {
        let problem = Problem(.serviceUnavailable, code: "too_many_connections",
                              detail: "The server is at its connection limit; retry shortly.",
                              headers: ["Retry-After": "1"])
        let requestID = nextRequestID()
        let bytes = serialize(problem.response(requestID: requestID), isHead: false, keepAlive: false, requestID: requestID)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        shutdown(fd, Int32(SHUT_WR))
        close(fd)
    }

    // MARK: Events

    private func handleEvent(_ connection: Connection, flags: UInt32) {
        let readable = flags & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0
        // Edge-triggered: when the last bytes and the FIN come in one event, no event follows the
        // short read that takes the bytes, so the end of input must be read now (else the connection
        // would wait for its body deadline, holding its buffers and spool file).
        if flags & (EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 { connection.peerHungUp = true }
        perform(connection.machine.socketEvent(readable: readable), on: connection)
    }

    private func processCommands() {
        let pending = commands.withLock { list -> [Command] in
            defer { list.removeAll() }
            return list
        }
        for command in pending {
            switch command {
            case .stopAccepting:
                if listenFD >= 0 {
                    epoll_ctl(epollFD, EPOLL_CTL_DEL, listenFD, nil)
                    listenFD = -1
                }
                acceptPausedUntil = nil
                for connection in Array(connections.values) {
                    perform(connection.machine.drain(unparsedBytes: connection.unconsumed), on: connection)
                }
            case .terminate:
                for connection in Array(connections.values) {
                    perform(connection.machine.terminate(), on: connection)
                }
                running = false
            }
        }
    }

    private func processReturned() {
        let pending = returned.withLock { list -> [Returned] in
            defer { list.removeAll(keepingCapacity: true) }
            return list
        }
        for item in pending {
            let connection = item.connection
            guard let (stream, head) = item.stream else {
                let action = connection.machine.workerFinished(now: MonotonicClock.nowMillis(), mustClose: item.mustClose || !running)
                perform(action, on: connection)
                continue
            }
            startStream(connection, stream, head: head)
        }
    }

    // MARK: Deadlines

    private func sweep(now: Int64) {
        let configuration = context.configuration
        let shuttingDown = context.isShuttingDown
        for connection in Array(connections.values) {
            let action: ConnectionStateMachine.Action
            switch connection.machine.tick(now: now, shuttingDown: shuttingDown) {
            case .answerTimeout(.head):
                action = fail(connection, Problem(.requestTimeout, code: "request_timeout",
                                                  detail: "The request head did not arrive within \(configuration.headerTimeoutMillis) ms."))
            case .answerTimeout(.body):
                action = fail(connection, Problem(.requestTimeout, code: "request_timeout",
                                                  detail: "The request body did not arrive within \(configuration.bodyTimeoutMillis) ms."))
            case let other:
                action = other
            }
            perform(action, on: connection)
        }
    }

    // MARK: Performing the machine's actions

    /// Performs `first` and every action it leads to, until the connection waits or is closed.
    /// This is the only place that acts on a connection's socket for the machine.
    func perform(_ first: ConnectionStateMachine.Action, on connection: Connection) {
        var action = first
        while true {
            switch action {
            case .parse:
                action = step(connection)
            case .read:
                let (received, end) = readAvailable(connection)
                action = connection.machine.readFinished(now: MonotonicClock.nowMillis(), received: received, end: end)
            case .sendContinue:
                enqueue(connection, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                action = .flush
            case .flush:
                action = flush(connection)
            case .waitForReadable:
                connection.compact()
                return
            case .waitForWritable, .waitForWorker, .wait:
                return
            case .lingerClose:
                shutdown(connection.fd, Int32(SHUT_WR))
                action = .discardInput
            case .discardInput:
                let (received, end) = discardInput(connection)
                action = connection.machine.readFinished(now: MonotonicClock.nowMillis(), received: received, end: end)
            case .close:
                closeConnection(connection)
                return
            case .shutdownSocket:
                shutdown(connection.fd, Int32(SHUT_RDWR))
                return
            case .answerTimeout:
                // Only the sweep gets this verdict, and it answers it; nothing else asks for it.
                return
            case .endStream:
                connection.stream?.handle.end(.shutdown)
                action = .flush
            }
        }
    }

    // MARK: Reading and writing on the loop

    /// Reads what the socket has, up to the connection's buffer cap: how many bytes, and why it stopped.
    private func readAvailable(_ connection: Connection) -> (Int, ConnectionStateMachine.ReadEnd) {
        let cap = bufferCap(for: connection)
        var received = 0
        while connection.unconsumed < cap {
            let count = scratch.withUnsafeMutableBytes { read(connection.fd, $0.baseAddress, $0.count) }
            if count > 0 {
                connection.buffer.append(contentsOf: scratch[0..<count])
                received += count
                // A short read emptied the socket; edge-triggered epoll reports the next arrival
                // (but not an end of input that came with these bytes: then read on to it).
                if count < scratch.count && !connection.peerHungUp { return (received, .drained) }
                continue
            }
            if count == 0 { return (received, .closed) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return (received, .drained)
            default: return (received, .closed)
            }
        }
        return (received, .full)
    }

    /// How many unparsed bytes a connection may buffer in its current phase.
    private func bufferCap(for connection: Connection) -> Int {
        let headCap = context.configuration.parserLimits.maxHeaderBytes + 1024
        guard let body = connection.pendingBody else { return max(headCap, 64 * 1024) }
        if case .length(let length) = body.state { return length + 64 * 1024 }
        // A chunked or spooled body is consumed as it arrives.
        return 256 * 1024
    }

    /// Writes queued output and reports the outcome to the machine.
    private func flush(_ connection: Connection) -> ConnectionStateMachine.Action {
        while true {
            // A stream's producer bytes are taken only when earlier ones are written: while the
            // client does not read they wait in the handle, which bounds them.
            if !connection.hasPendingOutput, connection.machine.isStreaming, let dropped = takeStreamBytes(connection) {
                return dropped
            }
            guard connection.hasPendingOutput else { break }
            let written = connection.output.withUnsafeBytes { raw in
                send(connection.fd, raw.baseAddress! + connection.outputIndex, raw.count - connection.outputIndex, Int32(MSG_NOSIGNAL))
            }
            if written > 0 {
                connection.outputIndex += written
                continue
            }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return connection.machine.writeBlocked(now: MonotonicClock.nowMillis()) }
            connection.output.removeAll()
            connection.outputIndex = 0
            return connection.machine.writeFailed()
        }
        connection.output.removeAll(keepingCapacity: connection.output.capacity <= 64 * 1024)
        connection.outputIndex = 0
        return connection.machine.outputFlushed(now: MonotonicClock.nowMillis())
    }

    /// Queues bytes for the client (the machine's `.flush` writes them).
    func enqueue(_ connection: Connection, _ bytes: [UInt8]) {
        if connection.output.isEmpty {
            connection.output = bytes
            connection.outputIndex = 0
        } else {
            connection.output.append(contentsOf: bytes)
        }
    }

    /// Queues a request-level error answer; the returned action writes it, then closes gracefully.
    func fail(_ connection: Connection, _ problem: Problem) -> ConnectionStateMachine.Action {
        let requestID = nextRequestID()
        var path: Substring = "-"
        var method = HTTPMethod("-")
        if let body = connection.pendingBody {
            path = body.head.path
            method = body.head.method
        }
        let response = problem.response(requestID: requestID)
        let bytes = serialize(response, isHead: false, keepAlive: false, requestID: requestID)
        enqueue(connection, bytes)
        connection.pendingBody = nil
        connection.bodyReservation = nil
        logAccess(requestID: requestID, method: method, path: path, status: problem.status.code,
                        bytes: bytes.count, startNanos: MonotonicClock.nowNanos(), remote: connection.remoteAddress)
        return connection.machine.failed(now: MonotonicClock.nowMillis())
    }

    /// Reads and drops what a lingering socket holds: how many bytes, and why it stopped.
    private func discardInput(_ connection: Connection) -> (Int, ConnectionStateMachine.ReadEnd) {
        var received = 0
        while true {
            let count = scratch.withUnsafeMutableBytes { read(connection.fd, $0.baseAddress, $0.count) }
            if count > 0 {
                received += count
                continue
            }
            if count < 0 && errno == EINTR { continue }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return (received, .drained) }
            return (received, .closed)
        }
    }

    /// Closes and forgets a connection: the one place a connection ends.
    func closeConnection(_ connection: Connection) {
        guard connections.removeValue(forKey: connection.fd) != nil else { return }
        // A body being received goes now: its spool file (nameless) is freed with it.
        connection.pendingBody = nil
        connection.bodyReservation = nil
        if connection.stream != nil { streamClosed(connection) }
        close(connection.fd)
        context.activeConnections.wrappingSubtract(1, ordering: .relaxed)
    }

    /// The one place a request is finished (answered, failed or aborted): queues its access-log line
    /// (loop thread, or a worker serving this loop).
    func logAccess(requestID: String, method: HTTPMethod, path: Substring, status: Int, bytes: Int, startNanos: UInt64,
                         remote: String, userAgent: String? = nil, account: String? = nil, aborted: Bool = false) {
        guard let accessLogBuffer else { return }
        accessLogBuffer.append(AccessLogEntry(requestID: requestID, method: method.rawValue, path: path, status: status, bytes: bytes,
                                              durationMicros: (MonotonicClock.nowNanos() &- startNanos) / 1000, remote: remote,
                                              userAgent: userAgent, account: account, aborted: aborted))
    }

    /// A new request id: the loop's random prefix and a counter.
    func nextRequestID() -> String {
        requestCounter &+= 1
        return requestIDPrefix + "-" + String(requestCounter, radix: 16)
    }

    /// Serializes a response with a byte body (streams are written by workers).
    func serialize(_ response: HTTPResponse, isHead: Bool, keepAlive: Bool, requestID: String) -> [UInt8] {
        HTTPServer.serializeBuffered(response, isHead: isHead, keepAlive: keepAlive, requestID: requestID)
    }
}
