/// A parameter or result value exchanged with a SQL backend. The schema only uses text and
/// 64-bit integers (booleans as 0/1, bytes as base64), so both backends speak it in text form.
package enum SQLValue: Sendable, Equatable {
    case text(String)
    case integer(Int64)
    case null

    /// The value in PostgreSQL's text format, nil for NULL.
    var textForm: String? {
        switch self {
        case .text(let text): return text
        case .integer(let value): return String(value)
        case .null: return nil
        }
    }
}
