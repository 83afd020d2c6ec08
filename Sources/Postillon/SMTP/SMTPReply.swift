/// One SMTP reply: the three-digit code and the text of its lines (joined by a space).
package struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    /// The reply code, for example 250 or 550.
    package let code: Int
    /// The text after the code, for example `5.1.1 <x@mail.test>: Recipient address rejected`.
    package let text: String

    /// Creates a reply.
    package init(code: Int, text: String) {
        self.code = code
        self.text = text
    }

    /// Whether the code is 2xx.
    package var isPositive: Bool { (200..<300).contains(code) }

    /// Whether the code is 4xx (a temporary failure: trying again later may work).
    package var isTransient: Bool { (400..<500).contains(code) }

    package var description: String { text.isEmpty ? String(code) : "\(code) \(text)" }

    /// Splits one reply line such as `250-SIZE 1000` or `550 5.1.1 Unknown`.
    /// - Returns: the code, whether more lines of the same reply follow (`-`), and the text; nil when
    ///   the line does not start with three digits.
    static func parseLine(_ line: Substring) -> (code: Int, continues: Bool, text: Substring)? {
        let bytes = Array(line.utf8.prefix(4))
        guard bytes.count >= 3, bytes[0...2].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let code = Int(line.prefix(3)) else { return nil }
        if bytes.count == 3 { return (code, false, "") }
        switch bytes[3] {
        case UInt8(ascii: "-"): return (code, true, line.dropFirst(4))
        case UInt8(ascii: " "): return (code, false, line.dropFirst(4))
        default: return nil
        }
    }
}
