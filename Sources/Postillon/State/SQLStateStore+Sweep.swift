extension SQLStateStore {
    @discardableResult
    package func sweep(now: Int64, windowMillis: Int64, maxIdempotencyRecords: Int, maxLoginWindows: Int) throws -> Int {
        try database.withConnection { connection in
            var removed = try connection.execute("DELETE FROM sessions WHERE expires_at <= $1", [.integer(now)])
            removed += try connection.execute("""
                DELETE FROM idempotency_records
                WHERE (response IS NOT NULL AND expires_at <= $1) OR (response IS NULL AND lease_until <= $1)
                """, [.integer(now)])
            removed += try connection.execute("DELETE FROM login_windows WHERE started_at <= $1", [.integer(now - windowMillis)])
            // Beyond the caps, the oldest rows go (never all of them: no global reset).
            let records = try connection.query("SELECT COUNT(*) FROM idempotency_records", []).first?.integer(0) ?? 0
            if records > Int64(maxIdempotencyRecords) {
                removed += try connection.execute("""
                    DELETE FROM idempotency_records WHERE slot IN (
                        SELECT slot FROM idempotency_records WHERE response IS NOT NULL ORDER BY expires_at LIMIT $1)
                    """, [.integer(records - Int64(maxIdempotencyRecords))])
            }
            let windows = try connection.query("SELECT COUNT(*) FROM login_windows", []).first?.integer(0) ?? 0
            if windows > Int64(maxLoginWindows) {
                removed += try connection.execute("""
                    DELETE FROM login_windows WHERE window_key IN (
                        SELECT window_key FROM login_windows ORDER BY started_at LIMIT $1)
                    """, [.integer(windows - Int64(maxLoginWindows))])
            }
            return removed
        }
    }
}
