import PostillonHTTP
/// One holder per key at a time, first come first served, with a bounded wait.
///
/// Serialises POP3 sessions per mailbox inside this process, so concurrent requests for one
/// mailbox queue here instead of colliding at the server (`[IN-USE]`). Blocking, for worker threads.
/// Sendable: `queues` is only touched under `lock`.
package final class KeyedLock: @unchecked Sendable {
    private struct Queue {
        var next = 0
        var serving = 0
        var abandoned: Set<Int> = []
        var users = 0
    }

    private let lock = ConditionLock()
    private var queues: [String: Queue] = [:]
    private let maxWaiters: Int

    /// Creates a lock table.
    /// - Parameter maxWaiters: most requests waiting per key (besides the holder); more are refused at once.
    package init(maxWaiters: Int = .max) {
        self.maxWaiters = maxWaiters
    }

    /// Waits for `key`; returns false when the wait passed `timeoutMillis`, or at once when
    /// `maxWaiters` requests already wait for it.
    package func acquire(_ key: String, timeoutMillis: Int64) -> Bool {
        acquire(key, deadlineMillis: MonotonicClock.nowMillis() + timeoutMillis).acquired
    }

    /// Waits for `key` until the monotonic time `deadlineMillis` (a request's budget, counted from
    /// its arrival, so time spent before reaching the line counts too). A free key is taken even
    /// when the deadline has passed; a busy one is refused at once then, and at once when
    /// `maxWaiters` requests already wait for it.
    /// - Returns: whether the key is now held, and whether this call had to wait behind another holder.
    package func acquire(_ key: String, deadlineMillis: Int64) -> (acquired: Bool, waited: Bool) {
        lock.withLock {
            if let waiting = queues[key]?.users, waiting - 1 >= maxWaiters { return (false, true) }
            var queue = queues[key] ?? Queue()
            let ticket = queue.next
            let waited = queue.serving != ticket
            queue.next += 1
            queue.users += 1
            queues[key] = queue
            while queues[key]!.serving != ticket {
                if !lock.wait(untilMillis: deadlineMillis) && queues[key]!.serving != ticket {
                    queues[key]!.abandoned.insert(ticket)
                    queues[key]!.users -= 1
                    return (false, true)
                }
            }
            return (true, waited)
        }
    }

    /// Releases `key` for the next waiter.
    package func release(_ key: String) {
        lock.withLock {
            guard var queue = queues[key] else { return }
            queue.serving += 1
            queue.users -= 1
            while queue.abandoned.remove(queue.serving) != nil { queue.serving += 1 }
            if queue.users == 0 {
                queues.removeValue(forKey: key)
            } else {
                queues[key] = queue
            }
            lock.broadcast()
        }
    }

    /// Whether `key` is held or waited for right now.
    package func isBusy(_ key: String) -> Bool { lock.withLock { queues[key] != nil } }

    /// Keys currently held or waited for.
    package var activeKeys: Int { lock.withLock { queues.count } }
}
