/// One forward-only schema step. Versions only grow; a released step is never edited, a change is a new step.
package struct SQLMigration: Sendable {
    /// The schema version this step produces.
    package let version: Int
    /// What it does, for the log.
    package let summary: String
    /// The statements, for SQLite.
    package let sqlite: String
    /// The statements, for PostgreSQL.
    package let postgres: String

    /// Creates a step; `sql` serves both backends when `postgres` is nil.
    package init(version: Int, summary: String, sqlite: String, postgres: String? = nil) {
        self.version = version
        self.summary = summary
        self.sqlite = sqlite
        self.postgres = postgres ?? sqlite
    }

    /// Every step, in order. Later features (events, webhooks) append theirs here.
    package static let all: [SQLMigration] = [
        SQLMigration(version: 1, summary: "sessions, idempotency records, login windows, message flags", sqlite: """
            CREATE TABLE sessions (
                token_hash TEXT PRIMARY KEY,
                username TEXT NOT NULL,
                address TEXT NOT NULL,
                sealed_password TEXT NOT NULL,
                key_id TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                last_used_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            );
            CREATE INDEX sessions_expires_at ON sessions (expires_at);
            CREATE TABLE idempotency_records (
                slot TEXT PRIMARY KEY,
                fingerprint TEXT NOT NULL,
                response TEXT,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                lease_until BIGINT NOT NULL
            );
            CREATE INDEX idempotency_records_expires_at ON idempotency_records (expires_at);
            CREATE TABLE login_windows (
                window_key TEXT PRIMARY KEY,
                started_at BIGINT NOT NULL,
                attempts BIGINT NOT NULL
            );
            CREATE INDEX login_windows_started_at ON login_windows (started_at);
            CREATE TABLE message_flags (
                account TEXT NOT NULL,
                uidl TEXT NOT NULL,
                seen SMALLINT NOT NULL DEFAULT 0,
                flagged SMALLINT NOT NULL DEFAULT 0,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (account, uidl)
            );
            """),
        EventSchema.migration,
        SummaryIndexSchema.migration,
    ]
}
