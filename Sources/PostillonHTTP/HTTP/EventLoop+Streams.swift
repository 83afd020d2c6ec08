/// The loop's side of long-lived event streams (``HTTPResponseBody/eventStream(_:)``): taking a
/// stream from its worker, writing what the producer queues, and ending it. The decisions are the
/// ``ConnectionStateMachine``'s `streaming` state; the bytes wait in the ``EventStreamHandle``.
extension EventLoop {
    /// A worker returned an event stream on `connection`: queue its head, let the handle wake this
    /// loop, and write (ending it at once when the server is already draining).
    func startStream(_ connection: Connection, _ stream: Connection.ActiveStream, head: [UInt8]) {
        connection.stream = stream
        enqueue(connection, head)
        connection.stream?.bytes = head.count
        // The handle wakes this loop from any thread; the identity check in processReadyStreams
        // ignores a wake for a connection that closed meanwhile.
        stream.handle.attach { [self] in
            readyStreams.withLock { $0.append(connection) }
            wake()
        }
        perform(connection.machine.streamStarted(now: MonotonicClock.nowMillis()), on: connection)
        if context.isShuttingDown || !running, connections[connection.fd] === connection {
            perform(connection.machine.drain(unparsedBytes: 0), on: connection)
        }
    }

    /// Writes what producers queued on this loop's streams (or ends them).
    func processReadyStreams() {
        let ready = readyStreams.withLock { list -> [Connection] in
            defer { list.removeAll(keepingCapacity: true) }
            return list
        }
        for connection in ready where connections[connection.fd] === connection {
            // An overflow drops the connection even while its writes are blocked (that is when it happens).
            if connection.stream?.handle.closeReason == .overflow {
                perform(connection.machine.streamDropped(), on: connection)
            } else {
                perform(connection.machine.streamDataQueued(), on: connection)
            }
        }
    }

    /// Moves the producer's waiting bytes into the (written) output buffer, with the last chunk when
    /// the stream ends. Called by the flush only once earlier bytes are written: while the client
    /// does not read they wait in the handle, which bounds them.
    /// - Returns: the machine's action when the stream overflowed (drop the connection), else nil.
    func takeStreamBytes(_ connection: Connection) -> ConnectionStateMachine.Action? {
        guard let stream = connection.stream else { return nil }
        connection.output.removeAll(keepingCapacity: connection.output.capacity <= 64 * 1024)
        connection.outputIndex = 0
        let taken = stream.handle.take()
        if taken.drop { return connection.machine.streamDropped() }
        if !taken.bytes.isEmpty { enqueue(connection, taken.bytes) }
        connection.stream?.bytes += taken.bytes.count
        if taken.finish {
            enqueue(connection, EventStreamHandle.lastChunk)
            connection.stream?.bytes += EventStreamHandle.lastChunk.count
            _ = connection.machine.streamFinished(now: MonotonicClock.nowMillis())
        }
        return nil
    }

    /// The connection of a stream is closing: the producer learns at once (isClosed, onClose) and
    /// the stream's access-log line (its whole duration and bytes) is written now.
    func streamClosed(_ connection: Connection) {
        guard let stream = connection.stream else { return }
        connection.stream = nil
        stream.handle.detach()
        logAccess(requestID: stream.requestID, method: stream.method, path: stream.path, status: 200, bytes: stream.bytes,
                  startNanos: stream.startNanos, remote: stream.remote, userAgent: stream.userAgent, account: stream.account)
    }
}
