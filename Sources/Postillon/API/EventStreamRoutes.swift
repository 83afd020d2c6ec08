import PostillonHTTP

/// `GET /api/v1/events`: the account's events as Server-Sent Events (`text/event-stream`) —
/// `message.new`, `message.deleted` and `flags.changed`, each frame `id: <outbox seq>`,
/// `event: <type>`, `data: <the webhook body {type, timestamp, data}>`.
///
/// Authentication is the API's (`Authorization: Basic`, or `Bearer` with a session token or an API
/// key). Browsers connect with `fetch()` and that header (Public/js/api.js `followEvents`), not
/// with `EventSource`, which cannot send it: so no token ever travels in a URL (where access logs,
/// proxies and browser history would keep it), and there is no cookie to forge requests with.
///
/// `Last-Event-ID` (the header EventSource-style clients send on reconnection; `?lastEventId=` for
/// clients that cannot set headers) resumes with the stored events after that id, without loss;
/// without one the stream starts with events recorded from now on. The handler runs on a worker
/// only until the stream is open: the event loop holds the connection afterwards.
enum EventStreamRoutes {
    static func routes(_ services: AppServices) -> [Route] {
        [
            Route(.GET, "/api/v1/events") { context in
                try services.authorized(context) { principal in
                    guard let hub = services.eventHub else { throw EventStreamError.unavailable }
                    let lastEventID = try lastEventID(context)
                    // A Basic password is only checked by the mail server: prove it before streaming
                    // anything (sessions and API keys were proven when they were issued).
                    if principal.method == .basic { try services.mailbox.verify(principal.credentials) }
                    let handle = try hub.open(account: principal.credentials.mailboxKey, lastEventID: lastEventID)
                    return HTTPResponse(status: .ok, body: .eventStream(handle))
                }
            },
        ]
    }

    /// The sequence number to resume after: `Last-Event-ID`, else `?lastEventId=`; nil when neither is given.
    /// An empty value counts as not given (an EventSource that has seen no id sends none), so an
    /// empty header falls back to the query.
    /// - Throws: ``EventStreamError/invalidLastEventID`` for anything but a decimal number.
    static func lastEventID(_ context: RequestContext) throws -> Int64? {
        let given = [context.request.headers["Last-Event-ID"], context.query("lastEventId")].compactMap { $0?.trimming(" ") }
        guard let text = given.first(where: { !$0.isEmpty }) else { return nil }
        guard text.utf8.count <= 19, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let value = Int64(text) else { throw EventStreamError.invalidLastEventID }
        return value
    }
}
