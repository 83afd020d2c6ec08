/// A POP3 server's CAPA reply (RFC 2449), kept as the server sent it; keywords are matched
/// case-insensitively. Empty when the server has no CAPA (popa3d, solid-pop3d answer `-ERR`).
package struct POP3Capabilities: Sendable, Equatable {
    /// The capability lines exactly as sent (without CRLF).
    package let lines: [String]

    /// Creates capabilities from CAPA lines.
    package init(_ lines: [String]) {
        self.lines = lines
    }

    /// The arguments of capability `keyword`, or nil when it is not listed.
    package func arguments(_ keyword: String) -> [String]? {
        for line in lines {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            if let first = words.first, first.uppercased() == keyword.uppercased() { return words.dropFirst().map(String.init) }
        }
        return nil
    }

    /// Whether `keyword` is listed.
    package func has(_ keyword: String) -> Bool { arguments(keyword) != nil }

    /// Whether commands may be pipelined (RFC 2449 PIPELINING).
    package var pipelining: Bool { has("PIPELINING") }

    /// Whether the SASL mechanism `name` is offered (`SASL PLAIN LOGIN`).
    package func offersSASL(_ name: String) -> Bool {
        arguments("SASL")?.contains { $0.uppercased() == name.uppercased() } ?? false
    }

    /// Whether `TOP` may be used: listed, or the server has no CAPA to say otherwise.
    package var mayUseTOP: Bool { lines.isEmpty || has("TOP") }

    /// The advertised minimum seconds between logins (`LOGIN-DELAY n`, RFC 2449 §6.5), if any.
    package var loginDelaySeconds: Int? {
        guard let first = arguments("LOGIN-DELAY")?.first, let seconds = Int(first), seconds >= 0 else { return nil }
        return seconds
    }
}
