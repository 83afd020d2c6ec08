/// Why the search parameters of `GET /api/v1/messages` were refused (400, before any upstream work).
package enum SearchQueryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A parameter has a value of the wrong form (a date, a boolean, a word-less text): `invalid_parameter`.
    case invalid(parameter: String, reason: String)
    /// A text parameter is longer, or has more words, than allowed: `search_query_too_long`.
    case tooLong(parameter: String, reason: String)

    package var description: String {
        switch self {
        case .invalid(let parameter, let reason), .tooLong(let parameter, let reason): return "\(parameter) \(reason)."
        }
    }
}
