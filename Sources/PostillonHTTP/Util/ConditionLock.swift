#if canImport(Glibc)
import Glibc
#endif

/// A pthread mutex with a condition variable, for threads that must block (worker pool, keyed locks).
///
/// Swift's `Mutex` has no condition variable; this class owns both and frees them in `deinit`.
package final class ConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    package init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` with the mutex held.
    @inline(__always)
    package func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits for a signal; call with the mutex held (inside `withLock`).
    package func wait() {
        pthread_cond_wait(condition, mutex)
    }

    /// Waits for a signal until the monotonic deadline (milliseconds); returns false on timeout.
    /// Call with the mutex held.
    package func wait(untilMillis deadline: Int64) -> Bool {
        var ts = timespec(tv_sec: Int(deadline / 1000), tv_nsec: Int((deadline % 1000) * 1_000_000))
        return pthread_cond_timedwait(condition, mutex, &ts) == 0
    }

    /// Wakes one waiter.
    package func signal() { pthread_cond_signal(condition) }

    /// Wakes every waiter.
    package func broadcast() { pthread_cond_broadcast(condition) }
}
