import Foundation
@testable import Postillon
import PostillonHTTP
import PostillonTestSupport
import Synchronization
import Testing

/// Servers that lock the maildrop (GNU mailutils pop3d) keep the lock a moment after answering
/// QUIT, so a login right after this process's own QUIT could be refused with `[IN-USE]` (409).
/// Against the twin, which holds the lock for a set time after each session ends.
@Suite struct InUseRetryTests {
    @Test func aLoginRefusedInUseRightAfterOurOwnQuitIsRetriedOnce() throws {
        let app = try MemoryApp(flags: [.pop3SessionReuse: "0"])
        app.pop3.setLockAfterQuit(millis: 100)
        #expect(app.call(.GET, "/api/v1/mailbox").status == 200)
        let second = app.call(.GET, "/api/v1/messages?limit=2")
        #expect(second.status == 200, "retried once the lock of our own QUIT was gone (was 409 mailbox_locked)")
        #expect(app.pop3.inUseRefusals == 1)
        #expect(app.call(.DELETE, "/api/v1/messages/u1").status == 204, "a delete right after is retried too")
        #expect(app.call(.GET, "/api/v1/mailbox").status == 200, "and so is the request after a delete's QUIT")
        #expect(app.pop3.inUseRefusals == 3)
    }

    @Test func aLockThatOutlastsTheOneRetryIs409() throws {
        let app = try MemoryApp(flags: [.pop3SessionReuse: "0"])
        app.pop3.setLockAfterQuit(millis: 5000)
        #expect(app.call(.GET, "/api/v1/mailbox").status == 200)
        let started = MonotonicClock.nowMillis()
        let refused = app.call(.GET, "/api/v1/mailbox")
        #expect(refused.status == 409)
        #expect(refused.json["code"] as? String == "mailbox_locked")
        #expect(app.pop3.inUseRefusals == 2, "one retry, no more")
        #expect(MonotonicClock.nowMillis() - started < 1000, "the retry waits briefly")
    }

    @Test func aMaildropLockedByAnotherClientIsNotRetried() throws {
        let app = try MemoryApp(flags: [.pop3SessionReuse: "0"])
        app.pop3.setLocked("alice", true)
        let refused = app.call(.GET, "/api/v1/mailbox")
        #expect(refused.status == 409)
        #expect(app.pop3.inUseRefusals == 1, "no QUIT of ours came before it: answered at once")
    }

    @Test func recentQuitsForgetAfterTheWindowAndStayBounded() {
        let now = Atomic<Int64>(1_000)
        let quits = RecentQuits(windowMillis: 3000) { now.load(ordering: .relaxed) }
        quits.record("alice")
        now.store(3_999, ordering: .relaxed)
        #expect(quits.contains("alice"))
        now.store(4_000, ordering: .relaxed)
        #expect(!quits.contains("alice"), "older than the window")
        #expect(!quits.contains("bob"))
        for index in 0...RecentQuits.maxEntries { quits.record("m\(index)") }
        #expect(quits.count == RecentQuits.maxEntries, "the oldest goes beyond the cap (expired ones first)")
        #expect(quits.contains("m\(RecentQuits.maxEntries)"))
    }
}
