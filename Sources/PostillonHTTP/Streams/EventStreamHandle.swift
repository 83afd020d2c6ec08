import Synchronization

/// The producer's side of a long-lived `text/event-stream` response that the event loop, not a
/// worker, keeps writing (``HTTPResponseBody/eventStream(_:)``).
///
/// A handler creates the handle, hands it to whatever produces events, and returns it as the
/// response body from its worker. The loop then writes the head, keeps the connection in the
/// `streaming` state of its ``ConnectionStateMachine`` and writes what ``send(_:)`` queues, from
/// any thread, as one chunk per call (the response is chunked: a producer's ``close()`` ends it
/// with the last chunk, which tells a client a clean end from a cut connection).
///
/// Memory is bounded: frames wait here only while the client does not take them, and a frame that
/// would make the waiting bytes exceed ``maxBufferedBytes`` closes the stream (reason
/// ``CloseReason/overflow``) and the loop drops the connection: a client that stops reading is
/// disconnected, it never blocks the loop nor grows the buffer. Every end (producer, client
/// hang-up, overflow, write timeout, server shutdown) sets ``isClosed`` and runs the
/// ``onClose(_:)`` callbacks once.
///
/// Sendable: every mutable field is behind one `Mutex`; callbacks run outside it.
package final class EventStreamHandle: Sendable {
    /// Why a stream ended.
    package enum CloseReason: Sendable, Equatable {
        /// The producer called ``close()``; queued frames and the last chunk are still written.
        case producer
        /// The client hung up, the connection failed, or the client stopped reading for the write timeout.
        case clientGone
        /// The client did not read and the waiting frames passed ``maxBufferedBytes``.
        case overflow
        /// The server is shutting down.
        case shutdown
    }

    /// What the loop takes from the handle when it can write.
    struct Taken {
        /// Chunk-framed bytes to write.
        var bytes: [UInt8]
        /// Write the bytes and the last chunk, then close (producer or shutdown).
        var finish: Bool
        /// Drop the connection now (overflow).
        var drop: Bool
    }

    private struct State {
        var pending: [UInt8] = []
        var closed: CloseReason?
        /// Wakes the owning loop; set while the loop holds the stream.
        var notify: (@Sendable () -> Void)?
        /// A wake is on its way: later sends need not wake again until the loop takes the bytes.
        var notified = false
        var callbacks: [@Sendable (CloseReason) -> Void] = []
    }

    /// The most chunk-framed bytes that may wait for a slow client.
    package let maxBufferedBytes: Int
    private let state = Mutex(State())

    /// Creates a handle whose waiting bytes may reach `maxBufferedBytes` (at least 1 KiB).
    package init(maxBufferedBytes: Int = 256 * 1024) {
        self.maxBufferedBytes = max(1024, maxBufferedBytes)
    }

    /// Whether the stream ended (for any ``CloseReason``); a producer stops sending then.
    package var isClosed: Bool { state.withLock { $0.closed != nil } }

    /// Why the stream ended, or nil while it is open.
    package var closeReason: CloseReason? { state.withLock { $0.closed } }

    /// Chunk-framed bytes waiting for the client (for tests and statistics).
    package var bufferedBytes: Int { state.withLock { $0.pending.count } }

    /// Queues one piece of the stream (an SSE frame or comment) to be written as one chunk, from any
    /// thread, without blocking.
    /// - Returns: false when the stream is closed, or when this piece would pass ``maxBufferedBytes``
    ///   (the stream then closes with ``CloseReason/overflow``).
    @discardableResult
    package func send(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return !isClosed }
        let chunk = Self.chunk(bytes)
        var wake: (@Sendable () -> Void)?
        var overflowCallbacks: [@Sendable (CloseReason) -> Void] = []
        let accepted = state.withLock { state -> Bool in
            guard state.closed == nil else { return false }
            if state.pending.count + chunk.count > maxBufferedBytes {
                state.closed = .overflow
                state.pending = []
                overflowCallbacks = state.callbacks
                state.callbacks = []
            } else {
                state.pending.append(contentsOf: chunk)
            }
            // An overflow always wakes the loop: an earlier wake may have found the socket blocked.
            if !state.notified || state.closed != nil, let notify = state.notify {
                state.notified = true
                wake = notify
            }
            return state.closed == nil
        }
        wake?()
        for callback in overflowCallbacks { callback(.overflow) }
        return accepted
    }

    /// Ends the stream from the producer's side: what is queued is still written, then the last chunk.
    package func close() { end(.producer) }

    /// Runs `callback` once when the stream ends (at once, on this thread, when it already has).
    package func onClose(_ callback: @escaping @Sendable (CloseReason) -> Void) {
        let reason = state.withLock { state -> CloseReason? in
            if state.closed == nil { state.callbacks.append(callback) }
            return state.closed
        }
        if let reason { callback(reason) }
    }

    // MARK: The loop's side

    /// Marks the stream ended for `reason` (first reason wins) and wakes the loop so it acts on it.
    func end(_ reason: CloseReason) {
        var wake: (@Sendable () -> Void)?
        var callbacks: [@Sendable (CloseReason) -> Void] = []
        state.withLock { state in
            guard state.closed == nil else { return }
            state.closed = reason
            callbacks = state.callbacks
            state.callbacks = []
            if !state.notified, let notify = state.notify {
                state.notified = true
                wake = notify
            }
        }
        wake?()
        for callback in callbacks { callback(reason) }
    }

    /// The loop took the stream: `notify` wakes it when bytes or an end arrive. Bytes queued before
    /// are taken by the loop's first flush.
    func attach(_ notify: @escaping @Sendable () -> Void) {
        state.withLock { state in
            state.notify = notify
            state.notified = false
        }
    }

    /// Takes the waiting bytes and says how the stream goes on (loop thread).
    func take() -> Taken {
        state.withLock { state in
            state.notified = false
            let bytes = state.pending
            state.pending = []
            switch state.closed {
            case nil: return Taken(bytes: bytes, finish: false, drop: false)
            case .producer?, .shutdown?: return Taken(bytes: bytes, finish: true, drop: false)
            case .overflow?, .clientGone?: return Taken(bytes: [], finish: false, drop: true)
            }
        }
    }

    /// The connection is gone (loop thread): the stream ends as `clientGone` unless it already
    /// ended, and the loop's wake-up is released.
    func detach() {
        end(.clientGone)
        state.withLock { state in
            state.notify = nil
            state.pending = []
        }
    }

    /// `bytes` as one HTTP/1.1 chunk: hex length, CRLF, the bytes, CRLF.
    static func chunk(_ bytes: [UInt8]) -> [UInt8] {
        var out = Array(String(bytes.count, radix: 16).utf8)
        out.reserveCapacity(out.count + bytes.count + 4)
        out.append(ASCII.cr)
        out.append(ASCII.lf)
        out.append(contentsOf: bytes)
        out.append(ASCII.cr)
        out.append(ASCII.lf)
        return out
    }

    /// The last chunk of a chunked body (no trailers).
    static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)
}
