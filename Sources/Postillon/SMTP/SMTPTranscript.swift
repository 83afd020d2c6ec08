/// The SMTP conversation of one submission as libcurl's debug callback reports it: commands sent
/// and reply lines received, in order, so each `RCPT TO` can be paired with its reply (libcurl
/// exposes only the last reply code).
///
/// Credentials never enter the transcript: only the verb of `AUTH` is kept, and any line that is not
/// a known command (SASL responses are bare base64) is recorded as `*`. Message data is not a
/// header event and is never seen here.
final class SMTPTranscript {
    /// One line of the conversation.
    enum Event: Equatable {
        /// A command we sent (sanitised).
        case command(String)
        /// A reply line the server sent, without its line ending.
        case reply(String)
    }

    /// The events so far.
    private(set) var events: [Event] = []
    private var partialReply: [UInt8] = []
    /// Commands whose arguments are kept; they hold no secrets.
    private static let keptVerbs: Set<String> = ["EHLO", "HELO", "STARTTLS", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "NOOP", "QUIT"]
    /// Bound on recorded events; the validated recipient limit keeps a real submission far below it.
    private let maxEvents = 20_000

    /// Records text libcurl sent as a command (`CURLINFO_HEADER_OUT`).
    func sent(_ text: String) {
        for line in Self.lines(text) where !line.isEmpty {
            let verb = line.prefix { $0 != " " && $0 != ":" }.uppercased()
            if Self.keptVerbs.contains(verb) {
                append(.command(String(line)))
            } else if verb == "AUTH" {
                append(.command("AUTH"))
            } else {
                append(.command("*"))
            }
        }
    }

    /// Records text the server sent (`CURLINFO_HEADER_IN`); a line split across calls is joined.
    func received(_ text: String) {
        partialReply.append(contentsOf: text.utf8)
        while let newline = partialReply.firstIndex(of: 0x0A) {
            var end = newline
            if end > 0 && partialReply[end - 1] == 0x0D { end -= 1 }
            append(.reply(String(decoding: partialReply[..<end], as: UTF8.self)))
            partialReply.removeSubrange(...newline)
        }
    }

    private func append(_ event: Event) {
        if events.count < maxEvents { events.append(event) }
    }

    /// The lines of `text`; `"\r\n"` is one `Character` in Swift, so split on Unicode scalars.
    private static func lines(_ text: String) -> [Substring] {
        text.unicodeScalars.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" }).map { Substring($0) }
    }
}
