import Foundation
import Logging

/// The ``StateStore`` on a SQL database: SQLite (one file, WAL) or PostgreSQL (shared by replicas).
/// Atomicity comes from the database (unique keys, conditional updates, write transactions), never
/// from a process lock, so it holds across replicas.
package final class SQLStateStore: StateStore {
    /// The database, for features that add their own tables and transactions.
    package let database: SQLDatabase

    /// Wraps a database whose schema is migrated (see ``open(_:logger:)``).
    package init(database: SQLDatabase) {
        self.database = database
    }

    /// Opens the store at `location` and applies pending migrations.
    /// - Throws: ``StateStoreError`` when the database cannot be opened or migrated.
    /// - Parameter busyTimeoutMillis: SQLite only: how long a write waits for another process's writer
    ///   (this process's own writers take turns in a ``SQLiteWriteGate`` first).
    package static func open(_ location: StateLocation, poolSize: Int = 8, busyTimeoutMillis: Int32 = 5_000,
                             logger: Logger) throws -> SQLStateStore {
        let database: SQLDatabase
        switch location {
        case .sqlite(let path):
            if path != ":memory:" {
                // The default path's directory (e.g. /var/lib/postillon) is created private when missing.
                let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
                if !FileManager.default.fileExists(atPath: directory) {
                    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                             attributes: [.posixPermissions: 0o700])
                }
            }
            let gate = SQLiteWriteGate()
            database = SQLDatabase(dialect: .sqlite, size: path == ":memory:" ? 1 : poolSize, logger: logger) {
                try SQLiteConnection(path: path, gate: gate, busyTimeoutMillis: busyTimeoutMillis)
            }
        case .postgres(let url):
            database = SQLDatabase(dialect: .postgres, size: poolSize, logger: logger) { try PostgresConnection(url: url) }
        }
        try SQLMigrator.migrate(database, logger: logger)
        return SQLStateStore(database: database)
    }

    // MARK: Sessions

    package func insertSession(_ session: SessionRecord) throws {
        try database.withConnection { connection in
            try connection.execute("""
                INSERT INTO sessions (token_hash, username, address, sealed_password, key_id, created_at, last_used_at, expires_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                """, [.text(session.tokenHash), .text(session.username), .text(session.address), .text(session.sealedPassword),
                      .text(session.keyID), .integer(session.createdAt), .integer(session.lastUsedAt), .integer(session.expiresAt)])
        }
    }

    package func session(tokenHash: String, now: Int64, touchBefore: Int64, idleMillis: Int64, maxAgeMillis: Int64) throws -> SessionRecord? {
        try database.withConnection { connection in
            let rows = try connection.query("""
                SELECT username, address, sealed_password, key_id, created_at, last_used_at, expires_at
                FROM sessions WHERE token_hash = $1 AND expires_at > $2
                """, [.text(tokenHash), .integer(now)])
            guard let row = rows.first, let username = row.text(0), let address = row.text(1), let sealed = row.text(2),
                  let keyID = row.text(3), let created = row.integer(4), let lastUsed = row.integer(5), let expires = row.integer(6)
            else { return nil }
            var record = SessionRecord(tokenHash: tokenHash, username: username, address: address, sealedPassword: sealed, keyID: keyID,
                                       createdAt: created, lastUsedAt: lastUsed, expiresAt: expires)
            if lastUsed < touchBefore {
                record.lastUsedAt = now
                record.expiresAt = min(now + idleMillis, created + maxAgeMillis)
                try connection.execute("UPDATE sessions SET last_used_at = $2, expires_at = $3 WHERE token_hash = $1",
                                       [.text(tokenHash), .integer(now), .integer(record.expiresAt)])
            }
            return record
        }
    }

    package func resealSession(tokenHash: String, sealedPassword: String, keyID: String) throws {
        try database.withConnection { connection in
            try connection.execute("UPDATE sessions SET sealed_password = $2, key_id = $3 WHERE token_hash = $1",
                                   [.text(tokenHash), .text(sealedPassword), .text(keyID)])
        }
    }

    @discardableResult
    package func deleteSession(tokenHash: String) throws -> Bool {
        try database.withConnection { connection in
            try connection.execute("DELETE FROM sessions WHERE token_hash = $1", [.text(tokenHash)]) > 0
        }
    }

    package func liveSessions(now: Int64, limit: Int) throws -> [SessionRecord] {
        try database.withConnection { connection in
            try connection.query("""
                SELECT token_hash, username, address, sealed_password, key_id, created_at, last_used_at, expires_at
                FROM sessions WHERE expires_at > $1 ORDER BY last_used_at DESC LIMIT $2
                """, [.integer(now), .integer(Int64(limit))]).compactMap { row in
                guard let hash = row.text(0), let username = row.text(1), let address = row.text(2), let sealed = row.text(3),
                      let keyID = row.text(4), let created = row.integer(5), let lastUsed = row.integer(6), let expires = row.integer(7)
                else { return nil }
                return SessionRecord(tokenHash: hash, username: username, address: address, sealedPassword: sealed, keyID: keyID,
                                     createdAt: created, lastUsedAt: lastUsed, expiresAt: expires)
            }
        }
    }
}
