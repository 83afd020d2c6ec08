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

    /// Whether the connection still works (a broken one is dropped from the pool).
    var isHealthy: Bool { get }
}

extension SQLConnection {
    /// Runs a parameterless statement.
    @discardableResult
    package func execute(_ sql: String) throws -> Int { try execute(sql, []) }
}
