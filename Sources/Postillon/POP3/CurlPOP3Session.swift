import CCurl
import CLinux
#if canImport(Glibc)
import Glibc
import PostillonHTTP
#endif

/// Our POP3 command engine over a libcurl `CONNECT_ONLY` connection (`curl_easy_send`/`curl_easy_recv`,
/// so TLS stays libcurl's). When the server lists PIPELINING (RFC 2449), commands go out in batches
/// and replies are read in order, which turns N round trips into one.
final class CurlPOP3Session: POP3Session {
    private let easy: CurlEasy
    private let socket: Int32
    private let timeoutMillis: Int64
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var scratch = [UInt8](repeating: 0, count: 64 * 1024)
    private var finished = false
    let capabilities: [String]
    /// Whether commands may be pipelined.
    let pipelining: Bool
    /// Most commands written before their replies are read (keeps both socket buffers from filling).
    static let batchSize = 100
    /// Longest status line accepted.
    static let maxLineBytes = 16 * 1024

    init(easy: CurlEasy, timeoutMillis: Int64) throws {
        self.easy = easy
        self.timeoutMillis = timeoutMillis
        socket = try easy.activeSocket()
        capabilities = easy.transcript.capabilities.map { $0.uppercased() }
        pipelining = capabilities.contains { $0 == "PIPELINING" || $0.hasPrefix("PIPELINING ") }
    }

    deinit {
        // Never let libcurl's cleanup send its own QUIT: that would commit deletions we did not confirm.
        shutdown(socket, Int32(SHUT_RDWR))
    }

    // MARK: POP3Session

    func listings() throws -> [POP3Listing] {
        let deadline = MonotonicClock.nowMillis() + timeoutMillis
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
        if !capabilities.isEmpty && !capabilities.contains("TOP") { return [:] }
        let deadline = MonotonicClock.nowMillis() + timeoutMillis
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
        let deadline = MonotonicClock.nowMillis() + timeoutMillis
        try send("RETR \(number)\r\n", deadline: deadline)
        let status = try readStatus(deadline: deadline)
        guard status.ok else { throw POP3Error.negative(command: "RETR", status: status) }
        try readMultiline(deadline: deadline, into: sink)
    }

    func delete(_ numbers: [Int]) throws {
        let deadline = MonotonicClock.nowMillis() + timeoutMillis
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
        let deadline = MonotonicClock.nowMillis() + timeoutMillis
        do {
            try send("QUIT\r\n", deadline: deadline)
            let status = try readStatus(deadline: deadline)
            finished = true
            guard status.ok else { throw POP3Error.quitFailed("-ERR \(status.text)") }
        } catch let error as POP3Error {
            finished = true
            if case .quitFailed = error { throw error }
            throw POP3Error.quitFailed(error.description)
        } catch {
            finished = true
            throw POP3Error.quitFailed(String(describing: error))
        }
    }

    func close() {
        guard !finished else { return }
        finished = true
        _ = try? send("QUIT\r\n", deadline: MonotonicClock.nowMillis() + 1000)
        shutdown(socket, Int32(SHUT_WR))
    }

    func abort() {
        finished = true
        shutdown(socket, Int32(SHUT_RDWR))
    }

    // MARK: I/O

    private func send(_ text: String, deadline: Int64) throws {
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
        while true {
            if let lf = buffer[readIndex...].firstIndex(of: ASCII.lf) {
                var end = lf
                if end > readIndex && buffer[end - 1] == ASCII.cr { end -= 1 }
                let line = String(decoding: buffer[readIndex..<end], as: UTF8.self)
                readIndex = lf + 1
                guard let status = POP3Status.parse(line) else {
                    throw POP3Error.protocolViolation("expected +OK or -ERR, got '\(line.prefix(80))'")
                }
                return status
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
