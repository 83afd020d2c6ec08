/// Writes a streaming response body to a client socket, chunked or with a known length.
///
/// Each write blocks (with `poll`) until the socket accepts the bytes, which is the backpressure:
/// a slow client slows the upstream read instead of growing a buffer. Every write gets a fresh
/// deadline, so a steady slow download is fine but a stalled one is cut.
///
/// The response head waits for the first body bytes (or ``finish()``): until then the response is
/// not committed, and a producer that fails first (an upstream that never answered) can still be
/// answered with a proper error instead of a 200 cut short.
final class SocketBodyWriter: HTTPBodyWriter {
    private let fd: Int32
    private let chunked: Bool
    private let writeTimeoutMillis: Int64
    private var pendingHead: [UInt8]?
    /// Body bytes written so far (without chunk framing).
    private(set) var bytesWritten = 0
    /// Head bytes written (0 until the head is committed).
    private(set) var headBytes = 0

    /// A writer that sends `head` before the first body bytes.
    init(fd: Int32, chunked: Bool, writeTimeoutMillis: Int64, head: [UInt8] = []) {
        self.fd = fd
        self.chunked = chunked
        self.writeTimeoutMillis = writeTimeoutMillis
        pendingHead = head.isEmpty ? nil : head
    }

    /// Whether the head has gone out (the status can no longer change).
    var isCommitted: Bool { pendingHead == nil }

    private func commit(deadline: Int64) throws {
        guard let head = pendingHead else { return }
        pendingHead = nil
        try head.withUnsafeBytes { try Socket.writeAll(fd, $0, deadlineMillis: deadline) }
        headBytes = head.count
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        let deadline = MonotonicClock.nowMillis() + writeTimeoutMillis
        try commit(deadline: deadline)
        if chunked {
            let size = Array((String(bytes.count, radix: 16) + "\r\n").utf8)
            try size.withUnsafeBytes { try Socket.writeAll(fd, $0, deadlineMillis: deadline) }
            try Socket.writeAll(fd, bytes, deadlineMillis: deadline)
            try [ASCII.cr, ASCII.lf].withUnsafeBytes { try Socket.writeAll(fd, $0, deadlineMillis: deadline) }
        } else {
            try Socket.writeAll(fd, bytes, deadlineMillis: deadline)
        }
        bytesWritten += bytes.count
    }

    /// Ends a chunked body with the last chunk.
    func finish() throws {
        let deadline = MonotonicClock.nowMillis() + writeTimeoutMillis
        try commit(deadline: deadline)
        guard chunked else { return }
        try Array("0\r\n\r\n".utf8).withUnsafeBytes { try Socket.writeAll(fd, $0, deadlineMillis: deadline) }
    }
}
