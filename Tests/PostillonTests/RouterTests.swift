import Logging
@testable import Postillon
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
}
