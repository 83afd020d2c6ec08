import Foundation
import PostillonHTTP

extension EventStore {
    /// Stores a new subscription; returns it with its secret (shown once).
    package func createSubscription(account: String, url: String, events: [String], description: String?, now: Int64) throws
        -> WebhookSubscription
    {
        let id = "wh_" + EventStore.randomToken()
        let secret = Self.newSecret()
        let sealed = try sealer.seal(secret, context: id)
        try database.withConnection { connection in
            try connection.execute("""
                INSERT INTO webhook_subscriptions (id, account, url, events, description, sealed_secret, key_id, enabled, created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8)
                """, [.text(id), .text(account), .text(url), .text(events.joined(separator: ",")), description.map { SQLValue.text($0) } ?? SQLValue.null,
                      .text(sealed), .text(sealer.current.id), .integer(now)])
        }
        var subscription = try subscription(account: account, id: id)!
        subscription.secret = secret
        return subscription
    }

    /// The subscriptions of `account`, oldest first.
    package func subscriptions(account: String) throws -> [WebhookSubscription] {
        try database.withConnection { connection in
            try connection.query("""
                SELECT id, url, events, description, enabled, disabled_reason, created_at FROM webhook_subscriptions
                WHERE account = $1 ORDER BY created_at, id
                """, [.text(account)]).compactMap(Self.subscription(from:))
        }
    }

    /// One subscription of `account`, or nil.
    package func subscription(account: String, id: String) throws -> WebhookSubscription? {
        try database.withConnection { connection in
            try connection.query("""
                SELECT id, url, events, description, enabled, disabled_reason, created_at FROM webhook_subscriptions
                WHERE account = $1 AND id = $2
                """, [.text(account), .text(id)]).first.flatMap(Self.subscription(from:))
        }
    }

    /// Changes a subscription; nil fields stay. Returns the new state (with the new secret when
    /// `rotateSecret`), or nil when `account` has no such subscription.
    package func updateSubscription(account: String, id: String, url: String?, events: [String]?, description: String?,
                                    enabled: Bool?, rotateSecret: Bool) throws -> WebhookSubscription? {
        guard try subscription(account: account, id: id) != nil else { return nil }
        var secret: String?
        try database.transaction { connection in
            func set(_ column: String, _ value: SQLValue) throws {
                try connection.execute("UPDATE webhook_subscriptions SET \(column) = $3 WHERE account = $1 AND id = $2",
                                       [.text(account), .text(id), value])
            }
            if let url { try set("url", .text(url)) }
            if let events { try set("events", .text(events.joined(separator: ","))) }
            if let description { try set("description", .text(description)) }
            if let enabled {
                try set("enabled", .integer(enabled ? 1 : 0))
                try set("disabled_reason", .null)
            }
            if rotateSecret {
                let fresh = Self.newSecret()
                try set("sealed_secret", .text(try sealer.seal(fresh, context: id)))
                try set("key_id", .text(sealer.current.id))
                secret = fresh
            }
        }
        var subscription = try subscription(account: account, id: id)
        subscription?.secret = secret
        return subscription
    }

    /// Deletes a subscription and its deliveries; whether it existed.
    package func deleteSubscription(account: String, id: String) throws -> Bool {
        try database.transaction { connection in
            let deleted = try connection.execute("DELETE FROM webhook_subscriptions WHERE account = $1 AND id = $2", [.text(account), .text(id)])
            guard deleted == 1 else { return false }
            try connection.execute("""
                DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE subscription_id = $1)
                """, [.text(id)])
            try connection.execute("DELETE FROM webhook_deliveries WHERE subscription_id = $1", [.text(id)])
            return true
        }
    }

    /// A new Standard Webhooks secret: `whsec_` + base64 of 24 random bytes.
    static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return "whsec_" + Data((0..<24).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64EncodedString()
    }

    static func subscription(from row: SQLRow) -> WebhookSubscription? {
        guard let id = row.text(0), let url = row.text(1), let events = row.text(2), let created = row.integer(6) else { return nil }
        return WebhookSubscription(id: id, url: url, events: events.split(separator: ",").map(String.init), description: row.text(3),
                                   enabled: row.integer(4) == 1, disabledReason: row.text(5),
                                   createdAt: ISO8601.format(epochSeconds: created / 1000, offsetSeconds: 0),
                                   managedBy: id.hasPrefix(ConfiguredWebhook.idPrefix) ? "configuration" : nil, secret: nil)
    }
}

extension EventStore {
    /// Makes the stored operator-declared subscriptions exactly `declared`, in one transaction:
    /// new ones are inserted, changed ones updated (and enabled: the file is the truth), and
    /// configured ones no longer declared are deleted with their deliveries. Subscriptions made
    /// through the API are not touched.
    /// - Returns: how many configured subscriptions there are now.
    @discardableResult
    package func syncConfiguredSubscriptions(_ declared: [(account: String, webhook: ConfiguredWebhook)], now: Int64) throws -> Int {
        let sealed = try declared.map { item in
            let id = item.webhook.id(account: item.account)
            return (id: id, account: item.account, webhook: item.webhook, sealed: try sealer.seal(item.webhook.secret, context: id))
        }
        return try database.transaction { connection in
            let existing = try connection.query("SELECT id, account, url, events, description, sealed_secret, key_id FROM webhook_subscriptions WHERE id LIKE $1",
                                                [.text(ConfiguredWebhook.idPrefix + "%")])
            var stored: [String: SQLRow] = [:]
            for row in existing { if let id = row.text(0) { stored[id] = row } }
            for item in sealed {
                let description = item.webhook.description.map { SQLValue.text($0) } ?? .null
                let events = item.webhook.events.joined(separator: ",")
                guard let row = stored.removeValue(forKey: item.id) else {
                    try connection.execute("""
                        INSERT INTO webhook_subscriptions (id, account, url, events, description, sealed_secret, key_id, enabled, created_at)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8) ON CONFLICT (id) DO NOTHING
                        """, [.text(item.id), .text(item.account), .text(item.webhook.url), .text(events), description,
                              .text(item.sealed), .text(sealer.current.id), .integer(now)])
                    continue  // (a replica starting at the same moment may have inserted it: same declaration, same row)
                }
                let sameSecret = row.text(5).flatMap { sealer.open($0, keyID: row.text(6) ?? "", context: item.id) } == item.webhook.secret
                if row.text(3) == events, row.text(4) == item.webhook.description, sameSecret, row.text(6) == sealer.current.id { continue }
                try connection.execute("""
                    UPDATE webhook_subscriptions SET events = $2, description = $3, sealed_secret = $4, key_id = $5, enabled = 1,
                    disabled_reason = NULL WHERE id = $1
                    """, [.text(item.id), .text(events), description, .text(item.sealed), .text(sealer.current.id)])
            }
            for id in stored.keys {
                try connection.execute("""
                    DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE subscription_id = $1)
                    """, [.text(id)])
                try connection.execute("DELETE FROM webhook_deliveries WHERE subscription_id = $1", [.text(id)])
                try connection.execute("DELETE FROM webhook_subscriptions WHERE id = $1", [.text(id)])
            }
            return sealed.count
        }
    }
}
