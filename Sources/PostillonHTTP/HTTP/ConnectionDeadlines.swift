/// A connection's deadlines as pure decisions: given where the connection stands and the time
/// (an injected clock, in monotonic milliseconds), what must happen now. Each connection's
/// ``ConnectionStateMachine`` holds them and asks on every tick of the event loop's sweep, so
/// every timeout is tested from literals.
package struct ConnectionDeadlines: Sendable, Equatable {
    /// Where a connection stands, as far as its deadlines care.
    package enum Stage: Sendable, Equatable {
        /// Between requests with nothing buffered; the last byte moved at `lastActivity`.
        case idle(lastActivity: Int64)
        /// Part of a request head arrived; its first byte at `requestStarted`.
        case readingHead(requestStarted: Int64)
        /// The head is complete, the body is arriving; the request's first byte at `requestStarted`.
        case readingBody(requestStarted: Int64)
        /// Response bytes wait for the client since `outputStarted`.
        case writing(outputStarted: Int64)
        /// The write side is shut; input is discarded until `until`.
        case lingering(until: Int64)
        /// A worker owns the connection; the loop sets no deadline (the worker's writes have their own).
        case inWorker
        /// An event stream; `blockedSince` when the client stopped taking bytes (nil: it keeps up).
        /// No idle deadline: the producer's heartbeats keep the connection busy.
        case streaming(blockedSince: Int64?)
    }

    /// What the sweep must do with a connection.
    package enum Verdict: Sendable, Equatable {
        /// Nothing yet.
        case wait
        /// Close without a response (idle, shutting down, write timeout, linger over, a stream's client not reading).
        case close
        /// Answer 408 for a head that did not arrive in time, then close.
        case headTimedOut
        /// Answer 408 for a body that did not arrive in time, then close.
        case bodyTimedOut
    }

    package var headerMillis: Int64
    package var bodyMillis: Int64
    package var idleMillis: Int64
    package var writeMillis: Int64

    package init(headerMillis: Int64, bodyMillis: Int64, idleMillis: Int64, writeMillis: Int64) {
        self.headerMillis = headerMillis
        self.bodyMillis = bodyMillis
        self.idleMillis = idleMillis
        self.writeMillis = writeMillis
    }

    /// The deadlines of a server configuration.
    package init(_ configuration: HTTPServerConfiguration) {
        self.init(headerMillis: configuration.headerTimeoutMillis, bodyMillis: configuration.bodyTimeoutMillis,
                  idleMillis: configuration.idleTimeoutMillis, writeMillis: configuration.writeTimeoutMillis)
    }

    /// The verdict for a connection in `stage` at `now`. A deadline passes strictly after its
    /// length (a head may take exactly `headerMillis`); a draining server closes idle connections at once.
    package func verdict(_ stage: Stage, now: Int64, shuttingDown: Bool) -> Verdict {
        switch stage {
        case .inWorker:
            return .wait
        case .streaming(let blockedSince):
            guard let blockedSince else { return .wait }
            return now - blockedSince > writeMillis ? .close : .wait
        case .lingering(let until):
            return now >= until ? .close : .wait
        case .writing(let started):
            return now - started > writeMillis ? .close : .wait
        case .readingHead(let started):
            return now - started > headerMillis ? .headTimedOut : .wait
        case .readingBody(let started):
            return now - started > headerMillis + bodyMillis ? .bodyTimedOut : .wait
        case .idle(let lastActivity):
            return shuttingDown || now - lastActivity > idleMillis ? .close : .wait
        }
    }
}
