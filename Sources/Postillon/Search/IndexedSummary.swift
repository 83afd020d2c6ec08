/// One row of the summary index: a message's summary (as the list shows it) plus the columns
/// search filters on. Built from the same `TOP n 0` headers as the list; never holds a body or a
/// password.
package struct IndexedSummary: Sendable, Equatable {
    /// The message's UIDL.
    package var uidl: String
    /// The summary (flags false; they live in their own table).
    package var summary: MessageSummary
    /// ``SearchText`` words of the subject.
    package var subjectWords: String
    /// Words of the From names and addresses.
    package var fromWords: String
    /// Words of the To and Cc names and addresses.
    package var toWords: String
    /// The `Date` header in ms since the epoch, nil when missing or unparseable.
    package var dateMillis: Int64?
    /// See ``hasAttachments(contentType:)``.
    package var hasAttachments: Bool

    /// Derives the row from a summary.
    package init(uidl: String, summary: MessageSummary) {
        self.uidl = uidl
        var plain = summary
        plain.seen = false
        plain.flagged = false
        self.summary = plain
        subjectWords = SearchText.indexed(summary.subject ?? "")
        fromWords = SearchText.indexed(summary.from)
        toWords = SearchText.indexed(summary.to + summary.cc)
        dateMillis = summary.date.flatMap(ISO8601.parseMillis)
        hasAttachments = Self.hasAttachments(contentType: summary.contentType)
    }

    /// Whether a message probably has attachments, judged from its top-level `Content-Type` alone
    /// (the index is built from headers, without downloading bodies): `multipart/mixed` (how mail
    /// clients send attachments) and `multipart/report` (a bounce carrying the original) say yes, as
    /// does a single non-text part (`application/pdf`, `image/png`, …, a message that is itself a
    /// file). `text/*`, `multipart/alternative` and `multipart/related` (HTML with inline images)
    /// say no. Wrong for a `multipart/mixed` holding only text parts, and for attachments inside a
    /// `multipart/signed` or `multipart/encrypted` wrapper, which count as none.
    package static func hasAttachments(contentType: String) -> Bool {
        let type = contentType.lowercased()
        if type == "multipart/mixed" || type == "multipart/report" { return true }
        if type.hasPrefix("multipart/") || type.hasPrefix("text/") || type.hasPrefix("message/") { return false }
        return type.hasPrefix("application/") || type.hasPrefix("image/") || type.hasPrefix("audio/") || type.hasPrefix("video/")
    }
}
