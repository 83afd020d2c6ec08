import Foundation
import Logging

/// Deletes expired sessions, idempotency records and login windows every `intervalSeconds` on its
/// own thread (the store blocks, so it stays off event loops and the cooperative pool).
package final class StateSweeper: Sendable {
    private let store: any StateStore
    private let intervalMillis: Int64
    private let windowMillis: Int64
    private let maxIdempotencyRecords: Int
    private let maxLoginWindows: Int
    private let logger: Logger
    private let stopping = StopSignal()

    /// Creates a sweeper; call ``start()`` to run it.
    package init(store: any StateStore, intervalSeconds: Int = 60, windowMillis: Int64, maxIdempotencyRecords: Int = 1_000_000,
                 maxLoginWindows: Int = 1_000_000, logger: Logger) {
        self.store = store
        intervalMillis = Int64(intervalSeconds) * 1000
        self.windowMillis = windowMillis
        self.maxIdempotencyRecords = maxIdempotencyRecords
        self.maxLoginWindows = maxLoginWindows
        self.logger = logger
    }

    /// Sweeps once now; the number of rows removed.
    @discardableResult
    package func sweepOnce() -> Int {
        do {
            let removed = try store.sweep(now: WallClock.nowMillis(), windowMillis: windowMillis,
                                          maxIdempotencyRecords: maxIdempotencyRecords, maxLoginWindows: maxLoginWindows)
            if removed > 0 { logger.debug("state swept", metadata: ["rows": "\(removed)"]) }
            return removed
        } catch {
            logger.warning("state sweep failed", metadata: ["error": "\(error)"])
            return 0
        }
    }

    /// Starts the background thread.
    package func start() {
        let thread = Thread { [self] in
            while !stopping.wait(millis: intervalMillis) { sweepOnce() }
        }
        thread.name = "postillon-state-sweeper"
        thread.start()
    }

    /// Stops the background thread after its current sweep.
    package func stop() { stopping.set() }
}
