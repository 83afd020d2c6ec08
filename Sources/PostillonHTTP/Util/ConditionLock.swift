#if canImport(Glibc)
import Glibc
#endif

/// A pthread mutex with a condition variable, for threads that must block (worker pool, keyed locks).
///
/// Swift's `Mutex` has no condition variable; this class owns both and frees them in `deinit`.
/// A failing pthread call means a broken invariant (unlocking an unowned mutex, a corrupt object):
/// every return code is checked and such a failure stops the process instead of racing on.
///
/// Sendable: the pthread objects are the synchronisation; the pointers themselves never change.
package final class ConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    package init() {
        Self.check(pthread_mutex_init(mutex, nil), "pthread_mutex_init")
        var attributes = pthread_condattr_t()
        Self.check(pthread_condattr_init(&attributes), "pthread_condattr_init")
        Self.check(pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC), "pthread_condattr_setclock")
        Self.check(pthread_cond_init(condition, &attributes), "pthread_cond_init")
        Self.check(pthread_condattr_destroy(&attributes), "pthread_condattr_destroy")
    }

    deinit {
        Self.check(pthread_cond_destroy(condition), "pthread_cond_destroy")
        Self.check(pthread_mutex_destroy(mutex), "pthread_mutex_destroy")
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` with the mutex held.
    @inline(__always)
    package func withLock<T>(_ body: () throws -> T) rethrows -> T {
        Self.check(pthread_mutex_lock(mutex), "pthread_mutex_lock")
        defer { Self.check(pthread_mutex_unlock(mutex), "pthread_mutex_unlock") }
        return try body()
    }

    /// Waits for a signal; call with the mutex held (inside `withLock`).
    package func wait() {
        Self.check(pthread_cond_wait(condition, mutex), "pthread_cond_wait")
    }

    /// Waits for a signal until the monotonic deadline (milliseconds); returns false on timeout.
    /// Call with the mutex held.
    package func wait(untilMillis deadline: Int64) -> Bool {
        var ts = timespec(tv_sec: Int(deadline / 1000), tv_nsec: Int((deadline % 1000) * 1_000_000))
        let result = pthread_cond_timedwait(condition, mutex, &ts)
        if result == ETIMEDOUT { return false }
        Self.check(result, "pthread_cond_timedwait")
        return true
    }

    /// Wakes one waiter.
    package func signal() { Self.check(pthread_cond_signal(condition), "pthread_cond_signal") }

    /// Wakes every waiter.
    package func broadcast() { Self.check(pthread_cond_broadcast(condition), "pthread_cond_broadcast") }

    /// Stops the process when a pthread call failed: continuing would break mutual exclusion.
    @inline(__always)
    private static func check(_ result: Int32, _ call: StaticString) {
        precondition(result == 0, "\(call) failed with \(result)")
    }
}
