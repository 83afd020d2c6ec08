import Foundation
import PostillonHTTP
import Synchronization

/// Cached readiness checks, so `/api/v1/ready` cannot be turned into a flood of mail-server connections:
/// each check's result is reused for `cacheMillis`; when it is stale, exactly one caller starts a new
/// probe (on a thread of its own, both checks at once) and waits for it at most `waitMillis`, while every
/// other caller gets the previous result with its age. A probe that outlives the wait (a server that
/// never greets) finishes in the background and updates the cache, so `/ready` stays fast even then.
/// Before the first probe has finished a check reads as `pending` (not ready).
package final class ReadinessChecker: Sendable {
    /// One check's current state, as `/api/v1/ready` reports it.
    package struct Report: Sendable, Equatable {
        package var name: String
        package var state: String
        package var ok: Bool
        package var ageMillis: Int64?
        package var outcome: UpstreamProbe.Outcome?
        package var upstream: String
    }

    private struct Check {
        let name: String
        let upstream: String
        var last: UpstreamProbe.Outcome?
        var checkedAt: Int64 = 0
        var probing = false
    }

    private let state: Mutex<[Check]>
    private let probe: @Sendable (_ index: Int) -> UpstreamProbe.Outcome
    private let cacheMillis: Int64
    private let waitMillis: Int
    private let now: @Sendable () -> Int64

    /// Creates a checker.
    /// - Parameters:
    ///   - checks: name and upstream (for operators) of each check, in report order.
    ///   - cacheMillis: how long a result is reused.
    ///   - waitMillis: how long the caller that starts a probe waits for its result.
    ///   - now: the monotonic clock in milliseconds (tests inject one).
    ///   - probe: runs check number `index` (blocking).
    package init(checks: [(name: String, upstream: String)], cacheMillis: Int64, waitMillis: Int = 800, now: @escaping @Sendable () -> Int64 = MonotonicClock.nowMillis,
                 probe: @escaping @Sendable (_ index: Int) -> UpstreamProbe.Outcome) {
        state = Mutex(checks.map { Check(name: $0.name, upstream: $0.upstream) })
        self.cacheMillis = cacheMillis
        self.waitMillis = waitMillis
        self.now = now
        self.probe = probe
    }

    /// The checks for the configured POP3 and SMTP servers, probed with the configured TLS policy and CA.
    package convenience init(pop3: UpstreamSettings, smtp: UpstreamSettings, cacheSeconds: Int, timeoutSeconds: Int) {
        let settings = [pop3, smtp]
        self.init(checks: [("pop3", pop3.url.description), ("smtp", smtp.url.description)], cacheMillis: Int64(cacheSeconds) * 1000) { index in
            let outcome = UpstreamProbe.run(settings[index], timeoutSeconds: timeoutSeconds)
            ServiceMetrics.readinessProbe(check: index == 0 ? "pop3" : "smtp", ok: outcome.ok)
            return outcome
        }
    }

    /// Every check's report, probing the stale ones this caller claimed first.
    package func reports() -> [Report] {
        let claimed: [Int] = state.withLock { checks in
            let time = now()
            var claimed: [Int] = []
            for index in checks.indices where !checks[index].probing && (checks[index].last == nil || time - checks[index].checkedAt >= cacheMillis) {
                checks[index].probing = true
                claimed.append(index)
            }
            return claimed
        }
        if !claimed.isEmpty {
            let done = DispatchSemaphore(value: 0)
            for index in claimed {
                // Blocking libcurl: a thread of its own, never the cooperative pool; at most one per check.
                Thread { [self] in
                    let outcome = probe(index)
                    state.withLock { checks in
                        checks[index].last = outcome
                        checks[index].checkedAt = now()
                        checks[index].probing = false
                    }
                    done.signal()
                }.start()
            }
            let deadline = DispatchTime.now() + .milliseconds(waitMillis)
            for _ in claimed where done.wait(timeout: deadline) == .timedOut { break }
        }
        return state.withLock { checks in
            let time = now()
            return checks.map { check in
                guard let last = check.last else {
                    return Report(name: check.name, state: "pending", ok: false, ageMillis: nil, outcome: nil, upstream: check.upstream)
                }
                return Report(name: check.name, state: last.ok ? "ok" : "failing", ok: last.ok, ageMillis: time - check.checkedAt,
                              outcome: last, upstream: check.upstream)
            }
        }
    }
}
