import Logging

/// A pool of connections to one database, the unit the SQL state store (and future tables, such
/// as the event outbox) run statements and transactions on.
///
/// Connections are opened lazily up to `size`; a caller waits for a free one. Calls block, so they
/// belong on worker threads, never on an event loop or the Swift cooperative pool.
package final class SQLDatabase: Sendable {
    /// The backend's dialect.
    package let dialect: SQLDialect
    private let pool: SQLConnectionPool
    private let logger: Logger

    /// Creates a database over connections made by `connect`; failures are logged to `logger`
    /// (the API answers only 503 `state_unavailable`).
    package init(dialect: SQLDialect, size: Int, logger: Logger, connect: @escaping @Sendable () throws -> any SQLConnection) {
        self.dialect = dialect
        self.logger = logger
        pool = SQLConnectionPool(size: size, connect: connect)
    }

    /// Runs `body` on one connection outside a transaction (each statement commits on its own).
    /// - Throws: ``StateStoreError``, or what `body` throws.
    @discardableResult
    package func withConnection<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        do {
            return try pool.withConnection(body)
        } catch let error as StateStoreError {
            logger.error("state store failed", metadata: ["error": .string(error.message)])
            throw error
        }
    }

    /// Runs `body` in a write transaction: committed when it returns, rolled back when it throws.
    /// - Throws: ``StateStoreError``, or what `body` throws.
    @discardableResult
    package func transaction<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try transaction(begin: dialect.beginWrite, body)
    }

    /// `body` between `begin` and COMMIT (ROLLBACK when it throws), on one connection.
    private func transaction<T>(begin: String, _ body: (any SQLConnection) throws -> T) throws -> T {
        try withConnection { connection in
            try connection.execute(begin)
            do {
                let value = try body(connection)
                try connection.execute("COMMIT")
                return value
            } catch {
                _ = try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Runs `body` on one connection whose commits need not wait for the disk: on PostgreSQL a
    /// transaction with `SET LOCAL synchronous_commit = off` (visible to every other connection at
    /// once, and made durable by the next synchronous commit on the server, since the WAL is
    /// flushed in order), on SQLite the same as ``withConnection(_:)`` (WAL with
    /// `synchronous=NORMAL` already commits without a sync).
    ///
    /// Only for rows whose loss in a database crash is harmless because a later durable write of
    /// the same operation depends on them, e.g. an idempotency claim: its answer is stored with a
    /// durable commit, which also makes the claim durable.
    /// - Throws: ``StateStoreError``, or what `body` throws.
    @discardableResult
    package func withoutDiskWait<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        guard dialect == .postgres else { return try withConnection(body) }
        return try transaction(begin: "BEGIN; SET LOCAL synchronous_commit TO OFF", body)
    }

    /// `statements` in one transaction whose commit need not wait for the disk (the same promise
    /// as ``withoutDiskWait(_:)``), sent to PostgreSQL in one flight with their `BEGIN` and `COMMIT`:
    /// one round trip instead of one per statement. On SQLite, one write transaction.
    /// `meanwhile` is the caller's own work, done while the batch is in flight (see
    /// ``SQLConnection/pipeline(_:meanwhile:)``); on SQLite before the transaction.
    /// - Returns: one result per statement.
    /// - Throws: ``StateStoreError`` (the transaction is rolled back).
    package func batchWithoutDiskWait(_ statements: [SQLStatement], meanwhile: () -> Void = {}) throws -> [SQLResult] {
        guard dialect == .postgres else {
            meanwhile()
            return try transaction { try $0.pipeline(statements) }
        }
        let opening = [SQLStatement("BEGIN"), SQLStatement("SET LOCAL synchronous_commit TO OFF")]
        return try withConnection { connection in
            do {
                let results = try connection.pipeline(opening + statements + [SQLStatement("COMMIT")], meanwhile: meanwhile)
                return Array(results.dropFirst(opening.count).dropLast())
            } catch {
                if connection.isHealthy { _ = try? connection.execute("ROLLBACK") }
                throw error
            }
        }
    }
}
