#if canImport(Glibc)
import Glibc
#endif
import CPostgres

/// A libpq connection. Statements are prepared once per connection and run with text parameters.
/// Owns its `PGconn` and finishes it in `deinit`.
final class PostgresConnection: SQLConnection {
    private let connection: OpaquePointer
    private var prepared: [String: String] = [:]
    /// Set when a pipeline left the connection in a state it cannot be trusted in (the pool drops it).
    private var broken = false

    /// Connects with a libpq URL (`postgres://user:pass@host:port/db?sslmode=…`).
    /// - Throws: ``StateStoreError`` (without the URL, which may hold a password) when the server refuses.
    init(url: String) throws {
        guard let connection = PQconnectdb(url) else { throw StateStoreError("PostgreSQL: out of memory") }
        self.connection = connection
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection)).trimmingTrailingNewlines
            PQfinish(connection)
            throw StateStoreError("cannot connect to PostgreSQL: \(message)")
        }
        try execute("SET client_min_messages TO warning")
    }

    deinit { PQfinish(connection) }

    var isHealthy: Bool { !broken && PQstatus(connection) == CONNECTION_OK }

    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws -> Int {
        let result = try run(sql, parameters)
        defer { PQclear(result) }
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    func query(_ sql: String, _ parameters: [SQLValue]) throws -> [SQLRow] {
        let result = try run(sql, parameters)
        defer { PQclear(result) }
        return Self.rows(of: result)
    }

    private func run(_ sql: String, _ parameters: [SQLValue]) throws -> OpaquePointer {
        let result: OpaquePointer?
        if parameters.isEmpty {
            // Transaction control, migrations (several statements) and constant queries: simple protocol.
            result = PQexec(connection, sql)
        } else {
            let name = try statementName(for: sql, count: parameters.count)
            let texts = parameters.map(\.textForm)
            result = withCStrings(texts) { pointers in
                PQexecPrepared(connection, name, Int32(pointers.count), pointers, nil, nil, 0)
            }
        }
        guard let result else { throw StateStoreError("PostgreSQL: \(errorMessage)") }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let error = Self.failure(of: result)
            PQclear(result)
            throw error
        }
        return result
    }

    /// The batch in libpq's pipeline mode: every statement (and the preparation of one not yet
    /// prepared on this connection) is queued, one Sync ends the flight, and the results are read in
    /// order. After an error the server skips the rest up to the Sync (`PGRES_PIPELINE_ABORTED`).
    /// `meanwhile` runs after the flight has left, before the answers are read.
    func pipeline(_ statements: [SQLStatement], meanwhile: () -> Void) throws -> [SQLResult] {
        guard !statements.isEmpty else {
            meanwhile()
            return []
        }
        guard PQenterPipelineMode(connection) == 1 else { throw StateStoreError("PostgreSQL pipeline: \(errorMessage)") }
        // What was queued, in order: a statement to prepare (its SQL), or the query of statement i.
        enum Queued { case prepare(sql: String, name: String), query(Int) }
        var queued: [Queued] = []
        var preparing: [String: String] = [:]
        do {
            for (index, statement) in statements.enumerated() {
                let sent: Int32
                if statement.parameters.isEmpty {
                    sent = PQsendQueryParams(connection, statement.sql, 0, nil, nil, nil, nil, 0)
                } else {
                    var name = prepared[statement.sql] ?? preparing[statement.sql]
                    if name == nil {
                        let fresh = nextStatementName(pending: preparing.count)
                        guard PQsendPrepare(connection, fresh, statement.sql, Int32(statement.parameters.count), nil) == 1 else {
                            throw StateStoreError("PostgreSQL pipeline: \(errorMessage)")
                        }
                        queued.append(.prepare(sql: statement.sql, name: fresh))
                        preparing[statement.sql] = fresh
                        name = fresh
                    }
                    sent = withCStrings(statement.parameters.map(\.textForm)) { pointers in
                        PQsendQueryPrepared(connection, name, Int32(pointers.count), pointers, nil, nil, 0)
                    }
                }
                guard sent == 1 else { throw StateStoreError("PostgreSQL pipeline: \(errorMessage)") }
                queued.append(.query(index))
            }
            guard PQpipelineSync(connection) == 1 else { throw StateStoreError("PostgreSQL pipeline: \(errorMessage)") }
        } catch {
            // Nothing sensible can be read back from a half-sent pipeline: drop the connection.
            broken = true
            throw error
        }
        // The batch is on its way (PQpipelineSync flushed it): the caller's own work overlaps the round trip.
        meanwhile()
        var results = [SQLResult?](repeating: nil, count: statements.count)
        var failure: StateStoreError?
        // Each queued command yields one result and then NULL; the Sync yields PGRES_PIPELINE_SYNC.
        for command in queued {
            guard let result = PQgetResult(connection) else { broken = true; throw StateStoreError("PostgreSQL pipeline: result missing") }
            let status = PQresultStatus(result)
            switch (command, status) {
            case (.prepare(let sql, let name), PGRES_COMMAND_OK):
                prepared[sql] = name
            case (.query(let index), PGRES_COMMAND_OK), (.query(let index), PGRES_TUPLES_OK):
                // PQcmdTuples also counts the rows a SELECT returned: those changed nothing.
                let changed = String(cString: PQcmdStatus(result)).hasPrefix("SELECT") ? 0 : Int(String(cString: PQcmdTuples(result))) ?? 0
                results[index] = SQLResult(rows: Self.rows(of: result), changed: changed)
            case (_, PGRES_PIPELINE_ABORTED):
                break
            default:
                if failure == nil { failure = Self.failure(of: result) }
            }
            PQclear(result)
            if let extra = PQgetResult(connection) {
                PQclear(extra)
                broken = true
                throw StateStoreError("PostgreSQL pipeline: unexpected result")
            }
        }
        guard let sync = PQgetResult(connection) else { broken = true; throw StateStoreError("PostgreSQL pipeline: sync missing") }
        let synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC
        PQclear(sync)
        guard synced, PQexitPipelineMode(connection) == 1 else { broken = true; throw StateStoreError("PostgreSQL pipeline: \(errorMessage)") }
        if let failure { throw failure }
        return results.map { $0 ?? SQLResult(rows: [], changed: 0) }
    }

    /// All rows of a result, columns as text.
    private static func rows(of result: OpaquePointer) -> [SQLRow] {
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        var rows: [SQLRow] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            var columns: [String?] = []
            columns.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                columns.append(PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column)))
            }
            rows.append(SQLRow(columns))
        }
        return rows
    }

    private func statementName(for sql: String, count: Int) throws -> String {
        if let name = prepared[sql] { return name }
        let name = nextStatementName(pending: 0)
        guard let result = PQprepare(connection, name, sql, Int32(count), nil) else { throw StateStoreError("PostgreSQL: \(errorMessage)") }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else {
            throw Self.failure(of: result, "PostgreSQL prepare")
        }
        prepared[sql] = name
        return name
    }

    /// The name for the next statement prepared on this connection, `pending` preparations (queued
    /// in a pipeline, not yet confirmed) after those already made: ``run(_:_:)`` and
    /// ``pipeline(_:meanwhile:)`` draw from the same sequence, so a name is never given twice.
    private func nextStatementName(pending: Int) -> String { "postillon_\(prepared.count + pending)" }

    /// The error a failed result carries, as a ``StateStoreError`` (the result is not cleared).
    private static func failure(of result: OpaquePointer, _ what: String = "PostgreSQL") -> StateStoreError {
        StateStoreError("\(what): \(String(cString: PQresultErrorMessage(result)).trimmingTrailingNewlines)")
    }

    private var errorMessage: String { String(cString: PQerrorMessage(connection)).trimmingTrailingNewlines }
}

/// Calls `body` with C strings for `strings` (nil stays a null pointer), valid during the call.
private func withCStrings<T>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> T) -> T {
    let duplicates: [UnsafeMutablePointer<CChar>?] = strings.map { $0.flatMap { strdup($0) } }
    defer { duplicates.forEach { free($0) } }
    return body(duplicates.map { $0.map { UnsafePointer($0) } })
}

extension String {
    fileprivate var trimmingTrailingNewlines: String {
        var text = self
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }
}
