/// Writes a streaming response body to a client socket, chunked or with a known length.
///
/// Each write blocks (with `poll`) until the socket accepts the bytes, which is the backpressure:
/// a slow client slows the upstream read instead of growing a buffer. Every write gets a fresh
/// deadline, so a steady slow download is fine but a stalled one is cut.
final class SocketBodyWriter: HTTPBodyWriter {
    private let fd: Int32
    private let chunked: Bool
    private let writeTimeoutMillis: Int64
    /// Body bytes written so far (without chunk framing).
    private(set) var bytesWritten = 0

    init(fd: Int32, chunked: Bool, writeTimeoutMillis: Int64) {
        self.fd = fd
        self.chunked = chunked
        self.writeTimeoutMillis = writeTimeoutMillis
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        let deadline = MonotonicClock.nowMillis() + writeTimeoutMillis
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
        guard chunked else { return }
        let deadline = MonotonicClock.nowMillis() + writeTimeoutMillis
        try Array("0\r\n\r\n".utf8).withUnsafeBytes { try Socket.writeAll(fd, $0, deadlineMillis: deadline) }
    }
}
