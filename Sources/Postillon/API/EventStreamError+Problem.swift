import PostillonHTTP

extension EventStreamError: ProblemConvertible {
    /// 503 `events_unavailable`, 429 `too_many_event_streams` (per account), 503
    /// `event_streams_exhausted` (the process) or 400 `invalid_last_event_id`.
    package var problem: Problem {
        switch kind {
        case .unavailable:
            return Problem(.serviceUnavailable, code: "events_unavailable",
                           detail: "This server keeps no event outbox (it runs without an SQL state store), so it has no event stream.")
        case .tooManyStreamsForAccount(let limit):
            return Problem(.tooManyRequests, code: "too_many_event_streams",
                           detail: "This account has \(limit) event streams open already; close one (or reuse one stream per client).",
                           headers: ["Retry-After": "30"])
        case .tooManyStreams(let limit):
            return Problem(.serviceUnavailable, code: "event_streams_exhausted",
                           detail: "The server has \(limit) event streams open, its limit; retry later.", headers: ["Retry-After": "30"])
        case .invalidLastEventID:
            return Problem(.badRequest, code: "invalid_last_event_id",
                           detail: "Last-Event-ID (or lastEventId) must be an event id this stream sent: a decimal sequence number.")
        }
    }
}
