import PostillonHTTP
/// Pure parsers for POP3 multi-line replies (RFC 1939), tested from literals.
package enum POP3Parser {
    /// Splits a multi-line payload (already dot-unstuffed) into lines without CRLF.
    package static func lines(_ payload: [UInt8]) -> [String] {
        var lines: [String] = []
        var start = 0
        var index = 0
        while index < payload.count {
            if payload[index] == ASCII.lf {
                var end = index
                if end > start && payload[end - 1] == ASCII.cr { end -= 1 }
                lines.append(String(decoding: payload[start..<end], as: UTF8.self))
                start = index + 1
            }
            index += 1
        }
        if start < payload.count { lines.append(String(decoding: payload[start...], as: UTF8.self)) }
        return lines
    }

    /// Parses `UIDL` lines (`1 whqtswO00WBw418f9t5JxYwZ`) into number -> uid.
    /// - Throws: ``POP3Error/protocolViolation(_:)`` for a malformed line or a repeated number.
    package static func uidl(_ lines: [String]) throws -> [Int: String] {
        var result: [Int: String] = [:]
        for line in lines {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2, let number = Int(parts[0]), number > 0 else {
                throw POP3Error.protocolViolation("bad UIDL line '\(line.prefix(80))'")
            }
            let uid = String(parts[1])
            guard uid.utf8.count <= 70, uid.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
                throw POP3Error.protocolViolation("bad unique id '\(uid.prefix(80))'")
            }
            guard result.updateValue(uid, forKey: number) == nil else { throw POP3Error.protocolViolation("UIDL repeats message \(number)") }
        }
        return result
    }

    /// Parses `LIST` lines (`1 120`) into number -> size.
    /// - Throws: ``POP3Error/protocolViolation(_:)`` for a malformed line.
    package static func list(_ lines: [String]) throws -> [Int: Int] {
        var result: [Int: Int] = [:]
        for line in lines {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2, let number = Int(parts[0]), number > 0, let size = Int(parts[1]), size >= 0 else {
                throw POP3Error.protocolViolation("bad LIST line '\(line.prefix(80))'")
            }
            result[number] = size
        }
        return result
    }

    /// Joins UIDL and LIST results into listings ordered by message number.
    package static func listings(uidl: [Int: String], sizes: [Int: Int]) -> [POP3Listing] {
        uidl.keys.sorted().map { POP3Listing(number: $0, uidl: uidl[$0]!, size: sizes[$0] ?? 0) }
    }

    /// Parses a `STAT` reply text (`2 320`).
    package static func stat(_ status: POP3Status) throws -> (count: Int, bytes: Int) {
        let parts = status.text.split(separator: " ")
        guard parts.count >= 2, let count = Int(parts[0]), let bytes = Int(parts[1]) else {
            throw POP3Error.protocolViolation("bad STAT reply '\(status.text.prefix(80))'")
        }
        return (count, bytes)
    }
}
