#if canImport(Glibc)
import Glibc
#endif

/// ISO 8601 timestamps with the original UTC offset, e.g. `2024-03-01T09:30:00+01:00`.
package enum ISO8601 {
    /// Formats seconds since the epoch in the given offset.
    package static func format(epochSeconds: Int64, offsetSeconds: Int) -> String {
        var time = time_t(epochSeconds + Int64(offsetSeconds))
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int = 2) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let sign = offsetSeconds < 0 ? "-" : "+"
        let offset = abs(offsetSeconds)
        let zone = offset == 0 ? "Z" : "\(sign)\(pad(Int32(offset / 3600))):\(pad(Int32(offset % 3600 / 60)))"
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday))T"
            + "\(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec))\(zone)"
    }
}

extension ISO8601 {
    /// Parses `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DDTHH:MM[:SS[.fraction]]` followed by `Z` or
    /// `±HH:MM` (as ``format(epochSeconds:offsetSeconds:)`` writes and RFC 3339 allows; `t`, `z` and a
    /// space for `T` are accepted too); milliseconds since the epoch, nil for anything else.
    package static func parseMillis(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 10, bytes.count <= 40 else { return nil }
        var index = 0
        func number(_ width: Int) -> Int? {
            guard index + width <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + width] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            index += width
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(0x2D), let month = number(2), expect(0x2D), let day = number(2),
              (1...12).contains(month), (1...31).contains(day), year >= 1 else { return nil }
        var hour = 0, minute = 0, second = 0, millis = 0, offset = 0
        if index < bytes.count {
            guard [0x54, 0x74, 0x20].contains(bytes[index]) else { return nil }
            index += 1
            guard let h = number(2), expect(0x3A), let m = number(2), h < 24, m < 60 else { return nil }
            hour = h
            minute = m
            if expect(0x3A) {
                guard let s = number(2), s <= 60 else { return nil }
                second = min(s, 59)
                if expect(0x2E) {
                    var digits = 0
                    while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
                        if digits < 3 { millis = millis * 10 + Int(bytes[index] - 0x30) }
                        digits += 1
                        index += 1
                    }
                    guard digits > 0 else { return nil }
                    for _ in digits..<max(digits, 3) { millis *= 10 }
                }
            }
            if expect(0x5A) || expect(0x7A) {
                offset = 0
            } else {
                guard index < bytes.count, bytes[index] == 0x2B || bytes[index] == 0x2D else { return nil }
                let sign = bytes[index] == 0x2D ? -1 : 1
                index += 1
                guard let oh = number(2), expect(0x3A), let om = number(2), oh < 24, om < 60 else { return nil }
                offset = sign * (oh * 3600 + om * 60)
            }
            guard index == bytes.count else { return nil }
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds = Int64(timegm(&parts))
        // timegm normalises 2024-02-31 to March: refuse dates that do not exist.
        guard parts.tm_mday == Int32(day), parts.tm_mon == Int32(month - 1) else { return nil }
        return (seconds - Int64(offset)) * 1000 + Int64(millis)
    }
}
