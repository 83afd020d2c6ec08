import PostillonHTTP

/// Wakes a background thread early (new work) or for good (stop); otherwise it sleeps its interval.
final class WakeSignal: @unchecked Sendable {
    // Invariant: `pending` and `stopped` are only touched with `lock` held.
    private let lock = ConditionLock()
    private var pending = false
    private var stopped = false

    /// Waits up to `millis` or until woken; true once stopped.
    func wait(millis: Int64) -> Bool {
        lock.withLock {
            let deadline = MonotonicClock.nowMillis() + millis
            while !pending, !stopped, MonotonicClock.nowMillis() < deadline { _ = lock.wait(untilMillis: deadline) }
            pending = false
            return stopped
        }
    }

    /// Wakes the waiters once.
    func wake() {
        lock.withLock {
            pending = true
            lock.broadcast()
        }
    }

    /// Stops the waiters.
    func stop() {
        lock.withLock {
            stopped = true
            lock.broadcast()
        }
    }
}
