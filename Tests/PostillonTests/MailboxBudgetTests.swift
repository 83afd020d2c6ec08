import Dispatch
import Foundation
@testable import Postillon
import PostillonHTTP
import PostillonTestSupport
import Synchronization
import Testing

/// `--mailbox-wait` counts from a request's arrival (issue 17: queue time was not counted), with the
/// in-memory twin; the same against Dovecot behind a stalling proxy is in MailboxWaitTests.
@Suite struct MailboxBudgetTests {
    @Test func theLineTellsWhetherItWasWaitedForAndRefusesAPassedDeadlineOnlyWhenBusy() {
        let locks = KeyedLock()
        let past = MonotonicClock.nowMillis() - 1000
        let free = locks.acquire("m", deadlineMillis: past)
        #expect(free.acquired && !free.waited, "a free line is taken even after the deadline")
        let started = MonotonicClock.nowMillis()
        #expect(!locks.acquire("m", deadlineMillis: past).acquired, "a busy one is refused at once")
        #expect(MonotonicClock.nowMillis() - started < 100)
        let waited = Mutex<(acquired: Bool, waited: Bool)?>(nil)
        let thread = Thread {
            let grant = locks.acquire("m", deadlineMillis: MonotonicClock.nowMillis() + 5000)
            waited.withLock { $0 = grant }
            if grant.acquired { locks.release("m") }
        }
        thread.start()
        usleep(100_000)
        locks.release("m")
        while waited.withLock({ $0 }) == nil { usleep(5000) }
        #expect(waited.withLock { $0?.acquired == true && $0?.waited == true })
        #expect(locks.activeKeys == 0)
    }

    func service(waitMillis: Int64) -> (MailboxService, Credentials) {
        let pop3 = InMemoryPOP3Server()
        pop3.addMailbox("alice", password: "pw")
        pop3.deliver("alice", uidl: "u1", message: "Subject: one\r\n\r\nBody\r\n")
        return (MailboxService(connector: pop3, cacheCapacity: 10, waitMillis: waitMillis), Credentials(username: "alice", password: "pw"))
    }

    /// Holds `credentials`' line on another thread until `release` is signalled.
    func holdLine(_ mailbox: MailboxService, _ credentials: Credentials, release: DispatchSemaphore) {
        let held = DispatchSemaphore(value: 0)
        Thread {
            _ = try? mailbox.withSession(credentials, .read) { _ in
                held.signal()
                release.wait()
            }
        }.start()
        held.wait()
    }

    @Test func aRequestWhoseBudgetPassedBeforeItReachedABusyLineIsBusyAtOnce() throws {
        let (mailbox, alice) = service(waitMillis: 2000)
        let release = DispatchSemaphore(value: 0)
        holdLine(mailbox, alice, release: release)
        defer { release.signal() }
        // Arrived 3 s ago (it waited for a worker thread): the 2 s wait is used up.
        let started = MonotonicClock.nowMillis()
        #expect(throws: MailboxError.busy) { try mailbox.info(alice, arrivedMillis: started - 3000) }
        #expect(MonotonicClock.nowMillis() - started < 200, "refused at once, not after another full wait")
        // Arrived 1.5 s ago: waits only the 0.5 s left.
        let second = MonotonicClock.nowMillis()
        #expect(throws: MailboxError.busy) { try mailbox.info(alice, arrivedMillis: second - 1500) }
        let waited = MonotonicClock.nowMillis() - second
        #expect(waited >= 400 && waited < 1200, "waited \(waited) ms")
    }

    @Test func aRequestThatFindsItsLineFreeIsServedWhateverItsAge() throws {
        let (mailbox, alice) = service(waitMillis: 1000)
        #expect(try mailbox.info(alice, arrivedMillis: MonotonicClock.nowMillis() - 5000).messages == 1)
    }

    @Test func aRequestThatGetsTheLineInTimeIsServed() throws {
        let (mailbox, alice) = service(waitMillis: 3000)
        let release = DispatchSemaphore(value: 0)
        holdLine(mailbox, alice, release: release)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { release.signal() }
        #expect(try mailbox.info(alice, arrivedMillis: MonotonicClock.nowMillis()).messages == 1)
    }
}
