#if canImport(Glibc)
import Glibc
#endif

/// Formats access-log lines straight into a byte buffer: no Foundation, no intermediate strings
/// beyond the entry's own, the timestamp formatted once per second by the caller's cache.
package enum AccessLogLine {
    /// The timestamp text for `epochSeconds`, UTC, in the shape swift-log's stream handler uses
    /// (`2026-12-01T21:33:08+0000`).
    package static func timestamp(epochSeconds: Int) -> [UInt8] {
        var time = time_t(epochSeconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        var out: [UInt8] = []
        out.reserveCapacity(24)
        appendPadded(Int(parts.tm_year) + 1900, width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(Int(parts.tm_mon) + 1, width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(Int(parts.tm_mday), width: 2, to: &out)
        out.append(UInt8(ascii: "T"))
        appendPadded(Int(parts.tm_hour), width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(Int(parts.tm_min), width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(Int(parts.tm_sec), width: 2, to: &out)
        out.append(contentsOf: "+0000".utf8)
        return out
    }

    /// Appends one line (with its newline) for `entry`.
    package static func append(_ entry: AccessLogEntry, timestamp: [UInt8], format: AccessLogFormat, to out: inout [UInt8]) {
        switch format {
        case .text: appendText(entry, timestamp: timestamp, to: &out)
        case .json: appendJSON(entry, timestamp: timestamp, to: &out)
        }
    }

    /// `<time> info postillon : bytes=.. duration_ms=.. method=.. path=.. remote=.. request.id=.. status=.. request`:
    /// the fields and order of the lines swift-log wrote before (metadata sorted by key).
    private static func appendText(_ entry: AccessLogEntry, timestamp: [UInt8], to out: inout [UInt8]) {
        out.append(contentsOf: timestamp)
        out.append(contentsOf: (entry.aborted ? " info postillon : aborted=true bytes=" : " info postillon : bytes=").utf8)
        appendDecimal(entry.bytes, to: &out)
        out.append(contentsOf: " duration_ms=".utf8)
        appendMillis(entry.durationMicros, to: &out)
        out.append(contentsOf: " method=".utf8)
        appendPlain(entry.method, to: &out)
        out.append(contentsOf: " path=".utf8)
        appendPlain(entry.path, to: &out)
        out.append(contentsOf: " remote=".utf8)
        appendPlain(entry.remote, to: &out)
        out.append(contentsOf: " request.id=".utf8)
        appendPlain(entry.requestID, to: &out)
        out.append(contentsOf: " status=".utf8)
        appendDecimal(entry.status, to: &out)
        out.append(contentsOf: (entry.aborted ? " request aborted\n" : " request\n").utf8)
    }

    /// `{"time":..,"level":"info","msg":"request","request_id":..,"method":..,"path":..,"status":..,
    /// "bytes":..,"duration_ms":..,"remote":..,"user_agent":..,"account":..}`; absent values are `null`.
    private static func appendJSON(_ entry: AccessLogEntry, timestamp: [UInt8], to out: inout [UInt8]) {
        out.append(contentsOf: #"{"time":""#.utf8)
        out.append(contentsOf: timestamp)
        out.append(contentsOf: (entry.aborted ? #"","level":"info","msg":"request aborted","request_id":"#
                                              : #"","level":"info","msg":"request","request_id":"#).utf8)
        appendJSONString(entry.requestID, to: &out)
        out.append(contentsOf: #","method":"#.utf8)
        appendJSONString(entry.method, to: &out)
        out.append(contentsOf: #","path":"#.utf8)
        appendJSONString(entry.path, to: &out)
        out.append(contentsOf: #","status":"#.utf8)
        appendDecimal(entry.status, to: &out)
        out.append(contentsOf: #","bytes":"#.utf8)
        appendDecimal(entry.bytes, to: &out)
        out.append(contentsOf: #","duration_ms":"#.utf8)
        appendMillis(entry.durationMicros, to: &out)
        out.append(contentsOf: #","remote":"#.utf8)
        appendJSONString(entry.remote, to: &out)
        out.append(contentsOf: #","user_agent":"#.utf8)
        appendJSONString(entry.userAgent, to: &out)
        out.append(contentsOf: #","account":"#.utf8)
        appendJSONString(entry.account, to: &out)
        out.append(contentsOf: "}\n".utf8)
    }

    /// Microseconds as milliseconds with three decimals (`1234` -> `1.234`).
    private static func appendMillis(_ micros: UInt64, to out: inout [UInt8]) {
        appendDecimal(Int(clamping: micros / 1000), to: &out)
        out.append(UInt8(ascii: "."))
        appendPadded(Int(micros % 1000), width: 3, to: &out)
    }

    /// Text-format values: control bytes (a log-line injection) become `?`.
    private static func appendPlain<S: StringProtocol>(_ value: S, to out: inout [UInt8]) {
        for byte in value.utf8 { out.append(byte < 0x20 || byte == 0x7F ? UInt8(ascii: "?") : byte) }
    }

    private static func appendJSONString<S: StringProtocol>(_ value: S?, to out: inout [UInt8]) {
        guard let value else {
            out.append(contentsOf: "null".utf8)
            return
        }
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20, 0x7F:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        if value < 0 {
            out.append(UInt8(ascii: "-"))
            appendDecimal(Int(clamping: value.magnitude), to: &out)
            return
        }
        if value >= 10 { appendDecimal(value / 10, to: &out) }
        out.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    private static func appendPadded(_ value: Int, width: Int, to out: inout [UInt8]) {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        for _ in digits..<max(digits, width) { out.append(UInt8(ascii: "0")) }
        appendDecimal(value, to: &out)
    }
}
