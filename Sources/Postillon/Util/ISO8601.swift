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
