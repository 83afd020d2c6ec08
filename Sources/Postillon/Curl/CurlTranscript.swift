/// What the mail server said during libcurl's part of a session, captured by the debug callback.
///
/// Only server lines (`CURLINFO_HEADER_IN`) are kept, plus the verb of each command libcurl sent
/// (never its arguments, which may hold credentials). Capabilities are taken from the last
/// `CAPA` (POP3) or `EHLO` (SMTP) reply.
final class CurlTranscript {
    /// The last line the server sent.
    private(set) var lastServerLine: String?
    /// Server lines of the current reply block (all lines of the last reply to a command).
    private(set) var capabilities: [String] = []
    /// Verb of the last command libcurl sent (`CAPA`, `AUTH`, `EHLO`, ...).
    private(set) var lastVerb = ""
    private var collectingCapabilities = false
    /// Every server line, bounded, for tests and debug logs.
    private(set) var serverLines: [String] = []
    /// The first line the server sent (a POP3 greeting, with its APOP timestamp if any).
    var greeting: String? { serverLines.first }
    /// The verbs of every command libcurl sent, in order (bounded).
    private(set) var sentVerbs: [String] = []

    func outgoing(_ text: String) {
        let verb = text.split(separator: " ", maxSplits: 1).first.map { $0.trimming("\r\n").uppercased() } ?? ""
        lastVerb = verb
        if sentVerbs.count < 50 { sentVerbs.append(verb) }
        collectingCapabilities = verb == "CAPA" || verb == "EHLO"
        if collectingCapabilities { capabilities = [] }
    }

    func incoming(_ text: String) {
        for raw in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\r\n" || $0 == "\n" || $0 == "\r" }) {
            let line = String(raw)
            lastServerLine = line
            if serverLines.count < 200 { serverLines.append(line) }
            guard collectingCapabilities else { continue }
            if lastVerb == "CAPA" {
                if line == "." { collectingCapabilities = false } else if !line.hasPrefix("+OK") && !line.hasPrefix("-ERR") { capabilities.append(line) }
            } else if line.count >= 4 {
                // SMTP EHLO reply lines: "250-PIPELINING", last one "250 SIZE ..."
                capabilities.append(String(line.dropFirst(4)))
                if line.dropFirst(3).hasPrefix(" ") { collectingCapabilities = false }
            }
        }
    }
}
