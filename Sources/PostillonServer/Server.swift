import Dispatch
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
        let queue = DispatchQueue(label: "postillon.signals")
        let sources = [SIGTERM, SIGINT].map { number -> any DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                logger.notice("shutting down", metadata: ["signal": .stringConvertible(number)])
                metricsServer?.shutdown(timeoutMillis: 1000)
                server.shutdown(timeoutMillis: configuration.shutdownTimeoutMillis)
            }
            source.resume()
            return source
        }
        server.waitUntilStopped()
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
}
