import Logging
@testable import PostillonHTTP
import Testing

/// `CORSPolicy` from literals, and `CORSResponder` around a twin responder (issue 16: CORS).
@Suite struct CORSPolicyTests {
    let policy: CORSPolicy

    init() throws {
        policy = try CORSPolicy(origins: ["https://app.example.org", "http://127.0.0.1:26081"])
    }

    @Test func originsMustBeExactHTTPOrigins() throws {
        for bad in ["*", "null", "app.example.org", "https://app.example.org/path", "ftp://x.org", "https://a.org:0",
                    "https://a.org:99999", "https://user@a.org", "https://", "https://a.org?x=1"] {
            #expect(throws: CORSPolicyError.self, "\(bad)") { try CORSPolicy(origins: [bad]) }
        }
        let normalised = try CORSPolicy(origins: ["HTTPS://App.Example.org:443/", "http://[::1]:8080"])
        #expect(normalised.origins == ["https://app.example.org", "http://[::1]:8080"])
        #expect(try CORSPolicy(origins: []).isEnabled == false)
    }

    @Test func allowsOnlyListedOrigins() {
        #expect(policy.allows(origin: "https://app.example.org"))
        #expect(policy.allows(origin: "https://APP.example.org:443"))
        #expect(!policy.allows(origin: "https://app.example.org.evil.test"))
        #expect(!policy.allows(origin: "http://app.example.org"))
        #expect(!policy.allows(origin: "null"))
        #expect(!policy.allows(origin: "http://127.0.0.1:26082"))
    }

    @Test func preflightAnswersMethodsHeadersAndMaxAge() throws {
        let headers = try policy.preflight(origin: "https://app.example.org", requestMethod: "POST",
                                           requestHeaders: "authorization, content-type,Idempotency-Key").get()
        #expect(headers["Access-Control-Allow-Origin"] == "https://app.example.org")
        #expect(headers["Access-Control-Allow-Methods"]?.contains("DELETE") == true)
        let allowed = (headers["Access-Control-Allow-Headers"] ?? "").lowercased()
        for name in ["authorization", "content-type", "idempotency-key"] { #expect(allowed.contains(name)) }
        #expect(headers["Access-Control-Max-Age"] == "600")
        #expect(headers["Vary"]?.contains("Origin") == true)
        #expect(headers["Access-Control-Allow-Credentials"] == nil)
    }

    @Test func preflightRefusalsSayWhy() {
        #expect(throws: CORSRefusal(.origin("https://evil.test"))) {
            try policy.preflight(origin: "https://evil.test", requestMethod: "GET", requestHeaders: nil).get()
        }
        #expect(throws: CORSRefusal(.method("TRACE"))) {
            try policy.preflight(origin: "https://app.example.org", requestMethod: "TRACE", requestHeaders: nil).get()
        }
        #expect(throws: CORSRefusal(.header("X-Evil"))) {
            try policy.preflight(origin: "https://app.example.org", requestMethod: "GET", requestHeaders: "Authorization, X-Evil").get()
        }
        #expect(CORSRefusal(.origin("https://evil.test")).problem.code == "cors_rejected")
        #expect(CORSRefusal(.origin("https://evil.test")).problem.status == .forbidden)
    }

    @Test func actualResponsesExposeHeadersToListedOriginsOnly() {
        var allowed = HTTPHeaders()
        policy.decorate(&allowed, origin: "https://app.example.org")
        #expect(allowed["Access-Control-Allow-Origin"] == "https://app.example.org")
        let exposed = allowed["Access-Control-Expose-Headers"] ?? ""
        for name in ["X-Request-Id", "Retry-After", "Idempotent-Replayed"] { #expect(exposed.contains(name)) }
        #expect(allowed["Vary"] == "Origin")

        var other = HTTPHeaders()
        other.set("Vary", "Accept-Encoding")
        policy.decorate(&other, origin: "https://evil.test")
        #expect(other["Access-Control-Allow-Origin"] == nil)
        #expect(other["Vary"] == "Accept-Encoding, Origin")

        var off = HTTPHeaders()
        CORSPolicy.off.decorate(&off, origin: "https://app.example.org")
        #expect(off["Access-Control-Allow-Origin"] == nil && off["Vary"] == nil)
    }

    /// The responder answers preflights itself (before any route, so before authentication)
    /// and decorates the router's answers, problems included.
    @Test func responderAnswersPreflightsAndDecoratesResponses() {
        let router = Router(routes: [
            Route(.GET, "/api/v1/messages") { _ in
                throw Problem(.serviceUnavailable, code: "mailbox_busy", headers: ["Retry-After": "2"])
            },
        ], logger: Logger(label: "test"))
        let responder = CORSResponder(wrapping: router, policy: policy)
        func call(_ method: HTTPMethod, _ headers: [(String, String)]) -> HTTPResponse {
            var fields = HTTPHeaders()
            for (name, value) in headers { fields.add(name, value) }
            let head = HTTPRequestHead(method: method, target: "/api/v1/messages", headers: fields)
            let plan = responder.plan(for: head)
            return responder.respond(to: HTTPRequest(head: head), plan: plan)
        }
        let preflight = call(.OPTIONS, [("Origin", "https://app.example.org"), ("Access-Control-Request-Method", "GET"),
                                        ("Access-Control-Request-Headers", "authorization")])
        #expect(preflight.status == .noContent)
        #expect(preflight.headers["Access-Control-Allow-Origin"] == "https://app.example.org")
        #expect(preflight.headers["Access-Control-Allow-Headers"]?.contains("Authorization") == true)

        let refused = call(.OPTIONS, [("Origin", "https://evil.test"), ("Access-Control-Request-Method", "GET")])
        #expect(refused.status == .forbidden)
        #expect(refused.headers["Access-Control-Allow-Origin"] == nil)
        #expect(refused.headers["Content-Type"] == "application/problem+json")

        // OPTIONS without the preflight headers is still the router's 405.
        #expect(call(.OPTIONS, [("Origin", "https://app.example.org")]).status == .methodNotAllowed)

        let actual = call(.GET, [("Origin", "https://app.example.org")])
        #expect(actual.status == .serviceUnavailable)
        #expect(actual.headers["Access-Control-Allow-Origin"] == "https://app.example.org")
        #expect(actual.headers["Access-Control-Expose-Headers"]?.contains("Retry-After") == true)
        #expect(actual.headers["Vary"] == "Origin")
        #expect(call(.GET, []).headers["Access-Control-Allow-Origin"] == nil)
    }
}
