import Logging

/// Applies the pending ``SQLMigration`` steps at start, each in its own transaction. On PostgreSQL
/// a session advisory lock serialises replicas that start together; on SQLite the write
/// transaction does.
package enum SQLMigrator {
    /// The advisory lock key (any constant unique to Postillon).
    static let advisoryLockKey: Int64 = 0x506F_7374_696C

    /// Brings the schema to the newest version.
    /// - Throws: ``StateStoreError`` when a step fails, or when the database is newer than this binary.
    package static func migrate(_ database: SQLDatabase, migrations: [SQLMigration] = SQLMigration.all, logger: Logger) throws {
        try database.withConnection { connection in
            if database.dialect == .postgres {
                _ = try connection.query("SELECT pg_advisory_lock($1)", [.integer(advisoryLockKey)])
            }
            defer {
                if database.dialect == .postgres {
                    _ = try? connection.query("SELECT pg_advisory_unlock($1)", [.integer(advisoryLockKey)])
                }
            }
            try connection.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
            for migration in migrations {
                try connection.execute(database.dialect.beginWrite)
                do {
                    let done = try connection.query("SELECT version FROM schema_migrations WHERE version = $1", [.integer(Int64(migration.version))])
                    if done.isEmpty {
                        try connection.execute(database.dialect == .postgres ? migration.postgres : migration.sqlite)
                        try connection.execute("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                                               [.integer(Int64(migration.version)), .integer(WallClock.nowMillis())])
                        logger.info("state schema migrated", metadata: ["version": "\(migration.version)", "summary": "\(migration.summary)"])
                    }
                    try connection.execute("COMMIT")
                } catch {
                    _ = try? connection.execute("ROLLBACK")
                    throw error
                }
            }
            let newest = try connection.query("SELECT MAX(version) FROM schema_migrations", []).first?.integer(0) ?? 0
            if newest > Int64(migrations.last?.version ?? 0) {
                throw StateStoreError("the database schema is version \(newest), newer than this binary knows; upgrade Postillon")
            }
        }
    }
}
