import Foundation
@testable import Postillon
import PostillonTestSupport
import Testing
@testable import PostillonHTTP

/// Unauthenticated clients cannot make the server hold large bodies (issue 11, item 2).
@Suite(.serialized) struct PreAuthBodyTests {
    /// The real application; its mail servers are unreachable (these requests never get that far).
    func app() throws -> LiveApp {
        try LiveApp([.pop3URL: "pop3://127.0.0.1:9", .smtpURL: "smtp://127.0.0.1:9", .allowPlaintext: "true"])
    }

    /// Regression: the 38.5 MiB send limit applied before authentication and the body was buffered.
    @Test func largeBodyWithoutCredentialsIsRefusedBeforeItIsRead() throws {
        let app = try app()
        for authorization in ["", "Authorization: Bearer unknown-token\r\n", "Authorization: Basic !!!\r\n", "Authorization: Digest x\r\n"] {
            let client = try RawClient(port: app.server.port, timeoutMillis: 3000)
            client.send("POST /api/v1/send HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\(authorization)Content-Length: 40000000\r\n\r\n")
            let response = try #require(client.readResponse(), "no answer for '\(authorization)'")
            #expect(response.status == 401)
            #expect(response.headers["WWW-Authenticate"] != nil)
            #expect(response.text.contains("\"code\":\"unauthorized\""))
        }
        // Chunked: refused once the body passes the small limit, not at the route's 38.5 MiB.
        let client = try RawClient(port: app.server.port, timeoutMillis: 3000)
        let chunk = String(repeating: "a", count: 8192)
        client.send("POST /api/v1/send HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + String(repeating: "2000\r\n\(chunk)\r\n", count: 3))
        #expect(client.readResponse()?.status == 401)
    }

    @Test func smallBodiesWithoutCredentialsStillReachTheirHandler() throws {
        let app = try app()
        let signIn = try app.request("POST", "/api/v1/sessions", headers: ["Content-Type": "application/json"],
                                     body: Array(#"{"username":"alice","password":"x"}"#.utf8))
        #expect(signIn.status == 502, "the sign-in reached the (unreachable) mail server: \(signIn.text)")
        let send = try app.request("POST", "/api/v1/send", headers: ["Content-Type": "application/json"], body: Array(#"{"to":[]}"#.utf8))
        #expect(send.status == 401)
    }

    @Test func plausibleCredentialsMayAnnounceALargeBody() throws {
        let app = try app()
        let client = try RawClient(port: app.server.port, timeoutMillis: 700)
        let basic = Data("alice:secret".utf8).base64EncodedString()
        client.send("POST /api/v1/send HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nAuthorization: Basic \(basic)\r\n"
                    + "Content-Length: 40000000\r\n\r\n")
        #expect(client.readResponse() == nil, "the server waits for the body")
    }

    @Test func bodyBudgetReservesAndReleases() {
        let budget = BodyBudget(limitBytes: 1000, smallBodyBytes: 10)
        let small = budget.reserve(10)
        #expect(small != nil && budget.reservedBytes == 0)
        var first = budget.reserve(600)
        #expect(first != nil && budget.reservedBytes == 600)
        #expect(budget.reserve(600) == nil)
        let second = budget.reserve(400)
        #expect(second != nil && budget.reservedBytes == 1000)
        first = nil
        #expect(budget.reservedBytes == 400)
        withExtendedLifetime((small, first, second)) {}
    }

    /// Bodies in flight over the server-wide budget are answered 503 at once; the budget comes back.
    @Test func bodiesOverTheServerBudgetGet503() throws {
        let server = try TestServer(configure: { $0.maxBodyBytesInFlight = 1 << 20 }, routes: [
            Route(.POST, "/upload", maxBodyBytes: 4 << 20) { context in
                HTTPResponse(contentType: "text/plain", bytes: Array("\(context.request.body.count)".utf8))
            },
        ])
        defer { server.stop() }
        let slow = try RawClient(port: server.port)
        slow.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 800000\r\n\r\npartial")
        usleep(200_000)
        let refused = try RawClient(port: server.port)
        refused.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 800000\r\n\r\n")
        let busy = try #require(refused.readResponse())
        #expect(busy.status == 503)
        #expect(busy.text.contains("server_busy"))
        slow.send(Array(repeating: UInt8(ascii: "x"), count: 800_000 - 7))
        #expect(slow.readResponse()?.text == "800000")
        // The first body's share goes back just after its response was written, which the client
        // may see a moment earlier: a fresh upload is accepted again once it is back.
        var accepted: String?
        for _ in 0..<50 {
            let later = try RawClient(port: server.port)
            later.send(Array("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 800000\r\n\r\n".utf8) + Array(repeating: UInt8(ascii: "y"), count: 800_000))
            let response = later.readResponse()
            if response?.status != 503 { accepted = response?.text; break }
            usleep(20_000)
        }
        #expect(accepted == "800000")
    }
}
