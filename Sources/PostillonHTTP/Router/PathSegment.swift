/// One segment of a route pattern: a literal or a named parameter (`{id}`).
enum PathSegment: Sendable, Equatable {
    case literal(String)
    case parameter(String)

    /// Parses a pattern such as `/api/v1/messages/{id}` into segments.
    static func parse(_ pattern: String) -> [PathSegment] {
        pattern.split(separator: "/", omittingEmptySubsequences: true).map { part in
            if part.hasPrefix("{") && part.hasSuffix("}") {
                return .parameter(String(part.dropFirst().dropLast()))
            }
            return .literal(String(part))
        }
    }
}
