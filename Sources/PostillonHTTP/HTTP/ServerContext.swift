import Logging
import Synchronization

/// What every event loop and worker of one server shares.
final class ServerContext: Sendable {
    let configuration: HTTPServerConfiguration
    let responder: any HTTPResponder
    let logger: Logger
    let pool: WorkerPool
    /// The named pools of ``HTTPServerConfiguration/workerPools``.
    let pools: [String: WorkerPool]
    /// The access log, nil when off (`accessLog` false or a log level above info).
    let accessLog: AccessLog?
    /// Open connections across all loops.
    let activeConnections = Atomic<Int>(0)
    /// Set once graceful shutdown began: no keep-alive, idle connections close.
    let shuttingDown = Atomic<Bool>(false)
    /// Request-body bytes being received, over all loops.
    let bodyBudget: BodyBudget
    /// Requests whose handler runs or whose response is being written.
    let inFlight = Atomic<Int>(0)
    /// Told about each answered request (metrics); nil costs nothing.
    let observer: (any HTTPServerObserver)?

    init(configuration: HTTPServerConfiguration, responder: any HTTPResponder, logger: Logger, observer: (any HTTPServerObserver)? = nil) {
        self.configuration = configuration
        self.responder = responder
        self.logger = logger
        self.bodyBudget = BodyBudget(limitBytes: configuration.maxBodyBytesInFlight)
        self.observer = observer
        self.pool = WorkerPool(threads: configuration.workerThreads, maxQueued: configuration.maxQueuedRequests)
        self.accessLog = configuration.accessLog && logger.logLevel <= .info ? AccessLog(format: configuration.accessLogFormat, fd: configuration.accessLogDescriptor) : nil
        var pools: [String: WorkerPool] = [:]
        for (name, threads) in configuration.workerPools where threads > 0 {
            pools[name] = WorkerPool(threads: threads, maxQueued: configuration.maxQueuedRequests, name: "postillon-" + name)
        }
        self.pools = pools
    }

    /// The pool that runs a request with `plan`.
    func pool(for plan: RequestPlan) -> WorkerPool {
        plan.pool.flatMap { pools[$0] } ?? pool
    }

    /// Whether graceful shutdown began.
    var isShuttingDown: Bool { shuttingDown.load(ordering: .relaxed) }
}
