#if canImport(Glibc)
import Glibc
#endif
import CPostgres

/// A libpq connection. Statements are prepared once per connection and run with text parameters.
/// Owns its `PGconn` and finishes it in `deinit`.
final class PostgresConnection: SQLConnection {
    private let connection: OpaquePointer
    private var prepared: [String: String] = [:]

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

    var isHealthy: Bool { PQstatus(connection) == CONNECTION_OK }

    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws -> Int {
        let result = try run(sql, parameters)
        defer { PQclear(result) }
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    func query(_ sql: String, _ parameters: [SQLValue]) throws -> [SQLRow] {
        let result = try run(sql, parameters)
        defer { PQclear(result) }
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
            let message = String(cString: PQresultErrorMessage(result)).trimmingTrailingNewlines
            PQclear(result)
            throw StateStoreError("PostgreSQL: \(message)")
        }
        return result
    }

    private func statementName(for sql: String, count: Int) throws -> String {
        if let name = prepared[sql] { return name }
        let name = "postillon_\(prepared.count)"
        guard let result = PQprepare(connection, name, sql, Int32(count), nil) else { throw StateStoreError("PostgreSQL: \(errorMessage)") }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else {
            throw StateStoreError("PostgreSQL prepare: \(String(cString: PQresultErrorMessage(result)).trimmingTrailingNewlines)")
        }
        prepared[sql] = name
        return name
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
