/// Builds the full-text match expression of a ``SearchQuery`` for each backend. Each word becomes a
/// quoted prefix term (SQLite FTS5 `"word"*`, PostgreSQL `'word':*`), all of them ANDed, so no
/// character of the caller's text can act as query syntax (operators, column filters, `NEAR`); the
/// expression is then bound as a parameter, never spliced into SQL. Words come from
/// ``SearchText/words(_:)`` (letters and digits only), and quotes are doubled anyway.
package enum FullTextQuery {
    /// The FTS5 `MATCH` expression for the index's columns `subject_words`, `from_words`, `to_words`;
    /// nil when the query has no words.
    package static func sqlite(_ query: SearchQuery) -> String? {
        func term(_ word: String) -> String { "\"" + word.replacingOccurrences(of: "\"", with: "\"\"") + "\"*" }
        var terms: [String] = query.words.map(term)
        terms += query.fromWords.map { "{from_words} : " + term($0) }
        terms += query.subjectWords.map { "{subject_words} : " + term($0) }
        return terms.isEmpty ? nil : terms.joined(separator: " AND ")
    }

    /// The `to_tsquery('simple', …)` text for the index's weighted vector (subject A, from B, to C);
    /// nil when the query has no words.
    package static func postgres(_ query: SearchQuery) -> String? {
        func term(_ word: String, _ weights: String) -> String {
            let escaped = word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''")
            return "'" + escaped + "':*" + weights
        }
        var terms: [String] = query.words.map { term($0, "") }
        terms += query.fromWords.map { term($0, "B") }
        terms += query.subjectWords.map { term($0, "A") }
        return terms.isEmpty ? nil : terms.joined(separator: " & ")
    }
}
