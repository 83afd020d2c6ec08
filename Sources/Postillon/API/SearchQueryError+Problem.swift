import PostillonHTTP

/// Refused search parameters, as the API answers them.
extension SearchQueryError: ProblemConvertible {
    /// 400 `invalid_parameter` for a malformed value, 400 `search_query_too_long` past the bounds.
    package var problem: Problem {
        switch self {
        case .invalid: return Problem(.badRequest, code: "invalid_parameter", detail: description)
        case .tooLong: return Problem(.badRequest, code: "search_query_too_long", detail: description)
        }
    }
}
