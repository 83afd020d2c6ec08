import Foundation
import PostillonHTTP

/// Limits password guessing, with the windows kept in the state store so that every replica counts
/// against one limit.
///
/// An attempt is *reserved* (counted) atomically before the upstream login, so parallel guesses
/// cannot all slip through between a check and a later count; a successful login gives it back.
/// - Per client address: at most `maxPerClient` attempts per window (any usernames), then 429.
/// - Per (client address, user): at most `maxPerClientUser`, then 429.
/// - Per user from all addresses: beyond `maxPerUser` each attempt is slowed down by `slowDownMillis`
///   but never refused, so a stranger guessing from elsewhere cannot lock the user out.
package final class LoginRateLimiter: Sendable {
    /// A reserved attempt; settle it with ``succeeded(_:)`` when the login worked.
    package struct Reservation: Sendable {
        let clientKey: String
        let clientUserKey: String
        let userKey: String
        /// How long the caller should wait before the upstream login (0: none).
        package let delayMillis: Int64
    }

    private let store: any StateStore
    private let windowMillis: Int64
    private let maxPerClient: Int
    private let maxPerClientUser: Int
    private let maxPerUser: Int
    private let slowDownMillis: Int64
    private let clock: @Sendable () -> Int64

    /// Creates a limiter.
    package init(store: any StateStore, windowSeconds: Int = 300, maxPerClient: Int = 20, maxPerClientUser: Int = 10,
                 maxPerUser: Int = 10, slowDownMillis: Int64 = 1_000, clock: @escaping @Sendable () -> Int64 = { WallClock.nowMillis() }) {
        self.store = store
        windowMillis = Int64(windowSeconds) * 1000
        self.maxPerClient = maxPerClient
        self.maxPerClientUser = maxPerClientUser
        self.maxPerUser = maxPerUser
        self.slowDownMillis = slowDownMillis
        self.clock = clock
    }

    /// The window length in milliseconds (for the sweeper).
    package var windowLength: Int64 { windowMillis }

    /// Counts one login attempt before it is made.
    /// - Throws: ``Problem`` 429 `rate_limited` with `Retry-After` when a blocking window is full;
    ///   ``StateStoreError`` when the store is unavailable.
    package func reserve(client: String, username: String) throws -> Reservation {
        let user = username.lowercased()
        let reservation = Reservation(clientKey: "c:" + client, clientUserKey: "cu:" + client + " " + user, userKey: "u:" + user,
                                      delayMillis: 0)
        let decision = try store.reserveLoginAttempt([
            LoginLimitKey(reservation.clientKey, limit: maxPerClient, blocks: true),
            LoginLimitKey(reservation.clientUserKey, limit: maxPerClientUser, blocks: true),
            LoginLimitKey(reservation.userKey, limit: maxPerUser, blocks: false),
        ], now: clock(), windowMillis: windowMillis)
        switch decision {
        case .blocked(let wait):
            throw Self.rateLimited(Int((wait + 999) / 1000))
        case .allowed(let overLimit):
            return Reservation(clientKey: reservation.clientKey, clientUserKey: reservation.clientUserKey, userKey: reservation.userKey,
                               delayMillis: overLimit.isEmpty ? 0 : slowDownMillis)
        }
    }

    /// Reserves an attempt, waits out any slow-down, runs the login in `body`, and gives the attempt
    /// back unless the mail server refused the credentials (only that stays counted).
    /// - Throws: 429 ``Problem``, ``StateStoreError``, or what `body` throws.
    package func attempt<T>(client: String, username: String, _ body: () throws -> T) throws -> T {
        let reservation = try reserve(client: client, username: username)
        if reservation.delayMillis > 0 { usleep(UInt32(reservation.delayMillis * 1000)) }
        do {
            let value = try body()
            try? succeeded(reservation)
            return value
        } catch {
            if !UpstreamErrorMapping.isAuthenticationFailure(error) {
                try? store.settleLoginAttempt(refund: [reservation.clientKey, reservation.clientUserKey, reservation.userKey], clear: [])
            }
            throw error
        }
    }

    /// Gives back a successful attempt: the client's count drops by one, the user's windows clear.
    /// - Throws: ``StateStoreError`` when the store is unavailable.
    package func succeeded(_ reservation: Reservation) throws {
        try store.settleLoginAttempt(refund: [reservation.clientKey], clear: [reservation.clientUserKey, reservation.userKey])
    }

    /// The 429 answer for too many failed logins.
    static func rateLimited(_ seconds: Int) -> Problem {
        ServiceMetrics.loginRateLimited()
        return Problem(.tooManyRequests, code: "rate_limited", detail: "Too many failed logins; retry in \(seconds) seconds.",
                headers: ["Retry-After": String(seconds)])
    }
}
