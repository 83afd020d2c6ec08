import Foundation

/// The one tokenizer of the summary index, used both when rows are written and when a query is
/// parsed, so SQLite FTS5 and PostgreSQL full text see the same words: lower-cased, diacritics
/// folded (`é` -> `e`), split at every character that is neither a letter nor a digit. An address
/// `alice@example.com` becomes `alice example com`; a query `alice@example` matches it as the two
/// prefixes `alice` and `example`. Scripts written without spaces (Chinese, Japanese) give one
/// word per run of letters, so only prefixes of such runs match.
package enum SearchText {
    /// Longest word kept, in characters (longer ones are cut; queries are cut the same way).
    package static let maxWordLength = 64
    /// Most words kept per indexed field (a subject of thousands of words is cut).
    package static let maxWordsPerField = 200

    /// The words of `text`, in order.
    package static func words(_ text: String) -> [String] {
        let folded = text.lowercased().folding(options: [.diacriticInsensitive, .widthInsensitive], locale: nil)
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty {
                words.append(String(String(current).prefix(maxWordLength)))
                current = String.UnicodeScalarView()
            }
        }
        for scalar in folded.unicodeScalars {
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                current.append(scalar)
            } else {
                flush()
                if words.count >= maxWordsPerField { break }
            }
        }
        flush()
        return Array(words.prefix(maxWordsPerField))
    }

    /// The words of `text` joined by single spaces (the form stored in the index).
    package static func indexed(_ text: String) -> String { words(text).joined(separator: " ") }

    /// The words of a list of addresses: display names and addresses.
    package static func indexed(_ addresses: [MailAddress]) -> String {
        indexed(addresses.map { [$0.name ?? "", $0.address].joined(separator: " ") }.joined(separator: " "))
    }
}
