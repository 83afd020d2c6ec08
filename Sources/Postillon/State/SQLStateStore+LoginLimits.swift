extension SQLStateStore {
    package func reserveLoginAttempt(_ keys: [LoginLimitKey], now: Int64, windowMillis: Int64) throws -> LoginLimitDecision {
        // Sorted keys: two transactions lock rows in the same order and cannot deadlock.
        let keys = keys.sorted { $0.key < $1.key }
        let lockSuffix = database.dialect == .postgres ? " FOR UPDATE" : ""
        return try database.transaction { connection in
            var windows: [(key: LoginLimitKey, attempts: Int64, fresh: Bool)] = []
            var wait: Int64 = 0
            for key in keys {
                // Make the row exist so that it can be locked (PostgreSQL); SQLite's write
                // transaction already excludes every other writer.
                try connection.execute("""
                    INSERT INTO login_windows (window_key, started_at, attempts) VALUES ($1, $2, 0) ON CONFLICT (window_key) DO NOTHING
                    """, [.text(key.key), .integer(now)])
                let row = try connection.query("SELECT started_at, attempts FROM login_windows WHERE window_key = $1" + lockSuffix,
                                               [.text(key.key)]).first
                let started = row?.integer(0) ?? now
                let expired = now - started >= windowMillis
                let attempts = expired ? 0 : (row?.integer(1) ?? 0)
                if key.blocks && attempts >= Int64(key.limit) {
                    wait = max(wait, started + windowMillis - now)
                }
                windows.append((key, attempts, expired))
            }
            if wait > 0 { return .blocked(retryAfterMillis: wait) }
            var overLimit: [String] = []
            for window in windows {
                if window.fresh {
                    try connection.execute("UPDATE login_windows SET started_at = $2, attempts = 1 WHERE window_key = $1",
                                           [.text(window.key.key), .integer(now)])
                } else {
                    try connection.execute("UPDATE login_windows SET attempts = attempts + 1 WHERE window_key = $1", [.text(window.key.key)])
                }
                if !window.key.blocks && window.attempts >= Int64(window.key.limit) { overLimit.append(window.key.key) }
            }
            return .allowed(overLimit: overLimit)
        }
    }

    package func settleLoginAttempt(refund: [String], clear: [String]) throws {
        try database.transaction { connection in
            for key in refund.sorted() {
                try connection.execute("UPDATE login_windows SET attempts = attempts - 1 WHERE window_key = $1 AND attempts > 0", [.text(key)])
            }
            for key in clear.sorted() {
                try connection.execute("DELETE FROM login_windows WHERE window_key = $1", [.text(key)])
            }
        }
    }
}
