/// The search and filter parameters of `GET /api/v1/messages` (besides `seen` and `flagged`, which
/// the plain list already handles), parsed and bounded. Pure: tested from literals.
///
/// - `q`: words that must each start a word of the subject, a From or a To (name or address);
/// - `from`, `subject`: the same, limited to that field;
/// - `since` (inclusive), `before` (exclusive): `YYYY-MM-DD` (UTC) or an RFC 3339 time, compared
///   with the message's `Date` header (messages without one never match);
/// - `hasAttachments`: `true` or `false` (see ``IndexedSummary/hasAttachments(contentType:)``).
package struct SearchQuery: Sendable, Equatable {
    /// Words of `q` (any of subject, from, to).
    package var words: [String] = []
    /// Words of `from`.
    package var fromWords: [String] = []
    /// Words of `subject`.
    package var subjectWords: [String] = []
    /// Earliest `Date` (ms since the epoch, inclusive).
    package var sinceMillis: Int64?
    /// Latest `Date` (ms since the epoch, exclusive).
    package var beforeMillis: Int64?
    /// Only messages with (true) or without (false) attachments.
    package var hasAttachments: Bool?

    /// Longest text parameter, in bytes.
    package static let maxTextBytes = 256
    /// Most words over `q`, `from` and `subject` together.
    package static let maxWords = 8

    /// An empty query.
    package init() {}

    /// Whether any search parameter is set (else the request is the plain list).
    package var isActive: Bool {
        !words.isEmpty || !fromWords.isEmpty || !subjectWords.isEmpty || sinceMillis != nil || beforeMillis != nil || hasAttachments != nil
    }

    /// Whether the query needs the full-text index (rather than the columns alone).
    package var hasWords: Bool { !words.isEmpty || !fromWords.isEmpty || !subjectWords.isEmpty }

    /// Names of the parameters this type reads.
    package static let parameterNames = ["q", "from", "subject", "since", "before", "hasAttachments"]

    /// Parses the parameters `value(name)` returns (nil: absent). An empty (or blank) text parameter counts as absent.
    /// - Throws: ``SearchQueryError``.
    package static func parse(_ value: (String) -> String?) throws(SearchQueryError) -> SearchQuery {
        var query = SearchQuery()
        func text(_ name: String) throws(SearchQueryError) -> [String] {
            guard let raw = value(name), !raw.allSatisfy(\.isWhitespace) else { return [] }
            guard raw.utf8.count <= maxTextBytes else {
                throw .tooLong(parameter: name, reason: "must be at most \(maxTextBytes) bytes")
            }
            let words = SearchText.words(raw)
            guard !words.isEmpty else { throw .invalid(parameter: name, reason: "must contain a letter or a digit") }
            return words
        }
        func date(_ name: String) throws(SearchQueryError) -> Int64? {
            guard let raw = value(name), !raw.isEmpty else { return nil }
            guard let millis = ISO8601.parseMillis(raw) else {
                throw .invalid(parameter: name, reason: "must be a date (YYYY-MM-DD) or an RFC 3339 time (2024-03-01T09:30:00Z)")
            }
            return millis
        }
        query.words = try text("q")
        query.fromWords = try text("from")
        query.subjectWords = try text("subject")
        let count = query.words.count + query.fromWords.count + query.subjectWords.count
        guard count <= maxWords else {
            throw .tooLong(parameter: "q", reason: "from and subject hold \(count) words together; at most \(maxWords) are allowed")
        }
        query.sinceMillis = try date("since")
        query.beforeMillis = try date("before")
        if let since = query.sinceMillis, let before = query.beforeMillis, since >= before {
            throw .invalid(parameter: "before", reason: "must be later than since")
        }
        if let raw = value("hasAttachments") {
            switch raw {
            case "true": query.hasAttachments = true
            case "false": query.hasAttachments = false
            default: throw .invalid(parameter: "hasAttachments", reason: "must be true or false")
            }
        }
        return query
    }
}
