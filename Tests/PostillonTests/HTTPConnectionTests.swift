#if canImport(Glibc)
import Glibc
#endif
import Foundation
@testable import Postillon
import PostillonTestSupport
import Testing
@testable import PostillonHTTP

@Suite(.serialized) struct HTTPConnectionTests {
    /// Regression (issue 11): behind a trusted proxy that appends its own X-Forwarded-For line,
    /// only the client's (spoofable) first line was read.
    @Test func everyForwardedForLineCountsBehindATrustedProxy() throws {
        let server = try TestServer(configure: { $0.trustedProxies = [IPNetwork("127.0.0.1")!] }, routes: [
            Route(.GET, "/client") { context in HTTPResponse(contentType: "text/plain", bytes: Array(context.request.clientAddress.utf8)) },
        ])
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send("GET /client HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 198.51.100.9\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n")
        #expect(client.readResponse()?.text == "203.0.113.7")
        client.send("GET /client HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 198.51.100.9, 10.0.0.1\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n")
        #expect(client.readResponse()?.text == "10.0.0.1")
        client.send("GET /client HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(client.readResponse()?.text == "127.0.0.1")
    }

    @Test func keepAliveServesSeveralRequestsOnOneConnection() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        for _ in 0..<3 {
            client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try #require(client.readResponse())
            #expect(response.status == 200)
            #expect(response.text == "hello")
            #expect(response.headers["Connection"] == nil)
            #expect(response.headers["X-Request-Id"] != nil)
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\nGET /inline HTTP/1.1\r\nHost: t\r\n\r\nGET /items/7 HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nping")
        #expect(client.readResponse()?.text == "slow")
        #expect(client.readResponse()?.text == "inline")
        #expect(client.readResponse()?.text == "item 7")
        #expect(client.readResponse()?.text == "ping")
    }

    @Test func requestIdIsEchoedWhenSafe() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Request-Id: abc-123\r\n\r\n")
        #expect(client.readResponse()?.headers["X-Request-Id"] == "abc-123")
        client.send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Request-Id: <script>\r\n\r\n")
        #expect(client.readResponse()?.headers["X-Request-Id"] != "<script>")
    }

    @Test func chunkedRequestBody() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n")
        let response = try #require(client.readResponse())
        #expect(response.status == 200)
        #expect(response.text == "Wikipedia")
    }

    @Test func expectContinueGets100BeforeTheBody() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        let interim = try #require(client.readResponse())
        #expect(interim.status == 100)
        client.send("hello")
        #expect(client.readResponse()?.text == "hello")
    }

    @Test func expectContinueWithTooLargeBodyGets413WithoutContinue() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n")
        let response = try #require(client.readResponse())
        #expect(response.status == 413)
        #expect(response.text.contains("\"code\":\"payload_too_large\""))
        #expect(client.waitForClose())
    }

    @Test func chunkedBodyOverTheLimitGets413() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" + String(repeating: "x", count: 2048) + "\r\n0\r\n\r\n")
        #expect(client.readResponse()?.status == 413)
    }

    @Test func headResponsesHaveNoBody() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\nGET /inline HTTP/1.1\r\nHost: t\r\n\r\n")
        let head = try #require(client.readResponse(headRequest: true))
        #expect(head.status == 200)
        #expect(head.headers["Content-Length"] == "5")
        #expect(client.readResponse()?.text == "inline")
    }

    @Test func streamedResponsesAreChunked() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try #require(client.readResponse())
        #expect(response.headers["Transfer-Encoding"] == "chunked")
        #expect(response.text == "one two three")
    }

    @Test(arguments: [
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc",
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n",
        "GET /hello HTTP/1.1\r\nHost: t\r\nX-A: b\r\n c\r\n\r\n",
        "GET /hello HTTP/1.1\nHost: t\n\n",
    ])
    func smugglingAttemptsGet400AndClose(request: String) throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send(request + "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try #require(client.readResponse())
        #expect(response.status == 400)
        #expect(response.headers["Content-Type"] == "application/problem+json")
        #expect(response.headers["Connection"] == "close")
        #expect(client.waitForClose(), "the smuggled second request must not be answered")
    }

    @Test func oversizedHeadersGet431AndLongLinesGet414() throws {
        let server = try TestServer()
        defer { server.stop() }
        let big = try RawClient(port: server.port)
        big.send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " + String(repeating: "a", count: 1 << 20) + "\r\n\r\n")
        #expect(big.readResponse()?.status == 431)
        let long = try RawClient(port: server.port)
        long.send("GET /" + String(repeating: "a", count: 20_000) + " HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(long.readResponse()?.status == 414)
    }

    @Test func slowHeaderIsCutWith408AtTheDeadline() throws {
        let server = try TestServer(configure: { $0.headerTimeoutMillis = 600 })
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send("GET /hello HTTP/1.1\r\n")
        usleep(300_000)
        client.send("Host: t\r\n")
        let response = try #require(client.readResponse())
        // When it fires is ConnectionDeadlinesTests' job (mock clock); here: the 408 and the close.
        #expect(response.status == 408)
        #expect(client.waitForClose())
    }

    @Test func idleKeepAliveConnectionsAreClosed() throws {
        let server = try TestServer(configure: { $0.idleTimeoutMillis = 400 })
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(client.readResponse()?.status == 200)
        #expect(client.waitForClose())
    }

    @Test func connectionLimitAnswers503() throws {
        let server = try TestServer(configure: { $0.maxConnections = 2 })
        defer { server.stop() }
        let first = try RawClient(port: server.port)
        let second = try RawClient(port: server.port)
        first.send("GET /inline HTTP/1.1\r\nHost: t\r\n\r\n")
        second.send("GET /inline HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(first.readResponse()?.status == 200)
        #expect(second.readResponse()?.status == 200)
        let third = try RawClient(port: server.port)
        let response = try #require(third.readResponse())
        #expect(response.status == 503)
        #expect(response.text.contains("too_many_connections"))
    }

    @Test func http10ClosesAfterTheResponse() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send("GET /hello HTTP/1.0\r\n\r\n")
        let response = try #require(client.readResponse())
        #expect(response.status == 200)
        #expect(response.headers["Connection"] == "close")
        #expect(client.waitForClose())
    }

    @Test func gracefulShutdownFinishesInFlightRequests() throws {
        let entered = DispatchSemaphore(value: 0)
        let routes = TestServer.defaultRoutes + [Route(.GET, "/slow-entered") { _ in
            entered.signal()
            usleep(300_000)
            return HTTPResponse(contentType: "text/plain", bytes: Array("slow".utf8))
        }]
        let server = try TestServer(routes: routes)
        let busy = try RawClient(port: server.port)
        let idle = try RawClient(port: server.port)
        idle.send("GET /inline HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(idle.readResponse()?.status == 200)
        busy.send("GET /slow-entered HTTP/1.1\r\nHost: t\r\n\r\n")
        entered.wait()  // the request is in its handler: shutdown must let it finish
        let stopper = Thread { server.stop(timeoutMillis: 5000) }
        stopper.start()
        let response = try #require(busy.readResponse())
        #expect(response.status == 200)
        #expect(response.text == "slow")
        #expect(response.headers["Connection"] == "close")
        #expect(idle.waitForClose())
        server.server.waitUntilStopped()
        #expect(throws: SystemError.self) { _ = try RawClient(port: server.port) }
    }

    /// Before the fix the listening socket stayed open during the drain: the kernel accepted new
    /// connections into the backlog and they hung until the final close.
    @Test func newConnectionsAreRefusedAsSoonAsShutdownBegins() throws {
        let routes = TestServer.defaultRoutes + [Route(.GET, "/drain") { _ in
            usleep(1_500_000)
            return HTTPResponse(contentType: "text/plain", bytes: Array("drained".utf8))
        }]
        let server = try TestServer(routes: routes)
        let busy = try RawClient(port: server.port, timeoutMillis: 10_000)
        busy.send("GET /drain HTTP/1.1\r\nHost: t\r\n\r\n")
        usleep(100_000)
        let stopper = Thread { server.stop(timeoutMillis: 10_000) }
        stopper.start()
        usleep(200_000)
        // Refused outright (the listener is closed), not accepted into a backlog nobody serves.
        #expect(throws: SystemError(call: "connect", code: ECONNREFUSED)) { _ = try RawClient(port: server.port, timeoutMillis: 1000) }
        let response = try #require(busy.readResponse())
        #expect(response.text == "drained")
        server.server.waitUntilStopped()
    }

    @Test func manyIdleConnectionsDoNotBlockNewRequests() throws {
        let server = try TestServer()
        defer { server.stop() }
        let idle = try (0..<300).map { _ in try RawClient(port: server.port) }
        let client = try RawClient(port: server.port)
        client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(client.readResponse()?.text == "hello")
        #expect(server.server.connectionCount == 301)
        withExtendedLifetime(idle) {}
    }
}
