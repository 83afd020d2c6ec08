import Logging
@testable import Postillon
import Testing
@testable import PostillonHTTP

@Suite struct MailboxErrorTests {
    @Test func mailboxErrorsMapToTheirStableProblems() {
        let busy = MailboxError.busy.problem
        #expect(busy.status == .serviceUnavailable)
        #expect(busy.code == "mailbox_busy")
        #expect(busy.headers["Retry-After"] == "2")

        let missing = MailboxError.messageNotFound(id: String(repeating: "x", count: 500)).problem
        #expect(missing.status == .notFound)
        #expect(missing.code == "message_not_found")
        #expect((missing.detail?.count ?? 0) < 200, "the echoed id is bounded")

        #expect(MailboxError.invalidCursor.problem.status == .badRequest)
        #expect(MailboxError.invalidCursor.problem.code == "invalid_cursor")

        let large = MailboxError.messageTooLarge(size: 10, limit: 5).problem
        #expect(large.status == .payloadTooLarge)
        #expect(large.code == "message_too_large")
    }

    @Test func theRouterMapsAThrownMailboxError() {
        let router = Router(routes: [Route(.GET, "/m/{id}") { context in throw MailboxError.messageNotFound(id: context.parameter("id")) }],
                            logger: Logger(label: "test"))
        let head = HTTPRequestHead(method: .GET, target: "/m/abc")
        let response = router.respond(to: HTTPRequest(head: head), plan: router.plan(for: head))
        #expect(response.status == .notFound)
        #expect(response.headers["Content-Type"] == "application/problem+json")
        guard case .bytes(let body) = response.body else {
            Issue.record("expected a byte body")
            return
        }
        #expect(String(decoding: body, as: UTF8.self).contains("\"code\":\"message_not_found\""))
    }
}
