import Synchronization

/// A server-wide budget for request bodies being received: every body larger than
/// ``smallBodyBytes`` reserves its size (or its route's limit, for chunked bodies) before its first
/// byte is buffered, and gives it back when the request is done or the connection closes. A request
/// that does not fit is answered 503 at once, so many slow large uploads cannot exhaust memory.
package final class BodyBudget: Sendable {
    /// Bodies up to this size need no reservation (they fit the read buffer anyway).
    package let smallBodyBytes: Int
    /// Most body bytes reserved at once.
    package let limitBytes: Int
    private let reserved = Atomic<Int>(0)

    /// Creates a budget of `limitBytes`.
    package init(limitBytes: Int, smallBodyBytes: Int = 64 * 1024) {
        self.limitBytes = limitBytes
        self.smallBodyBytes = smallBodyBytes
    }

    /// Bytes reserved now.
    package var reservedBytes: Int { reserved.load(ordering: .relaxed) }

    /// Reserves `bytes`; nil when they do not fit. Small bodies get an empty reservation.
    package func reserve(_ bytes: Int) -> Reservation? {
        guard bytes > smallBodyBytes else { return Reservation(budget: self, bytes: 0) }
        var current = reserved.load(ordering: .relaxed)
        while true {
            guard bytes <= limitBytes - current else { return nil }
            let (exchanged, original) = reserved.compareExchange(expected: current, desired: current + bytes, ordering: .relaxed)
            if exchanged { return Reservation(budget: self, bytes: bytes) }
            current = original
        }
    }

    fileprivate func release(_ bytes: Int) {
        if bytes > 0 { reserved.wrappingSubtract(bytes, ordering: .relaxed) }
    }

    /// Reserved bytes, given back exactly once when the last reference goes away.
    package final class Reservation: Sendable {
        private let budget: BodyBudget
        /// The bytes held.
        package let bytes: Int

        fileprivate init(budget: BodyBudget, bytes: Int) {
            self.budget = budget
            self.bytes = bytes
        }

        deinit { budget.release(bytes) }
    }
}
