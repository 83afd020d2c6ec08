import Dispatch
import Logging
import Postillon

#if canImport(Glibc)
import Glibc
#endif

/// Starts the server and blocks until a signal has stopped it gracefully.
enum Server {
    static func run(configuration: Postillon.Configuration, logger: Logger) throws {
        signal(SIGPIPE, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let server: HTTPServer
        do {
            server = try Application.buildServer(configuration: configuration, logger: logger)
            try server.start()
        } catch {
            logger.critical("cannot start", metadata: ["error": .string("\(error)")])
            throw error
        }
        logger.notice("postillon started", metadata: [
            "version": .string(Version.current),
            "pop3": .string(configuration.pop3.description),
            "smtp": .string(configuration.smtp.description),
        ])
        let queue = DispatchQueue(label: "postillon.signals")
        let sources = [SIGTERM, SIGINT].map { number -> any DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                logger.notice("shutting down", metadata: ["signal": .stringConvertible(number)])
                server.shutdown(timeoutMillis: configuration.shutdownTimeoutMillis)
            }
            source.resume()
            return source
        }
        server.waitUntilStopped()
        withExtendedLifetime(sources) {}
    }
}
