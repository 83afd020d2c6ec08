import CCurl
import CLinux
#if canImport(Glibc)
import Glibc
import PostillonHTTP
#endif

/// Our POP3 command engine over a libcurl `CONNECT_ONLY` connection (`curl_easy_send`/`curl_easy_recv`,
/// so TLS stays libcurl's). When the server lists PIPELINING (RFC 2449), commands go out in batches
/// and replies are read in order, which turns N round trips into one.
///
/// The login is ours too (``POP3Login``): with PIPELINING it is written in the same batch as the
/// first commands (`AUTH PLAIN …`, `UIDL`, `LIST` in one write) and its replies are read first;
/// otherwise ``authenticate()`` runs it step by step before anything else.
final class CurlPOP3Session: POP3Session {
    private let easy: CurlEasy
    private let socket: Int32
    private let timeoutMillis: Int64
    /// The request's budget, when it is shorter than the upstream timeout (``limitWaits(until:)``).
    private var budgetDeadline: Int64?
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var scratch = [UInt8](repeating: 0, count: 64 * 1024)
    private var finished = false
    /// This session's listing once read (the snapshot does not change until a DELE).
    private var listed: [POP3Listing]?
    /// The login not yet written (nil once sent).
    private var pendingLogin: POP3Login?
    /// The login written but whose replies are not read yet.
    private var unconfirmedLogin: POP3Login?
    private let onLogin: @Sendable () -> Void
    let capabilities: POP3Capabilities
    /// Whether commands may be pipelined.
    let pipelining: Bool
    /// Which login method was used (for tests and debug logs).
    let loginMethod: POP3Login.Method
    /// The verbs of the commands libcurl sent before handing over (`CAPA`, `STLS`; never a login).
    let libcurlCommands: [String]
    /// Most commands written before their replies are read (keeps both socket buffers from filling).
    static let batchSize = 100
    /// Longest status line accepted.
    static let maxLineBytes = 16 * 1024

    /// Wraps a connection libcurl opened (greeting, CAPA, TLS) but did not log in.
    /// - Parameter onLogin: called once the server accepted the login.
    init(easy: CurlEasy, login: POP3Login, capabilities: POP3Capabilities, timeoutMillis: Int64,
         onLogin: @escaping @Sendable () -> Void) throws {
        self.easy = easy
        self.timeoutMillis = timeoutMillis
        self.capabilities = capabilities
        self.onLogin = onLogin
        socket = try easy.activeSocket()
        pipelining = capabilities.pipelining
        pendingLogin = login
        loginMethod = login.method
        libcurlCommands = easy.transcript.sentVerbs
    }

    deinit {
        // Never let libcurl's cleanup send its own QUIT: that would commit deletions we did not confirm.
        shutdown(socket, Int32(SHUT_RDWR))
    }

    /// When the operation starting now must be done: the upstream timeout, or the request's budget if sooner.
    private func operationDeadline() -> Int64 {
        let timeout = MonotonicClock.nowMillis() + timeoutMillis
        guard let budgetDeadline else { return timeout }
        return min(timeout, budgetDeadline)
    }

    // MARK: POP3Session

    func limitWaits(until deadlineMillis: Int64?) {
        budgetDeadline = deadlineMillis
    }

    func authenticate() throws {
        let deadline = operationDeadline()
        if let login = pendingLogin {
            pendingLogin = nil
            if pipelining && login.pipelinable {
                try write(login.steps.map { $0.line + "\r\n" }.joined(), deadline: deadline)
                unconfirmedLogin = login
            } else {
                for step in login.steps {
                    try write(step.line + "\r\n", deadline: deadline)
                    let line = try readLine(deadline: deadline)
                    if step.expectsContinuation {
                        guard line.hasPrefix("+ ") || line == "+" else { throw POP3Error.loginRefused(POP3Status.parse(line)) }
                        continue
                    }
                    try Self.checkLoginReply(line)
                }
                onLogin()
            }
        }
        try confirmLogin(deadline: deadline)
    }

    func listings() throws -> [POP3Listing] {
        // A session's maildrop is a snapshot taken at login (RFC 1939), so its listing holds until
        // this session marks messages deleted: a reused session opens a message with RETR alone.
        if let listed { return listed }
        let result = try list()
        listed = result
        return result
    }

    private func list() throws -> [POP3Listing] {
        let deadline = operationDeadline()
        var uidlStatus: POP3Status
        var uidlBody: [UInt8] = []
        var listBody: [UInt8] = []
        if pipelining {
            try send("UIDL\r\nLIST\r\n", deadline: deadline)
            uidlStatus = try readStatus(deadline: deadline)
            if uidlStatus.ok { uidlBody = try readMultiline(deadline: deadline) }
            let listStatus = try readStatus(deadline: deadline)
            guard listStatus.ok else { throw POP3Error.negative(command: "LIST", status: listStatus) }
            listBody = try readMultiline(deadline: deadline)
        } else {
            try send("UIDL\r\n", deadline: deadline)
            uidlStatus = try readStatus(deadline: deadline)
            if uidlStatus.ok {
                uidlBody = try readMultiline(deadline: deadline)
                try send("LIST\r\n", deadline: deadline)
                let listStatus = try readStatus(deadline: deadline)
                guard listStatus.ok else { throw POP3Error.negative(command: "LIST", status: listStatus) }
                listBody = try readMultiline(deadline: deadline)
            }
        }
        guard uidlStatus.ok else { throw POP3Error.uidlUnsupported }
        let uidl = try POP3Parser.uidl(POP3Parser.lines(uidlBody))
        let sizes = try POP3Parser.list(POP3Parser.lines(listBody))
        return POP3Parser.listings(uidl: uidl, sizes: sizes)
    }

    func headers(of numbers: [Int]) throws -> [Int: [UInt8]] {
        // A server whose CAPA list leaves out TOP does not have it (RFC 2449); one without CAPA may.
        if !capabilities.mayUseTOP { return [:] }
        let deadline = operationDeadline()
        var result: [Int: [UInt8]] = [:]
        let batch = pipelining ? Self.batchSize : 1
        var start = 0
        while start < numbers.count {
            let slice = numbers[start..<min(numbers.count, start + batch)]
            try send(slice.map { "TOP \($0) 0\r\n" }.joined(), deadline: deadline)
            for number in slice {
                let status = try readStatus(deadline: deadline)
                if status.ok { result[number] = try readMultiline(deadline: deadline) }
            }
            start += batch
        }
        return result
    }

    func retrieve(_ number: Int, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let transferDeadline = MonotonicClock.nowMillis() + timeoutMillis
        let deadline = operationDeadline()
        try send("RETR \(number)\r\n", deadline: deadline)
        let status = try readStatus(deadline: deadline)
        guard status.ok else { throw POP3Error.negative(command: "RETR", status: status) }
        // A request's budget bounds waiting for the server's answer; a message already flowing
        // (possibly tens of megabytes) keeps the full upstream timeout for its transfer.
        try readMultiline(deadline: transferDeadline, into: sink)
    }

    func delete(_ numbers: [Int]) throws {
        listed = nil
        let deadline = operationDeadline()
        let batch = pipelining ? Self.batchSize : 1
        var start = 0
        var refused: POP3Status?
        while start < numbers.count {
            let slice = numbers[start..<min(numbers.count, start + batch)]
            try send(slice.map { "DELE \($0)\r\n" }.joined(), deadline: deadline)
            for _ in slice {
                let status = try readStatus(deadline: deadline)
                if !status.ok && refused == nil { refused = status }
            }
            start += batch
        }
        if let refused { throw POP3Error.negative(command: "DELE", status: refused) }
    }

    func quit() throws {
        guard !finished else { return }
        finished = true
        let deadline = MonotonicClock.nowMillis() + timeoutMillis
        do {
            try send("QUIT\r\n", deadline: deadline)
        } catch {
            // QUIT never reached the server whole: without it, RFC 1939 §6 removes nothing.
            throw POP3Error.quitFailed(String(describing: error))
        }
        let status: POP3Status
        do {
            status = try readStatus(deadline: deadline)
        } catch POP3Error.timedOut {
            throw POP3Error.quitUnanswered(timedOut: true)
        } catch {
            // QUIT went out; whether the server committed is unknown.
            throw POP3Error.quitUnanswered(timedOut: false)
        }
        guard status.ok else { throw POP3Error.quitFailed("-ERR \(status.text)") }
    }

    func close() {
        guard !finished else { return }
        finished = true
        // A login never written stays unwritten: QUIT alone ends the AUTHORIZATION state.
        _ = try? write("QUIT\r\n", deadline: MonotonicClock.nowMillis() + 1000)
        shutdown(socket, Int32(SHUT_WR))
    }

    func abort() {
        finished = true
        shutdown(socket, Int32(SHUT_RDWR))
    }

    // MARK: I/O

    /// Writes commands; a login still pending goes out first, in the same write when pipelining.
    private func send(_ text: String, deadline: Int64) throws {
        if let login = pendingLogin {
            guard pipelining && login.pipelinable else {
                try authenticate()
                return try write(text, deadline: deadline)
            }
            pendingLogin = nil
            unconfirmedLogin = login
            return try write(login.steps.map { $0.line + "\r\n" }.joined() + text, deadline: deadline)
        }
        try write(text, deadline: deadline)
    }

    /// Reads the replies to a pipelined login.
    /// - Throws: ``POP3Error/loginRefused(_:)`` with the server's status.
    private func confirmLogin(deadline: Int64) throws {
        guard let login = unconfirmedLogin else { return }
        unconfirmedLogin = nil
        for _ in login.steps { try Self.checkLoginReply(try readLine(deadline: deadline)) }
        onLogin()
    }

    private static func checkLoginReply(_ line: String) throws {
        let status = POP3Status.parse(line)
        guard let status, status.ok else { throw POP3Error.loginRefused(status) }
    }

    private func write(_ text: String, deadline: Int64) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = try bytes.withUnsafeBytes { try easy.send(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            if sent > 0 {
                offset += sent
            } else {
                try wait(for: Int16(POLLOUT), deadline: deadline)
            }
        }
    }

    /// Reads more bytes into the buffer, waiting with poll only when libcurl has nothing buffered.
    private func fill(deadline: Int64) throws {
        if readIndex > 0 && readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        }
        while true {
            let received = try scratch.withUnsafeMutableBytes { try easy.receive($0) }
            if let received {
                if received == 0 { throw POP3Error.connectionClosed }
                buffer.append(contentsOf: scratch[0..<received])
                return
            }
            try wait(for: Int16(POLLIN), deadline: deadline)
        }
    }

    private func wait(for events: Int16, deadline: Int64) throws {
        while true {
            let left = deadline - MonotonicClock.nowMillis()
            if left <= 0 { throw POP3Error.timedOut }
            var descriptor = pollfd(fd: socket, events: events, revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(left, 1000)))
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw POP3Error.connectionClosed }
        }
    }

    private func readStatus(deadline: Int64) throws -> POP3Status {
        try confirmLogin(deadline: deadline)
        let line = try readLine(deadline: deadline)
        guard let status = POP3Status.parse(line) else {
            throw POP3Error.protocolViolation("expected +OK or -ERR, got '\(line.prefix(80))'")
        }
        return status
    }

    /// One line from the server, without its line end.
    private func readLine(deadline: Int64) throws -> String {
        while true {
            if let lf = buffer[readIndex...].firstIndex(of: ASCII.lf) {
                var end = lf
                if end > readIndex && buffer[end - 1] == ASCII.cr { end -= 1 }
                let line = String(decoding: buffer[readIndex..<end], as: UTF8.self)
                readIndex = lf + 1
                return line
            }
            if buffer.count - readIndex > Self.maxLineBytes { throw POP3Error.protocolViolation("status line too long") }
            try fill(deadline: deadline)
        }
    }

    private func readMultiline(deadline: Int64) throws -> [UInt8] {
        var body: [UInt8] = []
        try readMultiline(deadline: deadline) { body.append(contentsOf: $0) }
        return body
    }

    private func readMultiline(deadline: Int64, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        var decoder = MultilineDecoder()
        while true {
            if readIndex < buffer.count {
                let used = try buffer.withUnsafeBytes { raw in
                    try decoder.decode(UnsafeRawBufferPointer(rebasing: raw[readIndex...]), emit: sink)
                }
                if let used {
                    readIndex += used
                    return
                }
                readIndex = buffer.count
            }
            try fill(deadline: deadline)
        }
    }
}
