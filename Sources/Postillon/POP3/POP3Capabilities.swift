/// A POP3 server's CAPA reply (RFC 2449), kept as the server sent it; keywords are matched
/// case-insensitively. Empty when the server has no CAPA (popa3d, solid-pop3d answer `-ERR`).
public struct POP3Capabilities: Sendable, Equatable {
    /// The capability lines exactly as sent (without CRLF).
    public let lines: [String]

    /// Creates capabilities from CAPA lines.
    public init(_ lines: [String]) {
        self.lines = lines
    }

    /// The arguments of capability `keyword`, or nil when it is not listed.
    public func arguments(_ keyword: String) -> [String]? {
        for line in lines {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            if let first = words.first, first.uppercased() == keyword.uppercased() { return words.dropFirst().map(String.init) }
        }
        return nil
    }

    /// Whether `keyword` is listed.
    public func has(_ keyword: String) -> Bool { arguments(keyword) != nil }

    /// Whether commands may be pipelined (RFC 2449 PIPELINING).
    public var pipelining: Bool { has("PIPELINING") }

    /// Whether the SASL mechanism `name` is offered (`SASL PLAIN LOGIN`).
    public func offersSASL(_ name: String) -> Bool {
        arguments("SASL")?.contains { $0.uppercased() == name.uppercased() } ?? false
    }

    /// Whether `TOP` may be used: listed, or the server has no CAPA to say otherwise.
    public var mayUseTOP: Bool { lines.isEmpty || has("TOP") }

    /// The advertised minimum seconds between logins (`LOGIN-DELAY n`, RFC 2449 §6.5), if any.
    public var loginDelaySeconds: Int? {
        guard let first = arguments("LOGIN-DELAY")?.first, let seconds = Int(first), seconds >= 0 else { return nil }
        return seconds
    }
}
