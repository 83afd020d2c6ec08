import Postillon
import Synchronization

/// The ``StateStore`` in memory, for unit tests: the same contract as the SQL backends, with one
/// mutex standing in for the database's atomicity.
package final class MemoryStateStore: StateStore {
    private struct Window {
        var startedAt: Int64
        var attempts: Int64
    }

    private struct Tables {
        var sessions: [String: SessionRecord] = [:]
        var idempotency: [String: IdempotencyRecord] = [:]
        var windows: [String: Window] = [:]
        var flags: [String: [String: MessageFlags]] = [:]
    }

    private let tables = Mutex(Tables())

    /// An empty store.
    package init() {}

    /// Rows per table, for tests that count.
    package var counts: (sessions: Int, idempotency: Int, windows: Int, flags: Int) {
        tables.withLock { ($0.sessions.count, $0.idempotency.count, $0.windows.count, $0.flags.values.reduce(0) { $0 + $1.count }) }
    }

    package func insertSession(_ session: SessionRecord) throws {
        tables.withLock { $0.sessions[session.tokenHash] = session }
    }

    package func session(tokenHash: String, now: Int64, touchBefore: Int64, idleMillis: Int64, maxAgeMillis: Int64) throws -> SessionRecord? {
        tables.withLock { tables in
            guard var record = tables.sessions[tokenHash], record.expiresAt > now else { return nil }
            if record.lastUsedAt < touchBefore {
                record.lastUsedAt = now
                record.expiresAt = min(now + idleMillis, record.createdAt + maxAgeMillis)
                tables.sessions[tokenHash] = record
            }
            return record
        }
    }

    package func resealSession(tokenHash: String, sealedPassword: String, keyID: String) throws {
        tables.withLock { tables in
            tables.sessions[tokenHash]?.sealedPassword = sealedPassword
            tables.sessions[tokenHash]?.keyID = keyID
        }
    }

    package func deleteSession(tokenHash: String) throws -> Bool {
        tables.withLock { $0.sessions.removeValue(forKey: tokenHash) != nil }
    }

    package func liveSessions(now: Int64, limit: Int) throws -> [SessionRecord] {
        tables.withLock { tables in
            Array(tables.sessions.values.filter { $0.expiresAt > now }.sorted { $0.lastUsedAt > $1.lastUsedAt }.prefix(limit))
        }
    }

    package func claimIdempotency(_ claim: IdempotencyRecord, now: Int64, reading: SQLRead?, meanwhile: () -> Void) throws -> IdempotencyClaim {
        meanwhile()
        return tables.withLock { tables in
            if let existing = tables.idempotency[claim.slot] {
                if !existing.isStale(now: now) { return .existing(existing) }
            }
            tables.idempotency[claim.slot] = claim
            return .claimed
        }
    }

    /// `alongside` is SQL and this twin has none: it is not run (the twin backs no event store).
    package func finishIdempotency(slot: String, createdAt: Int64, response: String, alongside: SQLWork?) throws {
        tables.withLock { tables in
            if tables.idempotency[slot]?.createdAt == createdAt { tables.idempotency[slot]?.response = response }
        }
    }

    package func abandonIdempotency(slot: String, createdAt: Int64) throws {
        tables.withLock { tables in
            if let record = tables.idempotency[slot], record.createdAt == createdAt, record.response == nil {
                tables.idempotency.removeValue(forKey: slot)
            }
        }
    }

    package func reserveLoginAttempt(_ keys: [LoginLimitKey], now: Int64, windowMillis: Int64) throws -> LoginLimitDecision {
        tables.withLock { tables in
            var wait: Int64 = 0
            var current: [(attempts: Int64, fresh: Bool)] = []
            for key in keys {
                let window = tables.windows[key.key].flatMap { now - $0.startedAt < windowMillis ? $0 : nil }
                let attempts = window?.attempts ?? 0
                if key.blocks, attempts >= Int64(key.limit), let window { wait = max(wait, window.startedAt + windowMillis - now) }
                current.append((attempts, window == nil))
            }
            if wait > 0 { return .blocked(retryAfterMillis: wait) }
            var overLimit: [String] = []
            for (key, (attempts, fresh)) in zip(keys, current) {
                if fresh {
                    tables.windows[key.key] = Window(startedAt: now, attempts: 1)
                } else {
                    tables.windows[key.key]?.attempts += 1
                }
                if !key.blocks && attempts >= Int64(key.limit) { overLimit.append(key.key) }
            }
            return .allowed(overLimit: overLimit)
        }
    }

    package func settleLoginAttempt(refund: [String], clear: [String]) throws {
        tables.withLock { tables in
            for key in refund where (tables.windows[key]?.attempts ?? 0) > 0 { tables.windows[key]?.attempts -= 1 }
            for key in clear { tables.windows.removeValue(forKey: key) }
        }
    }

    package func flags(account: String) throws -> [String: MessageFlags] {
        tables.withLock { $0.flags[account] ?? [:] }
    }

    package func updateFlags(account: String, uidls: [String], seen: Bool?, flagged: Bool?, now: Int64) throws {
        guard seen != nil || flagged != nil else { return }
        tables.withLock { tables in
            for uidl in uidls {
                var flags = tables.flags[account]?[uidl] ?? MessageFlags()
                if let seen { flags.seen = seen }
                if let flagged { flags.flagged = flagged }
                tables.flags[account, default: [:]][uidl] = flags
            }
        }
    }

    package func deleteFlags(account: String, uidls: [String]) throws {
        tables.withLock { tables in
            for uidl in uidls { tables.flags[account]?.removeValue(forKey: uidl) }
        }
    }

    package func sweep(now: Int64, windowMillis: Int64, maxIdempotencyRecords: Int, maxLoginWindows: Int) throws -> Int {
        tables.withLock { tables in
            let before = tables.sessions.count + tables.idempotency.count + tables.windows.count
            tables.sessions = tables.sessions.filter { $0.value.expiresAt > now }
            tables.idempotency = tables.idempotency.filter { $0.value.response == nil ? $0.value.leaseUntil > now : $0.value.expiresAt > now }
            tables.windows = tables.windows.filter { now - $0.value.startedAt < windowMillis }
            if tables.idempotency.count > maxIdempotencyRecords {
                let oldest = tables.idempotency.filter { $0.value.response != nil }.sorted { $0.value.expiresAt < $1.value.expiresAt }
                for (slot, _) in oldest.prefix(tables.idempotency.count - maxIdempotencyRecords) { tables.idempotency.removeValue(forKey: slot) }
            }
            if tables.windows.count > maxLoginWindows {
                let oldest = tables.windows.sorted { $0.value.startedAt < $1.value.startedAt }
                for (key, _) in oldest.prefix(tables.windows.count - maxLoginWindows) { tables.windows.removeValue(forKey: key) }
            }
            return before - (tables.sessions.count + tables.idempotency.count + tables.windows.count)
        }
    }
}
