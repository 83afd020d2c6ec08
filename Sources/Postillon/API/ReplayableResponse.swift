import PostillonHTTP

/// An error answer that ``IdempotencyStore`` stores and replays under the request's
/// `Idempotency-Key` like a success, although its status is 5xx.
///
/// For answers that describe something that already happened upstream and must not be retried
/// blindly, such as 502/504 `submission_outcome_unknown` (the message went out, no reply came):
/// a same-key retry must replay that answer, not send the mail again. Ordinary 5xx answers are
/// not stored (the work did not happen; a retry may try again). Thrown by the work closure; the
/// store (or, without a key, its caller's path through the store) returns ``response``.
struct ReplayableResponse: Error {
    /// The answer to give now and on every same-key retry.
    let response: HTTPResponse
}
