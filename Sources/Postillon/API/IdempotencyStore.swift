import Foundation
import PostillonHTTP

/// Replays the responses of requests sent with an `Idempotency-Key`, so a retry does not send mail
/// (or delete) twice. Records live in the state store, so this holds across restarts and replicas:
/// the store's unique key on the slot decides which request runs, not a process lock.
///
/// - The same key with the same body (by SHA-256 fingerprint) within the lifetime replays the stored
///   response with `Idempotent-Replayed: true`.
/// - The same key with a different body is refused with 422 `idempotency_key_reused`.
/// - Concurrent duplicates (on any replica) wait for the first to finish and then replay it.
/// - 5xx results are not stored (the work may not have happened; a retry may try again), except
///   a ``ReplayableResponse`` the work throws (the work did happen, with an unknown outcome).
/// Keys are scoped per caller, so one caller cannot replay another's response. Expired records are
/// swept in the background, and beyond a cap the oldest go, so a keyed request costs O(log n).
package final class IdempotencyStore: Sendable {
    private let store: any StateStore
    private let lifetimeMillis: Int64
    private let waitMillis: Int64
    private let leaseMillis: Int64
    private let clock: @Sendable () -> Int64

    /// Creates an idempotency store.
    /// - Parameters:
    ///   - store: where records live.
    ///   - lifetimeSeconds: how long a result is replayed (24 h by default).
    ///   - waitSeconds: how long a concurrent duplicate waits for the first request.
    ///   - leaseSeconds: how long a running request's claim holds; after it (the owner died) a retry runs.
    package init(store: any StateStore, lifetimeSeconds: Int = 86_400, waitSeconds: Int = 120, leaseSeconds: Int = 900,
                 clock: @escaping @Sendable () -> Int64 = { WallClock.nowMillis() }) {
        self.store = store
        lifetimeMillis = Int64(lifetimeSeconds) * 1000
        waitMillis = Int64(waitSeconds) * 1000
        leaseMillis = Int64(leaseSeconds) * 1000
        self.clock = clock
    }

    /// Runs `work` once per (scope, key, body) and replays its response afterwards.
    /// - Parameters:
    ///   - key: the client's `Idempotency-Key`, or nil to just run `work`.
    ///   - scope: the caller and route, e.g. `"user:alice POST /send"`.
    ///   - body: the request body (its SHA-256 is the fingerprint).
    /// - Throws: ``Problem`` for a malformed or reused key, ``StateStoreError``, or what `work` throws.
    package func run(key: String?, scope: String, body: [UInt8], work: () throws -> HTTPResponse) throws -> HTTPResponse {
        try run(key: key, scope: scope, fingerprint: { Hashing.sha256Hex(body) }, work: work)
    }

    /// ``run(key:scope:body:work:)`` with the body's fingerprint computed by `fingerprint`, only when
    /// a key was given (a spooled body is hashed from its file).
    /// - Parameters:
    ///   - reading: a read `work` needs, made in the same flight as the claim (a SQL store hands it
    ///     its rows before `work` runs; without a key, or on another store, nothing is read).
    ///   - meanwhile: preparation for `work` (e.g. composing the message), called once before it:
    ///     with a key, while the claim is in flight to the database, so it costs no extra time. It
    ///     runs for a request that then turns out to be a replay too (its result is dropped).
    ///   - alongside: called after `work` succeeded and its answer is stored; the statements it
    ///     returns (if any) run in the same transaction as storing the answer.
    package func run(key: String?, scope: String, fingerprint makeFingerprint: () throws -> String, reading: SQLRead? = nil,
                     meanwhile: () -> Void = {}, alongside: () -> SQLWork? = { nil },
                     work: () throws -> HTTPResponse) throws -> HTTPResponse {
        guard let key else {
            meanwhile()
            return try Self.answer(work).response
        }
        guard !key.isEmpty, key.utf8.count <= 255, key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw Problem(.badRequest, code: "invalid_parameter", detail: "Idempotency-Key must be 1 to 255 visible ASCII characters.")
        }
        let slot = Hashing.sha256Hex(Array((scope + "\u{0}" + key).utf8))
        let fingerprint = try makeFingerprint()
        let deadline = MonotonicClock.nowMillis() + waitMillis
        var pause: UInt32 = 10_000
        var preparedOnce = false
        var createdAt: Int64 = 0
        while true {
            let now = clock()
            createdAt = now
            let claim = IdempotencyRecord(slot: slot, fingerprint: fingerprint, createdAt: now, expiresAt: now + lifetimeMillis,
                                          leaseUntil: now + leaseMillis)
            guard case .existing(let record) = try store.claimIdempotency(claim, now: now, reading: reading, meanwhile: {
                guard !preparedOnce else { return }
                preparedOnce = true
                meanwhile()
            }) else { break }
            guard record.fingerprint == fingerprint else {
                throw Problem(.unprocessableContent, code: "idempotency_key_reused",
                              detail: "This Idempotency-Key was already used with a different request body.")
            }
            if let stored = record.response, var response = StoredResponse.decode(stored) {
                response.headers.set("Idempotent-Replayed", "true")
                return response
            }
            // The first request is still running (here or on another replica): wait for it.
            guard MonotonicClock.nowMillis() < deadline else {
                throw Problem(.conflict, code: "idempotency_in_progress",
                              detail: "A request with this Idempotency-Key is still being processed; retry later.",
                              headers: ["Retry-After": "5"])
            }
            usleep(pause)
            pause = min(pause * 2, 200_000)
        }

        let response: HTTPResponse
        let replayable: Bool
        do {
            (response, replayable) = try Self.answer(work)
        } catch {
            try? store.abandonIdempotency(slot: slot, createdAt: createdAt)
            throw error
        }
        if Self.isStored(response, replayable: replayable), let encoded = StoredResponse.encode(response) {
            try store.finishIdempotency(slot: slot, createdAt: createdAt, response: encoded, alongside: alongside())
        } else {
            try? store.abandonIdempotency(slot: slot, createdAt: createdAt)
        }
        return response
    }

    // MARK: Which answers are stored

    /// The work's answer, with a thrown ``ReplayableResponse`` turned into its response.
    private static func answer(_ work: () throws -> HTTPResponse) throws -> (response: HTTPResponse, replayable: Bool) {
        do {
            return (try work(), false)
        } catch let replayable as ReplayableResponse {
            return (replayable.response, true)
        }
    }

    /// Whether an answer is remembered for replay: anything below 500, and a ``ReplayableResponse``.
    private static func isStored(_ response: HTTPResponse, replayable: Bool) -> Bool {
        replayable || response.status.code < 500
    }
}
