import PostillonHTTP

/// The event tables (migration 2, after the state store's own): watched mailboxes with their poll
/// lease, the stored UIDL set per mailbox, the event outbox, webhook subscriptions, deliveries and
/// their attempts. Written in one transaction per poll, so an event exists exactly when the UIDL
/// set that caused it does.
enum EventSchema {
    /// The migration step.
    static let migration = SQLMigration(version: 2, summary: "watched mailboxes, UIDL sets, event outbox, webhooks", sqlite: sql(serial: "INTEGER PRIMARY KEY AUTOINCREMENT"),
                                        postgres: sql(serial: "BIGSERIAL PRIMARY KEY"))

    private static func sql(serial: String) -> String {
        """
        CREATE TABLE watched_mailboxes (
            account TEXT PRIMARY KEY,
            baseline SMALLINT NOT NULL DEFAULT 0,
            next_poll_at BIGINT NOT NULL,
            lease_owner TEXT,
            lease_until BIGINT NOT NULL DEFAULT 0,
            polled_at BIGINT NOT NULL DEFAULT 0
        );
        CREATE TABLE mailbox_uidls (
            account TEXT NOT NULL,
            uidl TEXT NOT NULL,
            PRIMARY KEY (account, uidl)
        );
        CREATE TABLE event_outbox (
            seq \(serial),
            event_id TEXT NOT NULL UNIQUE,
            account TEXT NOT NULL,
            type TEXT NOT NULL,
            body TEXT NOT NULL,
            created_at BIGINT NOT NULL
        );
        CREATE INDEX event_outbox_account ON event_outbox (account, seq);
        CREATE TABLE webhook_subscriptions (
            id TEXT PRIMARY KEY,
            account TEXT NOT NULL,
            url TEXT NOT NULL,
            events TEXT NOT NULL,
            description TEXT,
            sealed_secret TEXT NOT NULL,
            key_id TEXT NOT NULL,
            enabled SMALLINT NOT NULL,
            disabled_reason TEXT,
            created_at BIGINT NOT NULL
        );
        CREATE INDEX webhook_subscriptions_account ON webhook_subscriptions (account);
        CREATE TABLE webhook_deliveries (
            id TEXT PRIMARY KEY,
            subscription_id TEXT NOT NULL,
            event_seq BIGINT NOT NULL,
            status TEXT NOT NULL,
            attempts BIGINT NOT NULL DEFAULT 0,
            next_attempt_at BIGINT NOT NULL,
            lease_until BIGINT NOT NULL DEFAULT 0,
            created_at BIGINT NOT NULL,
            UNIQUE (subscription_id, event_seq)
        );
        CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (status, next_attempt_at);
        CREATE TABLE webhook_attempts (
            delivery_id TEXT NOT NULL,
            attempted_at BIGINT NOT NULL,
            status_code BIGINT NOT NULL,
            duration_ms BIGINT NOT NULL,
            error TEXT
        );
        CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempted_at);
        """
    }
}
