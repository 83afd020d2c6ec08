#if canImport(Glibc)
import Glibc
#endif
import Logging
import Postillon
import PostillonHTTP

/// Starts an ``HTTPServer`` on a free loopback port with test routes, and stops it.
/// An HTTPServer on a free loopback port with test routes.
package final class TestServer: Sendable {
    package let server: HTTPServer
    package var port: Int { server.port }

    package init(configure: (inout HTTPServerConfiguration) -> Void = { _ in }, routes: [Route] = TestServer.defaultRoutes) throws {
        var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.workerThreads = 4
        configuration.eventLoops = 1
        configuration.accessLog = false
        configure(&configuration)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let router = Router(routes: routes, logger: logger)
        server = HTTPServer(configuration: configuration, responder: router, logger: logger)
        try server.start()
    }

    package func stop(timeoutMillis: Int64 = 2000) {
        server.shutdown(timeoutMillis: timeoutMillis)
    }

    package static let defaultRoutes: [Route] = [
        Route(.GET, "/inline", runsInline: true) { _ in HTTPResponse(contentType: "text/plain", bytes: Array("inline".utf8)) },
        Route(.GET, "/hello") { _ in HTTPResponse(contentType: "text/plain", bytes: Array("hello".utf8)) },
        Route(.GET, "/items/{id}") { context in HTTPResponse(contentType: "text/plain", bytes: Array("item \(context.parameter("id"))".utf8)) },
        Route(.POST, "/echo", maxBodyBytes: 1024) { context in HTTPResponse(contentType: "application/octet-stream", bytes: context.request.body) },
        Route(.GET, "/slow") { _ in
            usleep(300_000)
            return HTTPResponse(contentType: "text/plain", bytes: Array("slow".utf8))
        },
        Route(.GET, "/stream") { _ in
            HTTPResponse(headers: ["Content-Type": "text/plain"], body: .stream(length: nil) { writer in
                for part in ["one ", "two ", "three"] { try writer.write(Array(part.utf8)) }
            })
        },
    ]
}
