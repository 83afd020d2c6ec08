import Foundation
import Logging
import PostillonHTTP

/// Sends due webhook deliveries on dedicated threads: claims them in the store (one replica per
/// attempt, oldest first per subscription), signs and sends each, and records the outcome with the
/// next attempt from the ``RetrySchedule`` (or failed). At least once: a delivery is marked done
/// only after a 2xx, so a crash between send and record sends it again, with the same `webhook-id`.
package final class WebhookDeliverer: Sendable {
    private let store: EventStore
    private let sender: WebhookSender
    private let schedule: RetrySchedule
    private let threadCount: Int
    private let logger: Logger
    private let signal = WakeSignal()

    /// How long a claimed attempt is reserved for this replica (longer than an attempt can take).
    package var leaseMillis: Int64 { Int64(sender.timeoutSeconds + 20) * 1000 }

    /// Creates a deliverer; ``start()`` runs it.
    package init(store: EventStore, sender: WebhookSender, schedule: RetrySchedule, threads: Int = 2, logger: Logger) {
        self.store = store
        self.sender = sender
        self.schedule = schedule
        threadCount = max(1, threads)
        self.logger = logger
    }

    /// Starts the threads.
    package func start() {
        for index in 0..<threadCount {
            let thread = Thread { [self] in
                var nextPrune: Int64 = 0
                while true {
                    if index == 0, WallClock.nowMillis() >= nextPrune {
                        prune()
                        nextPrune = WallClock.nowMillis() + 3_600_000
                    }
                    let sent = deliverDue()
                    if sent == 0, signal.wait(millis: 500) { return }
                }
            }
            thread.name = "postillon-webhooks-\(index)"
            thread.start()
        }
    }

    /// Wakes the threads (new events were recorded).
    package func wake() { signal.wake() }

    /// Stops the threads after their current attempt.
    package func stop() { signal.stop() }

    /// How long delivered and failed deliveries (and their events) are kept.
    package static let retentionMillis: Int64 = 7 * 86_400_000

    private func prune() {
        do {
            let removed = try store.prune(before: WallClock.nowMillis() - Self.retentionMillis)
            if removed > 0 { logger.debug("old events pruned", metadata: ["rows": "\(removed)"]) }
        } catch {
            logger.warning("event prune failed", metadata: ["error": "\(error)"])
        }
    }

    /// Claims and sends the deliveries due now; how many were attempted.
    @discardableResult
    package func deliverDue() -> Int {
        let now = WallClock.nowMillis()
        let due: [PendingDelivery]
        do {
            due = try store.claimDueDeliveries(now: now, leaseMillis: leaseMillis, limit: 8)
        } catch {
            logger.warning("webhook claim failed", metadata: ["error": "\(error)"])
            return 0
        }
        for delivery in due {
            let outcome = sender.send(delivery, now: WallClock.nowMillis())
            let finished = WallClock.nowMillis()
            let retryAt = outcome.succeeded ? nil : schedule.nextAttempt(after: delivery.attempts + 1, now: finished)
            ServiceMetrics.webhookAttempt(result: outcome.succeeded ? "delivered" : retryAt == nil || outcome.statusCode == 410 ? "failed" : "retry")
            do {
                try store.recordAttempt(delivery, outcome: outcome, retryAt: retryAt, now: finished)
            } catch {
                logger.warning("webhook outcome not recorded", metadata: ["delivery": "\(delivery.id)", "error": "\(error)"])
            }
            logger.debug("webhook attempt", metadata: ["delivery": "\(delivery.id)", "status": "\(outcome.statusCode)",
                                                       "error": "\(outcome.error ?? "")"])
        }
        return due.count
    }
}
