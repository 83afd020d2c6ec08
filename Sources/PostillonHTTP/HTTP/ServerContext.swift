import Logging
import Synchronization

/// What every event loop and worker of one server shares.
final class ServerContext: Sendable {
    let configuration: HTTPServerConfiguration
    let responder: any HTTPResponder
    let logger: Logger
    let pool: WorkerPool
    /// Open connections across all loops.
    let activeConnections = Atomic<Int>(0)
    /// Set once graceful shutdown began: no keep-alive, idle connections close.
    let shuttingDown = Atomic<Bool>(false)
    /// Requests whose handler runs or whose response is being written.
    let inFlight = Atomic<Int>(0)
    /// Told about each answered request (metrics); nil costs nothing.
    let observer: (any HTTPServerObserver)?

    init(configuration: HTTPServerConfiguration, responder: any HTTPResponder, logger: Logger, observer: (any HTTPServerObserver)? = nil) {
        self.configuration = configuration
        self.responder = responder
        self.logger = logger
        self.observer = observer
        self.pool = WorkerPool(threads: configuration.workerThreads, maxQueued: configuration.maxQueuedRequests)
    }

    /// Whether graceful shutdown began.
    var isShuttingDown: Bool { shuttingDown.load(ordering: .relaxed) }

    /// Logs one access-log line for a finished request.
    func logAccess(requestID: String, method: HTTPMethod, path: Substring, status: Int, bytes: Int, startNanos: UInt64, remote: String) {
        guard configuration.accessLog, logger.logLevel <= .info else { return }
        let micros = (MonotonicClock.nowNanos() &- startNanos) / 1000
        logger.info("request", metadata: [
            "request.id": .string(requestID),
            "method": .string(method.rawValue),
            "path": .string(String(path)),
            "status": .stringConvertible(status),
            "bytes": .stringConvertible(bytes),
            "duration_ms": .string(String(format3(Double(micros) / 1000))),
            "remote": .string(remote),
        ])
    }

    private func format3(_ value: Double) -> String {
        let scaled = (value * 1000).rounded() / 1000
        return String(scaled)
    }
}
