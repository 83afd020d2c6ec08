@testable import Postillon
import Dispatch
import Foundation
import Synchronization
import Testing

@Suite struct ReadinessCheckerTests {
    final class Probes: Sendable {
        let count = Mutex<[Int]>([0, 0])
        let clock = Mutex<Int64>(1_000)
        let failing = Mutex<Bool>(false)
    }

    private func checker(_ probes: Probes) -> ReadinessChecker {
        ReadinessChecker(checks: [("pop3", "pop3://127.0.0.1:995"), ("smtp", "smtp://127.0.0.1:587")], cacheMillis: 5_000, waitMillis: 60_000,
                         now: { probes.clock.withLock { $0 } }) { index in
            probes.count.withLock { $0[index] += 1 }
            return probes.failing.withLock { $0 } && index == 1 ? UpstreamProbe.Outcome(ok: false, code: "tls_failed", detail: "x") : UpstreamProbe.Outcome(ok: true)
        }
    }

    @Test func hundredCallsInOnePeriodProbeEachUpstreamOnce() {
        let probes = Probes()
        let readiness = checker(probes)
        for _ in 0..<100 {
            let reports = readiness.reports()
            #expect(reports.allSatisfy { $0.ok })
            probes.clock.withLock { $0 += 10 }  // 100 calls in one second
        }
        #expect(probes.count.withLock { $0 } == [1, 1])
        probes.clock.withLock { $0 += 5_000 }
        _ = readiness.reports()
        #expect(probes.count.withLock { $0 } == [2, 2])
    }

    @Test func reportsStateAndAgeAndTheFailingCheck() {
        let probes = Probes()
        probes.failing.withLock { $0 = true }
        let readiness = checker(probes)
        _ = readiness.reports()
        probes.clock.withLock { $0 += 1_500 }
        let reports = readiness.reports()
        #expect(reports.map(\.state) == ["ok", "failing"])
        #expect(reports.map(\.ageMillis) == [1_500, 1_500])
        #expect(reports[1].outcome?.code == "tls_failed")
    }

    /// A probe that hangs (a server that never greets) does not hold the caller past the wait: it gets
    /// `pending` at once, and the result lands in the cache when the probe ends.
    @Test func aHangingProbeDoesNotHoldTheCaller() {
        let release = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        let readiness = ReadinessChecker(checks: [("pop3", "pop3://x"), ("smtp", "smtp://x")], cacheMillis: 5_000, waitMillis: 50) { index in
            if index == 0 { release.wait(); defer { finished.signal() }; return UpstreamProbe.Outcome(ok: false, code: "timeout", detail: "x") }
            return UpstreamProbe.Outcome(ok: true)
        }
        let started = DispatchTime.now()
        let first = readiness.reports()
        let waited = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6
        #expect(waited < 5_000)
        #expect(first.map(\.state) == ["pending", "ok"])
        release.signal()
        #expect(finished.wait(timeout: .now() + 5) == .success)
        var later = readiness.reports()
        for _ in 0..<100 where later[0].state == "pending" { usleep(10_000); later = readiness.reports() }
        #expect(later.map(\.state) == ["failing", "ok"])
        #expect(later[0].outcome?.code == "timeout")
    }

    @Test func concurrentCallersDoNotProbeTwice() async {
        let probes = Probes()
        let readiness = checker(probes)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<100 { group.addTask { _ = readiness.reports() } }
        }
        #expect(probes.count.withLock { $0 } == [1, 1])
    }
}
