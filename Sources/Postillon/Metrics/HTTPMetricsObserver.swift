import CoreMetrics
import PostillonHTTP
import Synchronization

/// Records HTTP requests into ``ServiceMetrics``' families: the server calls it through the
/// mail-agnostic ``HTTPServerObserver`` hook. Labels are bounded: the route template the router
/// matched (`(static)`, `(unmatched)` otherwise), the method if it is a standard one (else `other`)
/// and the status class. Instruments are created once per label set and reused.
package final class HTTPMetricsObserver: HTTPServerObserver {
    private struct Key: Hashable {
        let route: String
        let method: String
        let statusClass: Int
    }

    private struct Instruments: Sendable {
        let requests: Counter
        let duration: Timer
    }

    private static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
    private let instruments = Mutex<[Key: Instruments]>([:])

    package init() {}

    package func requestFinished(route: String, method: HTTPMethod, status: Int, nanoseconds: UInt64) {
        let key = Key(route: route, method: Self.methods.contains(method.rawValue) ? method.rawValue : "other",
                      statusClass: min(max(status / 100, 1), 5))
        let found = instruments.withLock { $0[key] } ?? make(key)
        found.requests.increment()
        found.duration.recordNanoseconds(Int64(clamping: nanoseconds))
    }

    private func make(_ key: Key) -> Instruments {
        let dimensions = [("route", key.route), ("method", key.method), ("status", "\(key.statusClass)xx")]
        let made = Instruments(requests: Counter(label: ServiceMetrics.Name.httpRequests, dimensions: dimensions),
                               duration: Timer(label: ServiceMetrics.Name.httpDuration, dimensions: dimensions))
        return instruments.withLock { table in
            if let existing = table[key] { return existing }
            table[key] = made
            return made
        }
    }
}
