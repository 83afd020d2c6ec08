import PostillonHTTP
/// One holder per key at a time, first come first served, with a bounded wait.
///
/// Serialises POP3 sessions per mailbox inside this process, so concurrent requests for one
/// mailbox queue here instead of colliding at the server (`[IN-USE]`). Blocking, for worker threads.
public final class KeyedLock: @unchecked Sendable {
    private struct Queue {
        var next = 0
        var serving = 0
        var abandoned: Set<Int> = []
        var users = 0
    }

    private let lock = ConditionLock()
    private var queues: [String: Queue] = [:]

    /// Creates a lock table.
    public init() {}

    /// Waits for `key`; returns false when the wait passed `timeoutMillis`.
    public func acquire(_ key: String, timeoutMillis: Int64) -> Bool {
        let deadline = MonotonicClock.nowMillis() + timeoutMillis
        return lock.withLock {
            var queue = queues[key] ?? Queue()
            let ticket = queue.next
            queue.next += 1
            queue.users += 1
            queues[key] = queue
            while queues[key]!.serving != ticket {
                if !lock.wait(untilMillis: deadline) && queues[key]!.serving != ticket {
                    queues[key]!.abandoned.insert(ticket)
                    queues[key]!.users -= 1
                    return false
                }
            }
            return true
        }
    }

    /// Releases `key` for the next waiter.
    public func release(_ key: String) {
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

    /// Keys currently held or waited for.
    public var activeKeys: Int { lock.withLock { queues.count } }
}
