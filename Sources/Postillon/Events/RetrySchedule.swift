import PostillonHTTP

/// When a failed delivery is tried again: delays after the 1st, 2nd, … failure, with ±10 % jitter;
/// past the last delay the delivery is failed. The default spans about a day, as Standard Webhooks
/// suggests (seconds, then minutes, then hours).
package struct RetrySchedule: Sendable, Equatable {
    /// Seconds to wait after each failure.
    package var delays: [Int]

    /// The default: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (about 27.6 h in all).
    package static let standard = RetrySchedule(delays: [5, 300, 1800, 7200, 18000, 36000, 36000])

    /// Creates a schedule.
    package init(delays: [Int]) { self.delays = delays }

    /// Parses `5,300,1800` (seconds); nil when empty or not positive whole numbers.
    package init?(_ text: String) {
        let parts = text.split(separator: ",").map { Int(String($0).trimming(" ")) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 && ($0 ?? 0) <= 172_800 }) else { return nil }
        delays = parts.map { $0! }
    }

    /// When to try again after `failures` failed attempts (1 = the first), or nil: give up.
    package func nextAttempt(after failures: Int, now: Int64, random: (ClosedRange<Int64>) -> Int64 = { Int64.random(in: $0) }) -> Int64? {
        guard failures >= 1, failures <= delays.count else { return nil }
        let base = Int64(delays[failures - 1]) * 1000
        return now + base + random(-(base / 10)...(base / 10))
    }

    /// The schedule as configured (`5,300,…`).
    package var text: String { delays.map(String.init).joined(separator: ",") }
}
