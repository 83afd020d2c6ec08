import Foundation
import Logging
@testable import Postillon
import PostillonTestSupport
import Testing
@testable import PostillonHTTP

/// `GET /api/v1/events` through the router, in memory: authentication first, the store's outbox
/// required, Last-Event-ID checked, the per-account limit.
@Suite struct EventStreamRoutesTests {
    static func sqlApp(_ flags: [ConfigKey: String] = [:]) throws -> MemoryApp {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return try MemoryApp(flags: flags, state: SQLStateStore.open(.sqlite(path: ":memory:"), logger: logger))
    }

    /// The response to a GET of the stream, its handle kept open.
    static func open(_ app: MemoryApp, auth: String? = "alice:pw", headers extra: [String: String] = [:]) -> HTTPResponse {
        var headers = HTTPHeaders()
        if let auth { headers.add("Authorization", "Basic " + Data(auth.utf8).base64EncodedString()) }
        for (name, value) in extra { headers.add(name, value) }
        let head = HTTPRequestHead(method: .GET, target: "/api/v1/events", headers: headers)
        return app.router.respond(to: HTTPRequest(head: head, body: []), plan: app.router.plan(for: head))
    }

    static func problemCode(_ response: HTTPResponse) -> String? {
        guard case .bytes(let body) = response.body else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])?["code"] as? String
    }

    @Test func aStreamNeedsALoginFirst() throws {
        let app = try Self.sqlApp()
        let none = Self.open(app, auth: nil)
        #expect(none.status.code == 401)
        #expect(Self.problemCode(none) == "unauthorized")
        let wrong = Self.open(app, auth: "alice:nope")
        #expect(wrong.status.code == 401)
        #expect(Self.problemCode(wrong) == "auth_failed", "a Basic password is proven by a POP3 login")
        let bad = Self.open(app, headers: ["Last-Event-ID": "12x"])
        #expect(bad.status.code == 400)
        #expect(Self.problemCode(bad) == "invalid_last_event_id")
    }

    @Test func lastEventIDComesFromTheHeaderElseTheQueryAndEmptyMeansNotGiven() throws {
        func resume(_ headers: HTTPHeaders, _ target: String = "/api/v1/events") throws -> Int64? {
            let request = HTTPRequest(head: HTTPRequestHead(method: .GET, target: target, headers: headers), body: [])
            return try EventStreamRoutes.lastEventID(RequestContext(request: request, logger: Logger(label: "test")))
        }
        #expect(try resume([:]) == nil)
        #expect(try resume(["Last-Event-ID": "42"], "/api/v1/events?lastEventId=7") == 42, "the header wins")
        #expect(try resume([:], "/api/v1/events?lastEventId=7") == 7)
        #expect(try resume(["Last-Event-ID": ""], "/api/v1/events?lastEventId=7") == 7, "an empty header is not given")
        #expect(try resume(["Last-Event-ID": " "]) == nil)
        #expect(try resume([:], "/api/v1/events?lastEventId=") == nil)
        #expect(throws: EventStreamError.self) { try resume(["Last-Event-ID": ""], "/api/v1/events?lastEventId=x") }
    }

    @Test func anAuthenticatedCallerGetsAnEventStreamWithItsRetryHint() throws {
        let app = try Self.sqlApp()
        let response = Self.open(app)
        #expect(response.status.code == 200)
        guard case .eventStream(let handle) = response.body else {
            Issue.record("not an event stream: \(response.body)")
            return
        }
        #expect(String(decoding: handle.take().bytes, as: UTF8.self) == "d\r\nretry: 3000\n\n\r\n")
        #expect(response.account == "alice")
        handle.detach()
    }

    @Test func theAccountsStreamLimitAnswers429() throws {
        let app = try Self.sqlApp([.eventsMaxStreamsPerAccount: "2"])
        let first = Self.open(app)
        let second = Self.open(app)
        let third = Self.open(app)
        #expect(first.status.code == 200 && second.status.code == 200)
        #expect(third.status.code == 429)
        #expect(Self.problemCode(third) == "too_many_event_streams")
        #expect(third.headers["Retry-After"] != nil)
        if case .eventStream(let handle) = first.body { handle.detach() }
        #expect(Self.open(app).status.code == 200, "a closed stream frees its place")
    }

    @Test func withoutAnSQLStateStoreThereIsNoStream() throws {
        let app = try MemoryApp()
        #expect(Self.open(app, auth: nil).status.code == 401, "authentication comes first")
        let response = Self.open(app)
        #expect(response.status.code == 503)
        #expect(Self.problemCode(response) == "events_unavailable")
    }
}
