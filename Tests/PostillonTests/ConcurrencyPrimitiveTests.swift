import Dispatch
import Foundation
@testable import Postillon
import Synchronization
import Testing
@testable import PostillonHTTP

@Suite struct ConcurrencyPrimitiveTests {
    @Test func keyedLockSerialisesOneKeyAndTimesOut() {
        let locks = KeyedLock()
        #expect(locks.acquire("a", timeoutMillis: 100))
        #expect(locks.acquire("b", timeoutMillis: 100), "other keys are independent")
        let started = MonotonicClock.nowMillis()
        #expect(!locks.acquire("a", timeoutMillis: 150))
        #expect(MonotonicClock.nowMillis() - started >= 140)
        locks.release("a")
        #expect(locks.acquire("a", timeoutMillis: 100), "an abandoned ticket does not block the queue")
        locks.release("a")
        locks.release("b")
        #expect(locks.activeKeys == 0)

        let inside = Atomic<Int>(0)
        let maxInside = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 20) { _ in
            guard locks.acquire("m", timeoutMillis: 10_000) else { return }
            let now = inside.wrappingAdd(1, ordering: .relaxed).newValue
            _ = maxInside.max(now, ordering: .relaxed)
            usleep(1000)
            inside.wrappingSubtract(1, ordering: .relaxed)
            locks.release("m")
        }
        #expect(maxInside.load(ordering: .relaxed) == 1)
    }

    @Test func idempotencyReplaysRejectsReuseAndRunsConcurrentDuplicatesOnce() throws {
        let store = IdempotencyStore()
        let runs = Atomic<Int>(0)
        let work: @Sendable () throws -> HTTPResponse = {
            runs.wrappingAdd(1, ordering: .relaxed)
            usleep(50_000)
            return HTTPResponse(contentType: "application/json", bytes: Array("{\"n\":1}".utf8))
        }
        let first = try store.run(key: "k1", scope: "u", body: [1], work: work)
        let replay = try store.run(key: "k1", scope: "u", body: [1], work: work)
        #expect(runs.load(ordering: .relaxed) == 1)
        #expect(replay.headers["Idempotent-Replayed"] == "true")
        #expect(first.headers["Idempotent-Replayed"] == nil)
        #expect(throws: Problem.self) { try store.run(key: "k1", scope: "u", body: [2], work: work) }
        _ = try store.run(key: "k1", scope: "other-user", body: [1], work: work)
        #expect(runs.load(ordering: .relaxed) == 2, "keys are scoped per caller")

        DispatchQueue.concurrentPerform(iterations: 8) { _ in _ = try? store.run(key: "k2", scope: "u", body: [3], work: work) }
        #expect(runs.load(ordering: .relaxed) == 3, "concurrent duplicates run once")

        let failing: () throws -> HTTPResponse = {
            runs.wrappingAdd(1, ordering: .relaxed)
            return HTTPResponse(status: .badGateway, contentType: "application/json", bytes: [])
        }
        _ = try store.run(key: "k3", scope: "u", body: [], work: failing)
        _ = try store.run(key: "k3", scope: "u", body: [], work: failing)
        #expect(runs.load(ordering: .relaxed) == 5, "5xx results are not stored")
        #expect(throws: Problem.self) { try store.run(key: "bad key", scope: "u", body: [], work: work) }
    }
}
