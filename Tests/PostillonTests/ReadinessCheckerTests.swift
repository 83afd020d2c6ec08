@testable import Postillon
import Synchronization
import Testing

@Suite struct ReadinessCheckerTests {
    final class Probes: Sendable {
        let count = Mutex<[Int]>([0, 0])
        let clock = Mutex<Int64>(1_000)
        let failing = Mutex<Bool>(false)
    }

    private func checker(_ probes: Probes) -> ReadinessChecker {
        ReadinessChecker(checks: [("pop3", "pop3://127.0.0.1:995"), ("smtp", "smtp://127.0.0.1:587")], cacheMillis: 5_000,
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

    @Test func concurrentCallersDoNotProbeTwice() async {
        let probes = Probes()
        let readiness = checker(probes)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<100 { group.addTask { _ = readiness.reports() } }
        }
        #expect(probes.count.withLock { $0 } == [1, 1])
    }
}
