import PostillonHTTP
/// Remembers the responses of requests sent with an `Idempotency-Key`, so a retry replays the
/// first result instead of sending mail (or deleting) twice.
///
/// - The same key with the same body (by SHA-256 fingerprint) within the lifetime replays the stored
///   response with `Idempotent-Replayed: true`.
/// - The same key with a different body is refused with 422 `idempotency_key_reused`.
/// - Concurrent duplicates wait for the first to finish and then replay it: the work runs once.
/// - 5xx results are not stored (the work may not have happened; a retry may try again).
/// Keys are scoped per caller, so one caller cannot replay another's response. Bounded in size.
public final class IdempotencyStore: @unchecked Sendable {
    struct Entry {
        let fingerprint: String
        var response: HTTPResponse?
        var expiresMillis: Int64
        var createdMillis: Int64
    }

    private let lock = ConditionLock()
    private var entries: [String: Entry] = [:]
    private let lifetimeMillis: Int64
    private let maxEntries: Int
    private let waitMillis: Int64
    private let clock: @Sendable () -> Int64

    /// Creates a store.
    /// - Parameters:
    ///   - lifetimeSeconds: how long a result is replayed (24 h by default).
    ///   - maxEntries: most remembered keys; the oldest finished ones are dropped beyond it.
    ///   - waitSeconds: how long a concurrent duplicate waits for the first request.
    public init(lifetimeSeconds: Int = 86_400, maxEntries: Int = 10_000, waitSeconds: Int = 120,
                clock: @escaping @Sendable () -> Int64 = { MonotonicClock.nowMillis() }) {
        lifetimeMillis = Int64(lifetimeSeconds) * 1000
        self.maxEntries = maxEntries
        waitMillis = Int64(waitSeconds) * 1000
        self.clock = clock
    }

    /// Runs `work` once per (scope, key, body) and replays its response afterwards.
    /// - Parameters:
    ///   - key: the client's `Idempotency-Key`, or nil to just run `work`.
    ///   - scope: the caller and route, e.g. `"user:alice POST /send"`.
    ///   - body: the request body (its SHA-256 is the fingerprint).
    /// - Throws: ``Problem`` for a malformed or reused key, or what `work` throws.
    public func run(key: String?, scope: String, body: [UInt8], work: () throws -> HTTPResponse) throws -> HTTPResponse {
        guard let key else { return try work() }
        guard !key.isEmpty, key.utf8.count <= 255, key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw Problem(.badRequest, code: "invalid_parameter", detail: "Idempotency-Key must be 1 to 255 visible ASCII characters.")
        }
        let slot = scope + "\u{0}" + key
        let fingerprint = SHA256.hex(body)

        let replay: HTTPResponse? = try lock.withLock {
            purgeIfNeeded(now: clock())
            while let entry = entries[slot] {
                if clock() >= entry.expiresMillis && entry.response != nil {
                    entries.removeValue(forKey: slot)
                    break
                }
                guard entry.fingerprint == fingerprint else {
                    throw Problem(.unprocessableContent, code: "idempotency_key_reused",
                                  detail: "This Idempotency-Key was already used with a different request body.")
                }
                if var response = entry.response {
                    response.headers.set("Idempotent-Replayed", "true")
                    return response
                }
                // The first request is still running: wait for it.
                if !lock.wait(untilMillis: MonotonicClock.nowMillis() + waitMillis) {
                    throw Problem(.conflict, code: "idempotency_in_progress",
                                  detail: "A request with this Idempotency-Key is still being processed; retry later.",
                                  headers: ["Retry-After": "5"])
                }
            }
            let now = clock()
            entries[slot] = Entry(fingerprint: fingerprint, response: nil, expiresMillis: now + lifetimeMillis, createdMillis: now)
            return nil
        }
        if let replay { return replay }

        var outcome: HTTPResponse?
        defer {
            lock.withLock {
                if let outcome, outcome.status.code < 500, case .bytes = outcome.body {
                    entries[slot]?.response = outcome
                } else {
                    entries.removeValue(forKey: slot)
                }
                lock.broadcast()
            }
        }
        let response = try work()
        outcome = response
        return response
    }

    /// Remembered keys (finished and running).
    public var count: Int { lock.withLock { entries.count } }

    private func purgeIfNeeded(now: Int64) {
        guard entries.count >= maxEntries else { return }
        entries = entries.filter { $0.value.response == nil || $0.value.expiresMillis > now }
        if entries.count >= maxEntries {
            let finished = entries.filter { $0.value.response != nil }.sorted { $0.value.createdMillis < $1.value.createdMillis }
            for (key, _) in finished.prefix(entries.count - maxEntries + 1) { entries.removeValue(forKey: key) }
        }
    }
}
