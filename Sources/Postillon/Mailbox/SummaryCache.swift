import Synchronization

/// A bounded cache of message summaries keyed by (mailbox, UIDL). Summaries never change for a
/// UIDL, so entries need no invalidation; the oldest are evicted first when full.
package final class SummaryCache: Sendable {
    private struct State {
        var entries: [String: MessageSummary] = [:]
        var order: [String] = []
        var head = 0
    }

    private let state = Mutex(State())
    private let capacity: Int

    /// Creates a cache holding at most `capacity` summaries (0 disables it).
    package init(capacity: Int) {
        self.capacity = capacity
    }

    private func key(_ mailbox: String, _ uidl: String) -> String { mailbox + "\u{0}" + uidl }

    /// The cached summary, if any.
    package func get(mailbox: String, uidl: String) -> MessageSummary? {
        let key = key(mailbox, uidl)
        return state.withLock { $0.entries[key] }
    }

    /// Stores a summary.
    package func put(mailbox: String, uidl: String, summary: MessageSummary) {
        guard capacity > 0 else { return }
        let key = key(mailbox, uidl)
        state.withLock { state in
            if state.entries.updateValue(summary, forKey: key) != nil { return }
            state.order.append(key)
            while state.entries.count > capacity {
                state.entries.removeValue(forKey: state.order[state.head])
                state.head += 1
            }
            if state.head > 4096 && state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
        }
    }

    /// Number of cached summaries.
    package var count: Int { state.withLock { $0.entries.count } }
}
