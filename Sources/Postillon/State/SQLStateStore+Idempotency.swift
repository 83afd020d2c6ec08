extension SQLStateStore {
    package func claimIdempotency(_ claim: IdempotencyRecord, now: Int64, reading: SQLRead?,
                                  meanwhile: () -> Void) throws -> IdempotencyClaim {
        // The claim does not wait for the disk: the unique slot serialises claimants at once, and
        // the answer's durable commit (finishIdempotency) flushes the claim's WAL record with it. A
        // database crash before that loses at most a claim whose send had not been answered yet,
        // which a retry would take over after its lease anyway.
        // One flight to PostgreSQL for a new key and for a replay: BEGIN, the INSERT, the row now in
        // the slot, the caller's read and COMMIT together. Only a stale record to take over (or a
        // row changing meanwhile) goes on statement by statement below.
        let results = try database.batchWithoutDiskWait([Self.insertClaim(claim), Self.selectClaim(claim.slot)]
            + (reading.map { [$0.statement] } ?? []), meanwhile: meanwhile)
        if let reading, results.count == 3 { reading.receive(results[2].rows) }
        if results.first?.changed == 1 { return .claimed }
        if results.count > 1, let existing = Self.record(claim.slot, results[1].rows), !existing.isStale(now: now) {
            return .existing(existing)
        }
        return try database.withoutDiskWait { connection in
            // A few rounds: the row may change between statements (finished, abandoned, taken over).
            for _ in 0..<5 {
                let insert = Self.insertClaim(claim), select = Self.selectClaim(claim.slot)
                if try connection.execute(insert.sql, insert.parameters) == 1 { return .claimed }
                guard let existing = Self.record(claim.slot, try connection.query(select.sql, select.parameters)) else { continue }
                guard existing.isStale(now: now) else { return .existing(existing) }
                // Compare-and-swap on the old claim's time: of several replicas taking over, one wins.
                let taken = try connection.execute("""
                    UPDATE idempotency_records SET fingerprint = $2, response = NULL, created_at = $3, expires_at = $4, lease_until = $5
                    WHERE slot = $1 AND created_at = $6
                    """, [.text(claim.slot), .text(claim.fingerprint), .integer(claim.createdAt), .integer(claim.expiresAt),
                          .integer(claim.leaseUntil), .integer(existing.createdAt)])
                if taken == 1 { return .claimed }
            }
            throw StateStoreError("idempotency slot kept changing while being claimed")
        }
    }

    /// The record in a slot.
    private static func selectClaim(_ slot: String) -> SQLStatement {
        SQLStatement("SELECT fingerprint, response, created_at, expires_at, lease_until FROM idempotency_records WHERE slot = $1",
                     [.text(slot)])
    }

    /// The record ``selectClaim(_:)`` found, if any.
    private static func record(_ slot: String, _ rows: [SQLRow]) -> IdempotencyRecord? {
        guard let row = rows.first, let fingerprint = row.text(0), let created = row.integer(2), let expires = row.integer(3),
              let lease = row.integer(4)
        else { return nil }
        return IdempotencyRecord(slot: slot, fingerprint: fingerprint, response: row.text(1), createdAt: created, expiresAt: expires,
                                 leaseUntil: lease)
    }

    /// The claim's INSERT, a no-op when the slot is taken.
    private static func insertClaim(_ claim: IdempotencyRecord) -> SQLStatement {
        SQLStatement("""
            INSERT INTO idempotency_records (slot, fingerprint, response, created_at, expires_at, lease_until)
            VALUES ($1, $2, NULL, $3, $4, $5) ON CONFLICT (slot) DO NOTHING
            """, [.text(claim.slot), .text(claim.fingerprint), .integer(claim.createdAt), .integer(claim.expiresAt),
                  .integer(claim.leaseUntil)])
    }

    package func finishIdempotency(slot: String, createdAt: Int64, response: String, alongside: SQLWork?) throws {
        let finish: SQLWork = { connection in
            _ = try connection.execute("UPDATE idempotency_records SET response = $3 WHERE slot = $1 AND created_at = $2",
                                       [.text(slot), .integer(createdAt), .text(response)])
        }
        guard let alongside else { return try database.withConnection(finish) }
        try database.transaction { connection in
            try finish(connection)
            try alongside(connection)
        }
    }

    package func abandonIdempotency(slot: String, createdAt: Int64) throws {
        try database.withConnection { connection in
            try connection.execute("DELETE FROM idempotency_records WHERE slot = $1 AND created_at = $2 AND response IS NULL",
                                   [.text(slot), .integer(createdAt)])
        }
    }
}
