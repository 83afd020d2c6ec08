/// One open database connection. Statements use PostgreSQL's `$1, $2, …` placeholders on both
/// backends (SQLite accepts them as named parameters). Calls block: run them on worker threads only.
package protocol SQLConnection: AnyObject {
    /// Runs a statement that returns no rows; the number of rows it changed.
    /// - Throws: ``StateStoreError`` when the database refuses it.
    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws -> Int

    /// Runs a query and returns all its rows.
    /// - Throws: ``StateStoreError`` when the database refuses it.
    func query(_ sql: String, _ parameters: [SQLValue]) throws -> [SQLRow]

    /// Runs `statements` in order and returns one result each; PostgreSQL receives them in one
    /// flight (pipeline mode) and answers in one, instead of a round trip per statement. Outside a
    /// transaction the batch is all or nothing (PostgreSQL's implicit transaction up to the Sync;
    /// SQLite opens one when the batch writes). The first statement the database refuses ends the
    /// batch: later ones do not run, and the error is thrown (a transaction the batch itself opened
    /// with `BEGIN` is then the caller's to roll back).
    ///
    /// `meanwhile` runs while the batch is in flight (on PostgreSQL between sending it and reading
    /// the answers; on SQLite before it): work of the caller's own that then costs no extra time. It
    /// must not use this database. It is not called when the batch could not be sent.
    /// - Throws: ``StateStoreError`` when the database refuses a statement.
    func pipeline(_ statements: [SQLStatement], meanwhile: () -> Void) throws -> [SQLResult]

    /// Whether the connection still works (a broken one is dropped from the pool).
    var isHealthy: Bool { get }
}

/// One statement of a ``SQLConnection/pipeline(_:)`` batch: SQL with `$n` placeholders and its values.
package struct SQLStatement: Sendable {
    /// The SQL text (one statement).
    package let sql: String
    /// The values of `$1, $2, …`.
    package let parameters: [SQLValue]

    /// Creates a statement.
    package init(_ sql: String, _ parameters: [SQLValue] = []) {
        self.sql = sql
        self.parameters = parameters
    }
}

/// What one statement of a batch returned: its rows (none for a statement without `RETURNING` or
/// `SELECT`) and the number of rows it changed.
package struct SQLResult: Sendable {
    /// The rows it returned.
    package let rows: [SQLRow]
    /// The rows it inserted, updated or deleted.
    package let changed: Int

    /// Creates a result.
    package init(rows: [SQLRow], changed: Int) {
        self.rows = rows
        self.changed = changed
    }
}

extension SQLConnection {
    /// ``pipeline(_:meanwhile:)`` with nothing to do meanwhile.
    package func pipeline(_ statements: [SQLStatement]) throws -> [SQLResult] { try pipeline(statements, meanwhile: {}) }

    /// Runs a parameterless statement.
    @discardableResult
    package func execute(_ sql: String) throws -> Int { try execute(sql, []) }
}
