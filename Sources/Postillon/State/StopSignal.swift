import PostillonHTTP

/// A one-shot flag a background thread waits on with a timeout, to stop promptly.
final class StopSignal: @unchecked Sendable {
    // Invariant: `flag` is only read and written with `lock` held.
    private let lock = ConditionLock()
    private var flag = false

    /// Waits up to `millis`; true once the signal is set.
    func wait(millis: Int64) -> Bool {
        lock.withLock {
            let deadline = MonotonicClock.nowMillis() + millis
            while !flag, MonotonicClock.nowMillis() < deadline { _ = lock.wait(untilMillis: deadline) }
            return flag
        }
    }

    /// Sets the signal and wakes the waiter.
    func set() {
        lock.withLock {
            flag = true
            lock.broadcast()
        }
    }
}
