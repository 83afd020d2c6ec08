import Foundation
import Logging
@testable import Postillon
import PostillonTestSupport
import Testing
@testable import PostillonHTTP

@Suite struct RouterTests {
    let router = Router(routes: [
        Route(.GET, "/api/v1/messages") { _ in HTTPResponse(contentType: "text/plain", bytes: Array("list".utf8)) },
        Route(.GET, "/api/v1/messages/{id}") { context in HTTPResponse(contentType: "text/plain", bytes: Array(context.parameter("id").utf8)) },
        Route(.DELETE, "/api/v1/messages/{id}") { _ in HTTPResponse(status: .noContent) },
        Route(.GET, "/api/v1/fail") { _ in throw Problem(.conflict, code: "mailbox_locked", detail: "busy", headers: ["Retry-After": "5"]) },
        Route(.GET, "/api/v1/crash") { _ in throw SystemError(call: "secret-internal", code: 1) },
    ], fallback: { _ in HTTPResponse(contentType: "text/plain", bytes: Array("static".utf8)) }, logger: Logger(label: "test"))

    func call(_ method: HTTPMethod, _ target: String) -> HTTPResponse {
        let head = HTTPRequestHead(method: method, target: target)
        return router.respond(to: HTTPRequest(head: head), plan: router.plan(for: head))
    }

    func text(_ response: HTTPResponse) -> String {
        if case .bytes(let bytes) = response.body { return String(decoding: bytes, as: UTF8.self) }
        return ""
    }

    @Test func matchesLiteralsAndParameters() {
        #expect(text(call(.GET, "/api/v1/messages")) == "list")
        #expect(text(call(.GET, "/api/v1/messages/abc%2Fdef")) == "abc/def")
        #expect(text(call(.GET, "/api/v1/messages/x?y=1")) == "x")
        #expect(call(.DELETE, "/api/v1/messages/x").status == .noContent)
        #expect(call(.HEAD, "/api/v1/messages").status == .ok)
    }

    @Test func unknownPathsAre404ProblemsAndStaticFallbackOutsideAPI() {
        let response = call(.GET, "/api/v1/nothing")
        #expect(response.status == .notFound)
        #expect(response.headers["Content-Type"] == "application/problem+json")
        #expect(text(response).contains("\"code\":\"not_found\""))
        #expect(text(call(.GET, "/index.html")) == "static")
        #expect(call(.POST, "/index.html").status == .notFound)
    }

    @Test func wrongMethodIs405WithAllow() {
        let response = call(.PUT, "/api/v1/messages/x")
        #expect(response.status == .methodNotAllowed)
        #expect(response.headers["Allow"] == "GET, HEAD, DELETE")
        #expect(text(response).contains("\"code\":\"method_not_allowed\""))
    }

    @Test func thrownProblemsKeepCodeAndHeadersAndUnknownErrorsRevealNothing() {
        let failed = call(.GET, "/api/v1/fail")
        #expect(failed.status == .conflict)
        #expect(failed.headers["Retry-After"] == "5")
        #expect(text(failed).contains("\"code\":\"mailbox_locked\""))
        let crashed = call(.GET, "/api/v1/crash")
        #expect(crashed.status == .internalServerError)
        #expect(!text(crashed).contains("secret-internal"))
    }

    @Test func badPercentEncodingIs400() {
        #expect(call(.GET, "/api/v1/messages/%zz").status == .badRequest)
    }

    /// A route's pool reaches the plan, so the server runs it on that pool.
    @Test func theRoutesPoolIsInItsPlan() {
        let router = Router(routes: [
            Route(.POST, "/send", pool: "smtp") { _ in HTTPResponse(status: .ok) },
            Route(.GET, "/list") { _ in HTTPResponse(status: .ok) },
        ], logger: Logger(label: "test"))
        #expect(router.plan(for: HTTPRequestHead(method: .POST, target: "/send")).pool == "smtp")
        #expect(router.plan(for: HTTPRequestHead(method: .GET, target: "/list")).pool == nil)
    }

    /// Work on a named pool runs while the shared pool is blocked.
    @Test func aNamedPoolServesWhileTheSharedPoolIsBlocked() throws {
        let release = DispatchSemaphore(value: 0)
        let routes = TestServer.defaultRoutes + [
            Route(.GET, "/block") { _ in
                release.wait()
                return HTTPResponse(status: .ok)
            },
            Route(.GET, "/own", pool: "own") { _ in HTTPResponse(contentType: "text/plain", bytes: Array("own".utf8)) },
        ]
        let server = try TestServer(configure: { $0.workerThreads = 1; $0.workerPools = ["own": 1] }, routes: routes)
        defer { server.stop() }
        let blocked = try RawClient(port: server.port)
        blocked.send("GET /block HTTP/1.1\r\nHost: t\r\n\r\n")
        usleep(100_000)
        let client = try RawClient(port: server.port, timeoutMillis: 2000)
        client.send("GET /own HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(client.readResponse()?.text == "own")
        release.signal()
        #expect(blocked.readResponse()?.status == 200)
    }
}
