import CSQLite

/// A SQLite connection (WAL journal, foreign keys on, a busy timeout so concurrent writers wait).
/// Owns its `sqlite3` handle and prepared statements and frees them in `deinit`.
final class SQLiteConnection: SQLConnection {
    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    /// Shared by the connections of one pool: writers take turns there, not in SQLite's busy handler.
    private let gate: SQLiteWriteGate?
    /// Whether this connection holds the gate for an open transaction (`BEGIN` … `COMMIT`).
    private var holdsGate = false

    /// Opens (and creates) the database file at `path`; `:memory:` opens a private in-memory one.
    /// - Parameters:
    ///   - gate: the write gate of this process's connections to the same file (nil: none).
    ///   - busyTimeoutMillis: how long a write waits for another process's writer.
    /// - Throws: ``StateStoreError`` when the file cannot be opened.
    init(path: String, gate: SQLiteWriteGate? = nil, busyTimeoutMillis: Int32 = 5_000) throws {
        self.gate = gate
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, handle != nil else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            handle = nil
            throw StateStoreError("cannot open SQLite database '\(path)': \(message)")
        }
        sqlite3_busy_timeout(handle, busyTimeoutMillis)
        if path != ":memory:" { try execute("PRAGMA journal_mode=WAL") }
        // NORMAL is durable across application crashes in WAL mode; a power loss may lose the last
        // transactions, which for sessions and rate windows is acceptable.
        try execute("PRAGMA synchronous=NORMAL")
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
        if holdsGate { gate?.leave() }
    }

    /// Runs `body` (one statement) holding the write gate when the statement may write: a
    /// transaction's `BEGIN` keeps holding it until SQLite is back in autocommit mode (after
    /// `COMMIT` or `ROLLBACK`, or a failed `BEGIN`); reads never take it.
    private func gated<T>(_ sql: String, _ body: () throws -> T) rethrows -> T {
        guard let gate, !holdsGate, !Self.isRead(sql) else {
            defer { releaseIfTransactionEnded() }
            return try body()
        }
        gate.enter()
        holdsGate = true
        defer { releaseIfTransactionEnded() }
        return try body()
    }

    private func releaseIfTransactionEnded() {
        guard holdsGate, sqlite3_get_autocommit(handle) != 0 else { return }
        holdsGate = false
        gate?.leave()
    }

    /// Whether `sql` only reads (a `SELECT`), judged from its first word.
    static func isRead(_ sql: String) -> Bool {
        let word = sql.utf8.drop(while: { $0 == 0x20 || $0 == 0x0A || $0 == 0x09 || $0 == 0x0D }).prefix(6)
        return word.count == 6 && String(decoding: word, as: UTF8.self).uppercased() == "SELECT"
    }

    var isHealthy: Bool { handle != nil }

    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws -> Int {
        try gated(sql) { try executeUngated(sql, parameters) }
    }

    private func executeUngated(_ sql: String, _ parameters: [SQLValue]) throws -> Int {
        if parameters.isEmpty, sql.hasPrefix("PRAGMA") || sql.contains(";") {
            // Multi-statement scripts (migrations) and pragmas run through sqlite3_exec.
            var error: UnsafeMutablePointer<CChar>?
            let status = sqlite3_exec(handle, sql, nil, nil, &error)
            defer { sqlite3_free(error) }
            guard status == SQLITE_OK else { throw StateStoreError("SQLite: \(error.map { String(cString: $0) } ?? "error \(status)")") }
            return Int(sqlite3_changes(handle))
        }
        try run(sql, parameters) { _ in }
        return Int(sqlite3_changes(handle))
    }

    func query(_ sql: String, _ parameters: [SQLValue]) throws -> [SQLRow] {
        try gated(sql) { try queryUngated(sql, parameters) }
    }

    private func queryUngated(_ sql: String, _ parameters: [SQLValue]) throws -> [SQLRow] {
        var rows: [SQLRow] = []
        try run(sql, parameters) { statement in
            let count = sqlite3_column_count(statement)
            var columns: [String?] = []
            columns.reserveCapacity(Int(count))
            for index in 0..<count {
                if sqlite3_column_type(statement, index) == SQLITE_NULL {
                    columns.append(nil)
                } else if let text = sqlite3_column_text(statement, index) {
                    columns.append(String(cString: text))
                } else {
                    columns.append("")
                }
            }
            rows.append(SQLRow(columns))
        }
        return rows
    }

    /// One statement after the other (SQLite is in this process: there is no round trip to save),
    /// all or nothing as on PostgreSQL: a batch that writes outside a transaction gets one.
    /// `meanwhile` runs first.
    func pipeline(_ statements: [SQLStatement], meanwhile: () -> Void) throws -> [SQLResult] {
        // Before the batch: a write transaction here holds this process's write gate.
        meanwhile()
        let run = {
            try statements.map { statement in
                try self.gated(statement.sql) {
                    let rows = try self.queryUngated(statement.sql, statement.parameters)
                    return SQLResult(rows: rows, changed: Self.isRead(statement.sql) ? 0 : Int(sqlite3_changes(self.handle)))
                }
            }
        }
        guard sqlite3_get_autocommit(handle) != 0, statements.contains(where: { !Self.isRead($0.sql) }) else { return try run() }
        try execute("BEGIN IMMEDIATE")
        do {
            let results = try run()
            try execute("COMMIT")
            return results
        } catch {
            _ = try? execute("ROLLBACK")
            throw error
        }
    }

    private func run(_ sql: String, _ parameters: [SQLValue], row: (OpaquePointer) throws -> Void) throws {
        let statement = try prepared(sql)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for (offset, value) in parameters.enumerated() {
            let index = sqlite3_bind_parameter_index(statement, "$\(offset + 1)")
            guard index > 0 else { continue }
            let status: Int32
            switch value {
            case .text(let text): status = csqlite_bind_text_transient(statement, index, text, Int32(text.utf8.count))
            case .integer(let number): status = sqlite3_bind_int64(statement, index, number)
            case .null: status = sqlite3_bind_null(statement, index)
            }
            guard status == SQLITE_OK else { throw failure("bind") }
        }
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_ROW {
                try row(statement)
            } else if status == SQLITE_DONE {
                return
            } else {
                throw failure("step")
            }
        }
    }

    private func prepared(_ sql: String) throws -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else { throw failure("prepare") }
        statements[sql] = statement
        return statement
    }

    private func failure(_ step: String) -> StateStoreError {
        StateStoreError("SQLite \(step): \(String(cString: sqlite3_errmsg(handle)))")
    }
}
