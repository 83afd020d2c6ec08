/// One connection's lifecycle as a pure value: the event loop reports what happened (events in)
/// and performs what the machine answers (actions out). It touches no socket and reads no clock:
/// every event that needs the time carries `now` (monotonic milliseconds), so each transition and
/// each deadline is tested from literals, the way Hummingbird tests `HTTPConnectionStateHandler`.
///
/// The cycle: `idle` -> `readingHead` -> `readingBody` (perhaps `writing` a 100 Continue first) ->
/// either `writing` an inline response or `inWorker` (a worker writes the response itself, streams
/// included, with its own backpressure and write deadlines) -> back to `idle`, or `lingering` ->
/// `closed`. Pipelined requests wait in the loop's buffer behind the one in flight: nothing is
/// parsed while a response is being written or a worker owns the socket.
///
/// A worker may instead return a long-lived event stream: the connection then stays `streaming`
/// (the loop writes what the stream's producer queues, input is discarded, a client that stops
/// reading for the write deadline is dropped) until the producer or a server drain ends it
/// (`writing` the last chunk, then `lingering`), or the client hangs up (`closed`). It never
/// returns to `idle`: the response says `Connection: close`.
///
/// The bytes themselves (the receive buffer, the parser's working data, the queued output) stay
/// with the shell (``Connection``); the machine only learns counts and outcomes.
package struct ConnectionStateMachine: Sendable, Equatable {
    /// Where the connection is in its request cycle.
    package enum State: Sendable, Equatable {
        /// Between requests: no byte of the next request has been parsed yet.
        case idle
        /// Part of a request head arrived; its first byte was parsed at `requestStarted`.
        case readingHead(requestStarted: Int64)
        /// The head is complete and the body is arriving (or is about to be handed on).
        case readingBody(requestStarted: Int64)
        /// Queued bytes (a response, a 100 Continue, an error) wait for the client since `since`.
        case writing(since: Int64, then: AfterWrite)
        /// A worker runs the handler and writes the response (streams with backpressure) on the socket.
        case inWorker
        /// A long-lived event stream the loop writes as its producer queues frames; `blockedSince`
        /// when the client stopped taking bytes (the write deadline counts from then).
        case streaming(blockedSince: Int64?)
        /// The write side is shut; input is discarded until EOF or `until`.
        case lingering(until: Int64)
        /// The shell closed (or must close) the socket; nothing happens any more.
        case closed
    }

    /// What follows once the queued bytes are written.
    package enum AfterWrite: Sendable, Equatable {
        /// A response went out and the connection stays open: parse the next (pipelined) request.
        case nextRequest
        /// A 100 Continue went out: read the body of the request that started at `requestStarted`.
        case body(requestStarted: Int64)
        /// The last response went out: linger, then close.
        case close
    }

    /// What the socket's read side is known to hold (epoll is edge-triggered).
    package enum Input: Sendable, Equatable {
        /// Bytes may be waiting: reading may find some.
        case open
        /// The last read found the socket empty and no event arrived since.
        case drained
        /// The peer closed its side, or the connection failed.
        case closed
    }

    /// How one round of reading ended.
    package enum ReadEnd: Sendable, Equatable {
        /// The socket had no more bytes (`EAGAIN`, or a short read).
        case drained
        /// End of file or a read error.
        case closed
        /// The connection's buffer cap was reached; the socket may hold more.
        case full
    }

    /// Which part of a request took too long.
    package enum Timeout: Sendable, Equatable {
        case head
        case body
    }

    /// What the shell must do next.
    package enum Action: Sendable, Equatable {
        /// Parse the buffered bytes (the head or the body, as the parser's working data says).
        case parse
        /// Read what the socket holds, then report ``readFinished(now:received:end:)``.
        case read
        /// Queue `100 Continue`, then ``flush``.
        case sendContinue
        /// Write the queued output, then report ``outputFlushed(now:)``, ``writeBlocked(now:)`` or ``writeFailed()``.
        case flush
        /// Nothing until the socket is readable (compact the buffer meanwhile).
        case waitForReadable
        /// Nothing until the socket is writable.
        case waitForWritable
        /// A worker owns the socket: touch nothing until it gives the connection back.
        case waitForWorker
        /// Nothing to do (a lingering socket with no input, or a closed one).
        case wait
        /// Shut the write side, then ``discardInput``.
        case lingerClose
        /// Read and drop what the socket holds, then report ``readFinished(now:received:end:)``.
        case discardInput
        /// Close the socket and forget the connection.
        case close
        /// Shut the socket in both directions so a worker writing to it stops (the loop is terminating).
        case shutdownSocket
        /// Answer 408 for the part that did not arrive in time, then report ``failed(now:)``.
        case answerTimeout(Timeout)
        /// End the event stream (the server drains): tell its producer, then ``flush`` what it queued and the last chunk.
        case endStream
    }

    /// How long a closing connection discards input so the client reads our last response instead of a reset.
    package static let lingerMillis: Int64 = 2000

    package private(set) var state: State = .idle
    package private(set) var input: Input = .open
    /// When a byte last arrived (or a worker gave the connection back): the idle deadline counts from here.
    package private(set) var lastActivity: Int64
    /// Requests answered on this connection.
    package private(set) var requestsServed = 0
    package let deadlines: ConnectionDeadlines
    /// Requests one connection may carry before it closes.
    package let maxRequests: Int

    /// A new connection, accepted at `now`.
    package init(now: Int64, deadlines: ConnectionDeadlines, maxRequests: Int) {
        lastActivity = now
        self.deadlines = deadlines
        self.maxRequests = maxRequests
    }

    // MARK: Questions the shell asks

    /// Whether a worker owns the socket.
    package var isInWorker: Bool { state == .inWorker }

    /// Whether the connection carries a live event stream.
    package var isStreaming: Bool {
        if case .streaming = state { return true }
        return false
    }

    /// Whether the next response may keep the connection open (the request-count limit).
    package var mayKeepAlive: Bool { requestsServed + 1 < maxRequests }

    /// Whether the peer half-closed and sent nothing more: answer, then close.
    package func peerHasLeft(unparsedBytes: Int) -> Bool { input == .closed && unparsedBytes == 0 }

    /// Where the connection stands for its deadlines (see ``ConnectionDeadlines``).
    package var deadlineStage: ConnectionDeadlines.Stage? {
        switch state {
        case .idle: return .idle(lastActivity: lastActivity)
        case .readingHead(let started): return .readingHead(requestStarted: started)
        case .readingBody(let started): return .readingBody(requestStarted: started)
        case .writing(let since, _): return .writing(outputStarted: since)
        case .inWorker: return .inWorker
        case .streaming(let blockedSince): return .streaming(blockedSince: blockedSince)
        case .lingering(let until): return .lingering(until: until)
        case .closed: return nil
        }
    }

    // MARK: Socket events

    /// epoll reported the socket (`readable`: input, hang-up or error; otherwise writable only).
    package mutating func socketEvent(readable: Bool) -> Action {
        if readable, input == .drained { input = .open }
        // A stream's client has nothing to say: what it sends is dropped, its hang-up ends the stream.
        if readable, isStreaming { return .discardInput }
        return resume()
    }

    /// What to do when the connection is picked up again.
    package func resume() -> Action {
        switch state {
        case .idle, .readingHead, .readingBody: return .parse
        case .writing, .streaming: return .flush
        case .inWorker: return .waitForWorker
        case .lingering: return .discardInput
        case .closed: return .wait
        }
    }

    /// A round of reading (or of discarding, while lingering) got `received` bytes and ended so.
    package mutating func readFinished(now: Int64, received: Int, end: ReadEnd) -> Action {
        if received > 0 { lastActivity = now }
        switch end {
        case .drained: if input != .closed { input = .drained }
        case .closed: input = .closed
        case .full: break
        }
        switch state {
        case .lingering:
            return input == .closed ? close() : .wait
        case .streaming:
            // The readable event may have been writable too (edge-triggered): write what waits.
            return input == .closed ? close() : .flush
        case .idle, .readingHead, .readingBody:
            if received > 0 { return .parse }
            return input == .closed ? close() : .waitForReadable
        case .writing, .inWorker, .closed:
            return .wait
        }
    }

    // MARK: Parser events

    /// The parser needs more bytes than are buffered.
    package mutating func needMoreBytes() -> Action {
        switch input {
        case .open: return .read
        case .drained: return .waitForReadable
        case .closed: return close()
        }
    }

    /// The parser is about to look at the first buffered byte of a request: its deadline starts.
    package mutating func headStarted(now: Int64) {
        if state == .idle { state = .readingHead(requestStarted: now) }
    }

    /// A complete head was parsed. A client that asked for `100 Continue` gets it before its body,
    /// unless the body (or part of it) is already here.
    package mutating func headParsed(now: Int64, hasBody: Bool, expectsContinue: Bool, bodyBytesBuffered: Bool) -> Action {
        let started: Int64
        if case .readingHead(let requestStarted) = state { started = requestStarted } else { started = now }
        if hasBody, expectsContinue, !bodyBytesBuffered {
            state = .writing(since: now, then: .body(requestStarted: started))
            return .sendContinue
        }
        state = .readingBody(requestStarted: started)
        return .parse
    }

    /// An error answer (bad request, too large, timed out, server busy) was queued: write it, then close.
    package mutating func failed(now: Int64) -> Action {
        state = .writing(since: now, then: .close)
        return .flush
    }

    // MARK: Handler events

    /// An inline handler's response was queued.
    package mutating func respondedInline(now: Int64, keepAlive: Bool) -> Action {
        requestsServed += 1
        state = .writing(since: now, then: keepAlive ? .nextRequest : .close)
        return .flush
    }

    /// The request went to a worker, which now owns the socket.
    package mutating func dispatchedToWorker() -> Action {
        state = .inWorker
        return .waitForWorker
    }

    /// A worker gave the connection back after writing its response; `mustClose` when the response
    /// said `Connection: close`, the write failed or was cut (an aborted stream), or the loop is stopping.
    package mutating func workerFinished(now: Int64, mustClose: Bool) -> Action {
        requestsServed += 1
        if mustClose { return startLinger(now: now) }
        lastActivity = now
        state = .idle
        return .parse
    }

    // MARK: Event streams

    /// A worker returned an event stream; the shell queued its head: write it, then what the producer queues.
    package mutating func streamStarted(now: Int64) -> Action {
        requestsServed += 1
        lastActivity = now
        state = .streaming(blockedSince: nil)
        return .flush
    }

    /// The producer queued bytes (or ended the stream): write them unless the client is not taking bytes.
    package func streamDataQueued() -> Action {
        guard case .streaming(let blockedSince) = state else { return .wait }
        return blockedSince == nil ? .flush : .wait
    }

    /// The stream ended gracefully (its producer closed it, or the server drains); the shell queued
    /// the last chunk: write it, then linger and close.
    package mutating func streamFinished(now: Int64) -> Action {
        guard isStreaming else { return resume() }
        state = .writing(since: now, then: .close)
        return .flush
    }

    /// The stream's buffer overflowed (the client does not read): close without further ado.
    package mutating func streamDropped() -> Action {
        close()
    }

    // MARK: Write events

    /// All queued output was written.
    package mutating func outputFlushed(now: Int64) -> Action {
        if case .streaming = state {
            state = .streaming(blockedSince: nil)
            return .wait
        }
        guard case .writing(_, let then) = state else { return resume() }
        switch then {
        case .nextRequest:
            state = .idle
            return .parse
        case .body(let started):
            state = .readingBody(requestStarted: started)
            return .parse
        case .close:
            return startLinger(now: now)
        }
    }

    /// The socket took only part of the output at `now`; a stream's write deadline starts.
    package mutating func writeBlocked(now: Int64) -> Action {
        if case .streaming(nil) = state { state = .streaming(blockedSince: now) }
        return .waitForWritable
    }

    /// Writing failed (the peer is gone).
    package mutating func writeFailed() -> Action {
        input = .closed
        return close()
    }

    // MARK: Time and shutdown

    /// The loop's periodic sweep at `now`: enforces the deadline of the connection's stage.
    package mutating func tick(now: Int64, shuttingDown: Bool) -> Action {
        guard let stage = deadlineStage else { return .wait }
        switch deadlines.verdict(stage, now: now, shuttingDown: shuttingDown) {
        case .wait: return .wait
        case .close: return close()
        case .headTimedOut: return .answerTimeout(.head)
        case .bodyTimedOut: return .answerTimeout(.body)
        }
    }

    /// The server stopped accepting: a connection between requests with nothing buffered closes
    /// now; an event stream ends (last chunk, then close); the others finish their request first
    /// (the response then says `Connection: close`).
    package mutating func drain(unparsedBytes: Int) -> Action {
        if isStreaming { return .endStream }
        guard state == .idle, unparsedBytes == 0 else { return .wait }
        return close()
    }

    /// The loop is terminating: close, or make a worker's writes fail so it gives the connection back.
    package mutating func terminate() -> Action {
        if state == .inWorker { return .shutdownSocket }
        return close()
    }

    // MARK: Helpers

    private mutating func startLinger(now: Int64) -> Action {
        state = .lingering(until: now + Self.lingerMillis)
        return .lingerClose
    }

    private mutating func close() -> Action {
        state = .closed
        return .close
    }
}
