/// One client connection's state.
///
/// Ownership, not locks, keeps this safe: the event loop that accepted the connection owns it,
/// except while `inWorker` is true, when exactly one worker thread owns it. The hand-over in both
/// directions goes through the worker pool's and the loop's mutex-protected queues, which order
/// the memory accesses. Only the owning loop closes the descriptor, so it is never reused under a worker.
final class Connection: @unchecked Sendable {
    /// How the current request's body is being read.
    enum BodyState {
        case none
        case length(Int)
        case chunked(ChunkedBodyDecoder, [UInt8])
    }

    /// Where the connection is in the request cycle.
    enum Phase {
        case head
        case body(HTTPRequestHead, RequestPlan, BodyState, requestID: String)
    }

    let fd: Int32
    let remoteAddress: String
    /// Received bytes; the unconsumed ones start at `readIndex`.
    var buffer: [UInt8] = []
    var readIndex = 0
    var phase = Phase.head
    /// True while a worker thread owns the connection.
    var inWorker = false
    /// The last read found the socket empty and no event arrived since (edge-triggered epoll).
    var drained = false
    /// The peer closed its side or the connection failed.
    var peerClosed = false
    /// Response bytes the loop could not write yet.
    var output: [UInt8] = []
    var outputIndex = 0
    var outputStartedMillis: Int64 = 0
    /// Close once `output` is written.
    var closeWhenFlushed = false
    /// Set after the write side was shut down: discard input until EOF or this deadline, then close.
    var lingerUntilMillis: Int64?
    /// When the current request's first byte arrived (header and body deadlines count from here).
    var requestStartedMillis: Int64?
    var lastActivityMillis: Int64
    var requestsServed = 0
    /// Set by the worker when the connection must close after its response.
    var closeAfterWorker = false
    /// When the request being handled started, for the access log.
    var requestStartNanos: UInt64 = 0

    init(fd: Int32, remoteAddress: String, now: Int64) {
        self.fd = fd
        self.remoteAddress = remoteAddress
        self.lastActivityMillis = now
    }

    /// Bytes received but not yet parsed.
    var unconsumed: Int { buffer.count - readIndex }

    /// Whether response bytes are waiting to be written.
    var hasPendingOutput: Bool { outputIndex < output.count }

    /// Drops consumed bytes so the buffer does not grow across keep-alive requests.
    func compact() {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 256 * 1024)
            readIndex = 0
        } else if readIndex >= 64 * 1024 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
    }
}
