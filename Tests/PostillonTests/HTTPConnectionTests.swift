#if canImport(Glibc)
import Glibc
#endif
import Foundation
@testable import Postillon
import PostillonTestSupport
import Testing
@testable import PostillonHTTP

@Suite(.serialized) struct HTTPConnectionTests {
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
        let started = Date()
        client.send("GET /hello HTTP/1.1\r\n")
        usleep(300_000)
        client.send("Host: t\r\n")
        let response = try #require(client.readResponse())
        let elapsed = Date().timeIntervalSince(started)
        #expect(response.status == 408)
        #expect(elapsed >= 0.55 && elapsed < 2.0)
        #expect(client.waitForClose())
    }

    @Test func idleKeepAliveConnectionsAreClosed() throws {
        let server = try TestServer(configure: { $0.idleTimeoutMillis = 400 })
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(client.readResponse()?.status == 200)
        let started = Date()
        #expect(client.waitForClose())
        #expect(Date().timeIntervalSince(started) < 2.0)
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
        let server = try TestServer()
        let busy = try RawClient(port: server.port)
        let idle = try RawClient(port: server.port)
        idle.send("GET /inline HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(idle.readResponse()?.status == 200)
        busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        usleep(50_000)
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
