/// A POP3 status line: `+OK ...` or `-ERR [CODE] ...` with the RFC 2449 / RFC 3206 response code.
package struct POP3Status: Sendable, Equatable {
    /// True for `+OK`.
    package let ok: Bool
    /// The extended response code without brackets, upper-cased (`IN-USE`, `SYS/TEMP`, `AUTH`, `LOGIN-DELAY`), if any.
    package let code: String?
    /// The human-readable rest of the line.
    package let text: String

    /// Creates a status.
    package init(ok: Bool, code: String? = nil, text: String = "") {
        self.ok = ok
        self.code = code
        self.text = text
    }

    /// Parses a status line (without CRLF); nil when it is neither `+OK` nor `-ERR`.
    package static func parse<S: StringProtocol>(_ line: S) -> POP3Status? {
        let ok: Bool
        var rest: Substring
        if line.hasPrefix("+OK") {
            ok = true
            rest = Substring(line.dropFirst(3))
        } else if line.hasPrefix("-ERR") {
            ok = false
            rest = Substring(line.dropFirst(4))
        } else {
            return nil
        }
        if let first = rest.first, first != " " { return nil }
        rest = rest.drop(while: { $0 == " " })
        var code: String?
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            code = rest[rest.index(after: rest.startIndex)..<close].uppercased()
            rest = rest[rest.index(after: close)...].drop(while: { $0 == " " })
        }
        return POP3Status(ok: ok, code: code, text: String(rest))
    }
}
