/// What differs between the two SQL backends.
package enum SQLDialect: Sendable {
    case sqlite
    case postgres

    /// The statement that opens a write transaction. SQLite takes the write lock at once
    /// (`IMMEDIATE`), so two writers never deadlock upgrading a read lock.
    var beginWrite: String {
        switch self {
        case .sqlite: return "BEGIN IMMEDIATE"
        case .postgres: return "BEGIN"
        }
    }
}
