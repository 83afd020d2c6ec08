import PostillonHTTP

extension EventStore {
    /// Claims up to `limit` due deliveries for one attempt each: per subscription only the oldest
    /// pending one (deliveries stay in event order), each leased to this caller until
    /// `now + leaseMillis` by a compare-and-swap, so of several replicas exactly one sends it.
    package func claimDueDeliveries(now: Int64, leaseMillis: Int64, limit: Int) throws -> [PendingDelivery] {
        let candidates = try database.withConnection { connection in
            try connection.query("""
                SELECT d.id, d.subscription_id, s.url, s.sealed_secret, s.key_id, o.event_id, o.body, d.attempts
                FROM webhook_deliveries d
                JOIN webhook_subscriptions s ON s.id = d.subscription_id
                JOIN event_outbox o ON o.seq = d.event_seq
                WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND d.lease_until <= $1 AND s.enabled = 1
                  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.subscription_id = d.subscription_id
                                  AND e.status = 'pending' AND e.event_seq < d.event_seq)
                ORDER BY d.event_seq LIMIT $2
                """, [.integer(now), .integer(Int64(limit))])
        }
        var claimed: [PendingDelivery] = []
        for row in candidates {
            guard let id = row.text(0), let subscription = row.text(1), let url = row.text(2), let sealed = row.text(3),
                  let keyID = row.text(4), let webhookID = row.text(5), let body = row.text(6), let attempts = row.integer(7)
            else { continue }
            guard let secret = sealer.open(sealed, keyID: keyID, context: subscription) else { continue }
            let won = try database.withConnection { connection in
                try connection.execute("""
                    UPDATE webhook_deliveries SET lease_until = $2 WHERE id = $1 AND status = 'pending' AND lease_until <= $3
                    """, [.text(id), .integer(now + leaseMillis), .integer(now)]) == 1
            }
            if won {
                claimed.append(PendingDelivery(id: id, subscriptionID: subscription, url: url, secret: secret, webhookID: webhookID,
                                               body: body, attempts: Int(attempts)))
            }
        }
        return claimed
    }

    /// Records one attempt and its consequence in one transaction: `delivered`, another try at
    /// `retryAt`, `failed` (retryAt nil), and for `410 Gone` the subscription is disabled.
    package func recordAttempt(_ delivery: PendingDelivery, outcome: WebhookAttemptOutcome, retryAt: Int64?, now: Int64) throws {
        try database.transaction { connection in
            try connection.execute("""
                INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, duration_ms, error) VALUES ($1, $2, $3, $4, $5)
                """, [.text(delivery.id), .integer(now), .integer(Int64(outcome.statusCode)), .integer(Int64(outcome.durationMillis)),
                      outcome.error.map { SQLValue.text(String($0.prefix(500))) } ?? SQLValue.null])
            let status: String
            if outcome.succeeded {
                status = "delivered"
            } else if retryAt == nil || outcome.statusCode == 410 {
                status = "failed"
            } else {
                status = "pending"
            }
            try connection.execute("""
                UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, next_attempt_at = $3, lease_until = 0 WHERE id = $1
                """, [.text(delivery.id), .text(status), .integer(retryAt ?? now)])
            if outcome.statusCode == 410 {
                try connection.execute("""
                    UPDATE webhook_subscriptions SET enabled = 0, disabled_reason = 'the receiver answered 410 Gone' WHERE id = $1
                    """, [.text(delivery.subscriptionID)])
            }
        }
    }

    /// The newest deliveries of a subscription of `account` with their attempts (nil: no such subscription).
    package func deliveries(account: String, subscriptionID: String, limit: Int) throws -> [WebhookDeliveryView]? {
        guard try subscription(account: account, id: subscriptionID) != nil else { return nil }
        return try database.withConnection { connection in
            let rows = try connection.query("""
                SELECT d.id, o.event_id, o.type, d.status, d.next_attempt_at FROM webhook_deliveries d
                JOIN event_outbox o ON o.seq = d.event_seq WHERE d.subscription_id = $1 ORDER BY d.event_seq DESC LIMIT $2
                """, [.text(subscriptionID), .integer(Int64(limit))])
            return try rows.compactMap { row -> WebhookDeliveryView? in
                guard let id = row.text(0), let webhookID = row.text(1), let type = row.text(2), let status = row.text(3),
                      let next = row.integer(4) else { return nil }
                let attempts = try connection.query("""
                    SELECT attempted_at, status_code, duration_ms, error FROM webhook_attempts WHERE delivery_id = $1
                    ORDER BY attempted_at LIMIT 50
                    """, [.text(id)]).map { attempt in
                    WebhookDeliveryView.Attempt(time: Self.iso(attempt.integer(0) ?? 0), statusCode: Int(attempt.integer(1) ?? 0),
                                                durationMillis: Int(attempt.integer(2) ?? 0), error: attempt.text(3))
                }
                return WebhookDeliveryView(id: id, webhookId: webhookID, type: type, status: status, attempts: attempts,
                                           nextAttemptAt: status == "pending" ? Self.iso(next) : nil)
            }
        }
    }

    /// Makes a delivery of a subscription of `account` pending again, due now; whether it exists.
    package func retryDelivery(account: String, subscriptionID: String, deliveryID: String, now: Int64) throws -> Bool {
        guard try subscription(account: account, id: subscriptionID) != nil else { return false }
        return try database.withConnection { connection in
            try connection.execute("""
                UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $3, lease_until = 0
                WHERE id = $1 AND subscription_id = $2
                """, [.text(deliveryID), .text(subscriptionID), .integer(now)]) == 1
        }
    }

    /// Deletes finished deliveries, their attempts and events older than `before` (pending ones
    /// stay, and so do their events); the number of rows removed.
    @discardableResult
    package func prune(before: Int64) throws -> Int {
        try database.transaction { connection in
            var removed = try connection.execute("""
                DELETE FROM webhook_attempts WHERE delivery_id IN
                    (SELECT id FROM webhook_deliveries WHERE status <> 'pending' AND created_at < $1)
                """, [.integer(before)])
            removed += try connection.execute("DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < $1", [.integer(before)])
            removed += try connection.execute("""
                DELETE FROM event_outbox WHERE created_at < $1
                    AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = event_outbox.seq)
                """, [.integer(before)])
            return removed
        }
    }

    static func iso(_ millis: Int64) -> String { ISO8601.format(epochSeconds: millis / 1000, offsetSeconds: 0) }
}
