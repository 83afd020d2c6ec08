/// One client connection: its socket, its bytes, and its lifecycle (``ConnectionStateMachine``).
///
/// The event loop that accepted the connection owns this object and alone touches its state. While
/// the machine says `inWorker`, one worker thread uses `fd` (and only `fd`) to write the response;
/// it reports back through the loop's mutex-protected queue, which orders the memory accesses. Only
/// the owning loop closes the descriptor, so it is never reused under a worker.
///
/// Sendable: only the owning loop touches the mutable state; a worker uses just the immutable `fd` (see above).
final class Connection: @unchecked Sendable {
    /// How the current request's body is being read.
    enum BodyState {
        case none
        case length(Int)
        /// A `Content-Length` body going to a temporary file; `remaining` bytes are still to come.
        case spooling(remaining: Int, BodySpool)
        /// A chunked body: decoded bytes in memory until they pass the route's spool threshold,
        /// then in the spool (the array then holds only the latest decoded piece, briefly).
        case chunked(ChunkedBodyDecoder, [UInt8], BodySpool?)
    }

    /// The parser's working data for a request whose head was parsed (its body is being read).
    struct PendingBody {
        var head: HTTPRequestHead
        var plan: RequestPlan
        var state: BodyState
        var requestID: String
    }

    let fd: Int32
    let remoteAddress: String
    /// Where the connection is in its lifecycle; every deadline and close decision comes from here.
    var machine: ConnectionStateMachine
    /// Received bytes; the unconsumed ones start at `readIndex`.
    var buffer: [UInt8] = []
    var readIndex = 0
    /// Set from a parsed head until its request is complete (nil: the parser reads a head).
    var pendingBody: PendingBody?
    /// epoll reported the peer's end of input (or an error): a short read no longer means the
    /// socket is empty, so reading goes on until end of file or `EAGAIN`.
    var peerHungUp = false
    /// Response bytes the loop could not write yet.
    var output: [UInt8] = []
    var outputIndex = 0
    /// When the request being handled started, for the access log.
    var requestStartNanos: UInt64 = 0
    /// The current request body's share of the server's ``BodyBudget`` (released with this object).
    var bodyReservation: BodyBudget.Reservation?
    /// The event stream this connection carries, from its worker's return until the connection closes.
    var stream: ActiveStream?

    /// An event stream in progress and what its access-log line needs when it ends.
    struct ActiveStream {
        let handle: EventStreamHandle
        let requestID: String
        let method: HTTPMethod
        let path: Substring
        let startNanos: UInt64
        let remote: String
        let userAgent: String?
        let account: String?
        /// Bytes written so far, head included.
        var bytes = 0
    }

    init(fd: Int32, remoteAddress: String, machine: ConnectionStateMachine) {
        self.fd = fd
        self.remoteAddress = remoteAddress
        self.machine = machine
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
