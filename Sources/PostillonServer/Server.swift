import Dispatch
import Synchronization
import Logging
import Postillon

#if canImport(Glibc)
import Glibc
import PostillonHTTP
#endif

/// Starts the server and blocks until a signal has stopped it gracefully.
enum Server {
    static func run(configuration: Postillon.Configuration, logger: Logger) throws {
        signal(SIGPIPE, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        // Listen for the signals before anything slow happens (opening the state store, binding): a
        // SIGTERM during start-up used to be ignored and lost, leaving a process that would not stop.
        let stop = StopSwitch()
        let queue = DispatchQueue(label: "postillon.signals")
        let sources = [SIGTERM, SIGINT].map { number -> any DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                logger.notice("shutting down", metadata: ["signal": .stringConvertible(number)])
                stop.request()
            }
            source.resume()
            return source
        }
        raiseFileLimit(wanted: configuration.http.maxConnections, logger: logger)
        let server: HTTPServer
        let services: AppServices
        let metricsServer: HTTPServer?
        do {
            services = try AppServices.live(configuration: configuration, logger: logger)
            server = try Application.buildServer(services: services)
            metricsServer = Application.buildMetricsServer(configuration: configuration, logger: logger)
            try metricsServer?.start()
            try server.start()
        } catch {
            logger.critical("cannot start", metadata: ["error": .string("\(error)")])
            throw error
        }
        logger.notice("postillon started", metadata: [
            "version": .string(Version.current),
            "pop3": .string(configuration.pop3.description),
            "smtp": .string(configuration.smtp.description),
            "metrics": .string(metricsServer.map { "http://\(configuration.metricsListen!.host):\($0.port)/metrics" }
                ?? (configuration.metricsEnabled ? "/metrics with --operator-token" : "off")),
        ])
        stop.arm {
            metricsServer?.shutdown(timeoutMillis: 1000)
            server.shutdown(timeoutMillis: configuration.shutdownTimeoutMillis)
        }
        server.waitUntilStopped()
        services.search?.indexer.stop()  // indexing jobs end after their current round
        services.mailbox.shutdown()  // QUIT on parked POP3 sessions
        withExtendedLifetime(sources) {}
        // Leave without running atexit handlers: libraries' exit-time cleanup (OpenSSL's among
        // them) would race with worker threads that are still winding down their thread-locals,
        // which crashed the process after a clean shutdown. Everything worth keeping is done.
        fflush(nil)  // every output stream
        _exit(0)
    }

    /// Raises the soft open-file limit towards the hard limit so `--max-connections` can be reached
    /// (each connection is one descriptor; upstream sessions and spool files need some more).
    static func raiseFileLimit(wanted: Int, logger: Logger) {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        let needed = rlim_t(wanted + 256)
        if limit.rlim_cur < needed {
            limit.rlim_cur = min(needed, limit.rlim_max)
            setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        }
        if limit.rlim_cur < needed {
            logger.warning("the open-file limit is lower than --max-connections needs; connections beyond it wait in the backlog",
                           metadata: ["limit": .stringConvertible(limit.rlim_cur), "max-connections": .stringConvertible(wanted)])
        }
    }

    /// What a stop signal does: runs the stop action once one is armed, or right when it is armed
    /// if the signal came first (during start-up).
    final class StopSwitch: Sendable {
        private let state = Mutex<(requested: Bool, action: (@Sendable () -> Void)?)>((false, nil))

        /// A signal arrived.
        func request() {
            let action = state.withLock { state -> (@Sendable () -> Void)? in
                state.requested = true
                return state.action
            }
            action?()
        }

        /// The server runs: from now on a signal runs `action` (at once if one already arrived).
        func arm(_ action: @escaping @Sendable () -> Void) {
            let requested = state.withLock { state -> Bool in
                state.action = action
                return state.requested
            }
            if requested { action() }
        }
    }
}
