#if canImport(Glibc)
import Glibc
#endif
import CLinux
import Foundation
import Synchronization

/// One epoll event loop: accepts connections, reads and parses requests, runs inline handlers,
/// hands the rest to the worker pool, and enforces every connection deadline.
///
/// Idle keep-alive connections cost only their buffers here, never a thread.
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
    private let returned = Mutex<[Connection]>([])
    private let commands = Mutex<[Command]>([])
    private var running = true
    /// Set while accepting is paused because file descriptors ran out.
    private var acceptPausedUntil: Int64?
    private var lastDescriptorWarning: Int64 = -10_000
    private var scratch = [UInt8](repeating: 0, count: 64 * 1024)
    private let requestIDPrefix: String
    private var requestCounter: UInt64 = 0
    private let finished = DispatchSemaphore(value: 0)

    init(context: ServerContext, listenFD: Int32) throws {
        self.context = context
        self.listenFD = listenFD
        epollFD = try syscall("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
        wakeFD = try syscall("eventfd") { eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC)) }
        requestIDPrefix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
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

    /// Gives a connection back from a worker (any thread).
    func giveBack(_ connection: Connection) {
        returned.withLock { $0.append(connection) }
        wake()
    }

    private func wake() {
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
            let now = MonotonicClock.nowMillis()
            if now - lastSweep >= 200 {
                sweep(now: now)
                lastSweep = now
            }
            if let until = acceptPausedUntil, now >= until { resumeAccepting() }
        }
        for connection in Array(connections.values) where !connection.inWorker {
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
            let connection = Connection(fd: fd, remoteAddress: Socket.addressText(storage), now: MonotonicClock.nowMillis())
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
        if flags & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
            connection.drained = false
        }
        if connection.inWorker { return }
        if connection.lingerUntilMillis != nil {
            discardInput(connection)
            return
        }
        service(connection)
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
                for connection in Array(connections.values) where isIdle(connection) {
                    closeConnection(connection)
                }
            case .terminate:
                for connection in Array(connections.values) {
                    if connection.inWorker {
                        shutdown(connection.fd, Int32(SHUT_RDWR))
                    } else {
                        closeConnection(connection)
                    }
                }
                running = false
            }
        }
    }

    private func processReturned() {
        let pending = returned.withLock { list -> [Connection] in
            defer { list.removeAll(keepingCapacity: true) }
            return list
        }
        for connection in pending {
            connection.inWorker = false
            connection.requestsServed += 1
            if connection.closeAfterWorker || !running {
                lingerClose(connection)
                continue
            }
            connection.lastActivityMillis = MonotonicClock.nowMillis()
            service(connection)
        }
    }

    /// Whether the connection sits between requests with nothing buffered.
    private func isIdle(_ connection: Connection) -> Bool {
        guard !connection.inWorker, !connection.hasPendingOutput, connection.unconsumed == 0 else { return false }
        if case .head = connection.phase { return connection.requestStartedMillis == nil }
        return false
    }

    // MARK: Deadlines

    private func sweep(now: Int64) {
        let configuration = context.configuration
        let shuttingDown = context.isShuttingDown
        for connection in Array(connections.values) where !connection.inWorker {
            if let linger = connection.lingerUntilMillis {
                if now >= linger { closeConnection(connection) }
                continue
            }
            if connection.hasPendingOutput {
                if now - connection.outputStartedMillis > configuration.writeTimeoutMillis { closeConnection(connection) }
                continue
            }
            switch connection.phase {
            case .head:
                if let started = connection.requestStartedMillis {
                    if now - started > configuration.headerTimeoutMillis {
                        fail(connection, Problem(.requestTimeout, code: "request_timeout",
                                                 detail: "The request head did not arrive within \(configuration.headerTimeoutMillis) ms."))
                    }
                } else if shuttingDown || now - connection.lastActivityMillis > configuration.idleTimeoutMillis {
                    closeConnection(connection)
                }
            case .body:
                if let started = connection.requestStartedMillis, now - started > configuration.headerTimeoutMillis + configuration.bodyTimeoutMillis {
                    fail(connection, Problem(.requestTimeout, code: "request_timeout",
                                             detail: "The request body did not arrive within \(configuration.bodyTimeoutMillis) ms."))
                }
            }
        }
    }

    // MARK: Reading and writing on the loop

    /// Reads what the socket has, up to the connection's buffer cap.
    func readAvailable(_ connection: Connection) {
        let cap = bufferCap(for: connection)
        while !connection.peerClosed && connection.unconsumed < cap {
            let count = scratch.withUnsafeMutableBytes { read(connection.fd, $0.baseAddress, $0.count) }
            if count > 0 {
                connection.buffer.append(contentsOf: scratch[0..<count])
                connection.lastActivityMillis = MonotonicClock.nowMillis()
                if count < scratch.count {
                    // A short read emptied the socket; edge-triggered epoll reports the next arrival.
                    connection.drained = true
                    return
                }
                continue
            }
            if count == 0 {
                connection.peerClosed = true
                return
            }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                connection.drained = true
                return
            default:
                connection.peerClosed = true
                return
            }
        }
    }

    /// How many unparsed bytes a connection may buffer in its current phase.
    private func bufferCap(for connection: Connection) -> Int {
        let headCap = context.configuration.parserLimits.maxHeaderBytes + 1024
        switch connection.phase {
        case .head: return max(headCap, 64 * 1024)
        case .body(_, _, let state, _):
            if case .length(let length) = state { return length + 64 * 1024 }
            return 256 * 1024
        }
    }

    /// Writes queued output; returns true when all of it went out.
    func flush(_ connection: Connection) -> Bool {
        while connection.hasPendingOutput {
            let written = connection.output.withUnsafeBytes { raw in
                send(connection.fd, raw.baseAddress! + connection.outputIndex, raw.count - connection.outputIndex, Int32(MSG_NOSIGNAL))
            }
            if written > 0 {
                connection.outputIndex += written
                continue
            }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return false }
            connection.peerClosed = true
            connection.output.removeAll()
            connection.outputIndex = 0
            closeConnection(connection)
            return false
        }
        connection.output.removeAll(keepingCapacity: connection.output.capacity <= 64 * 1024)
        connection.outputIndex = 0
        return true
    }

    /// Queues bytes for the client and tries to write them now.
    func enqueue(_ connection: Connection, _ bytes: [UInt8]) {
        if connection.output.isEmpty {
            connection.output = bytes
            connection.outputIndex = 0
        } else {
            connection.output.append(contentsOf: bytes)
        }
        connection.outputStartedMillis = MonotonicClock.nowMillis()
    }

    /// Answers a request-level error, then closes gracefully.
    func fail(_ connection: Connection, _ problem: Problem) {
        let requestID = nextRequestID()
        var path: Substring = "-"
        var method = HTTPMethod("-")
        if case .body(let head, _, _, _) = connection.phase {
            path = head.path
            method = head.method
        }
        let response = problem.response(requestID: requestID)
        let bytes = serialize(response, isHead: false, keepAlive: false, requestID: requestID)
        enqueue(connection, bytes)
        connection.closeWhenFlushed = true
        connection.phase = .head
        context.logAccess(requestID: requestID, method: method, path: path, status: problem.status.code,
                          bytes: bytes.count, startNanos: MonotonicClock.nowNanos(), remote: connection.remoteAddress)
        if flush(connection) { lingerClose(connection) }
    }

    /// Shuts the write side, then discards input until the peer closes or a short deadline passes,
    /// so the client reads our last response instead of a reset.
    func lingerClose(_ connection: Connection) {
        guard connections[connection.fd] != nil else { return }
        shutdown(connection.fd, Int32(SHUT_WR))
        connection.lingerUntilMillis = MonotonicClock.nowMillis() + 2000
        discardInput(connection)
    }

    private func discardInput(_ connection: Connection) {
        while true {
            let count = scratch.withUnsafeMutableBytes { read(connection.fd, $0.baseAddress, $0.count) }
            if count > 0 { continue }
            if count < 0 && errno == EINTR { continue }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            closeConnection(connection)
            return
        }
    }

    /// Closes and forgets a connection.
    func closeConnection(_ connection: Connection) {
        guard connections.removeValue(forKey: connection.fd) != nil else { return }
        close(connection.fd)
        context.activeConnections.wrappingSubtract(1, ordering: .relaxed)
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
