import Dispatch
import Foundation
@testable import Postillon
import PostillonHTTP
import Synchronization
import Testing

/// The rules of parked POP3 sessions and of the mailbox line, against the in-memory twin.
@Suite struct SessionReuseTests {
    @Test func openingAMessageJustListedNeedsNoNewLogin() throws {
        let app = try MemoryApp()
        #expect(app.call(.GET, "/api/v1/messages?limit=3").status == 200)
        let logins = app.pop3.loginCount
        #expect(app.services.mailbox.parkedSessions == 1)
        let raw = app.call(.GET, "/api/v1/messages/u7/raw")
        #expect(raw.status == 200)
        #expect(String(decoding: raw.body, as: UTF8.self).hasSuffix("Body 7\r\n"))
        #expect(app.call(.GET, "/api/v1/messages/u6").status == 200)
        #expect(app.pop3.loginCount == logins, "served on the parked session")
    }

    @Test func listsStartFromAFreshLoginUnlessTheSessionIsVeryYoung() throws {
        let app = try MemoryApp()
        #expect(app.call(.GET, "/api/v1/messages").status == 200)
        let logins = app.pop3.loginCount
        #expect(app.call(.GET, "/api/v1/messages").status == 200)
        #expect(app.pop3.loginCount == logins, "younger than listReuseMillis: reused")
        app.pop3.deliver("alice", uidl: "u8", message: "Subject: new\r\n\r\nnew\r\n")
        usleep(useconds_t(MailboxService.listReuseMillis + 150) * 1000)
        let page = app.call(.GET, "/api/v1/messages")
        #expect(app.pop3.loginCount == logins + 1, "an older session does not list")
        #expect((page.json["messages"] as? [[String: Any]])?.first?["id"] as? String == "u8", "new mail is seen")
    }

    @Test func aSessionThatDeletedIsNeverParked() throws {
        let app = try MemoryApp()
        #expect(app.call(.GET, "/api/v1/messages").status == 200)
        #expect(app.services.mailbox.parkedSessions == 1)
        #expect(app.call(.DELETE, "/api/v1/messages/u1").status == 204)
        #expect(app.services.mailbox.parkedSessions == 0, "QUIT committed; nothing left open")
        #expect(!app.pop3.uidls("alice").contains("u1"))
    }

    @Test func idleSessionsAreClosedWithQuit() throws {
        let app = try MemoryApp(flags: [.pop3SessionReuse: "1"])
        let quits = app.pop3.quitCount
        #expect(app.call(.GET, "/api/v1/mailbox").status == 200)
        #expect(app.services.mailbox.parkedSessions == 1)
        #expect(app.pop3.quitCount == quits)
        usleep(1_600_000)
        #expect(app.services.mailbox.parkedSessions == 0, "the reaper closed it")
        #expect(app.pop3.quitCount == quits + 1)
    }

    @Test func reuseZeroTurnsParkingOff() throws {
        let app = try MemoryApp(flags: [.pop3SessionReuse: "0"])
        #expect(app.call(.GET, "/api/v1/mailbox").status == 200)
        #expect(app.services.mailbox.parkedSessions == 0)
    }

    @Test func theParkedSessionIsClosedBeforeAnotherLogin() throws {
        let app = try MemoryApp()
        #expect(app.call(.GET, "/api/v1/messages").status == 200)
        let quits = app.pop3.quitCount
        usleep(useconds_t(MailboxService.listReuseMillis + 150) * 1000)
        #expect(app.call(.GET, "/api/v1/messages").status == 200)
        #expect(app.pop3.quitCount == quits + 1, "QUIT on the old session before the new login")
        #expect(app.services.mailbox.parkedSessions == 1)
        // Other credentials for the same mailbox never get the parked session either.
        app.pop3.addMailbox("bob", password: "b")
        #expect(app.call(.GET, "/api/v1/messages/u7/raw", auth: "alice:wrong").status == 401)
        #expect(app.pop3.quitCount == quits + 2)
    }

    @Test func aBrokenParkedSessionIsReplacedOnceTransparently() throws {
        let app = try MemoryApp()
        #expect(app.call(.GET, "/api/v1/messages").status == 200)
        let logins = app.pop3.loginCount
        app.pop3.dropOpenSessions()
        let raw = app.call(.GET, "/api/v1/messages/u3/raw")
        #expect(raw.status == 200)
        #expect(app.pop3.loginCount == logins + 1)
    }

    @Test func wrongPasswordsDoNotMakeAProvenUserWait() throws {
        // The router and services are thread-safe; MemoryApp is only a holder for them.
        nonisolated(unsafe) let app = try MemoryApp()
        app.pop3.setFailedLoginDelay(millis: 400)
        #expect(app.call(.GET, "/api/v1/mailbox").status == 200)  // alice's password is now proven
        let legitMillis = Atomic<Int64>(-1)
        DispatchQueue.concurrentPerform(iterations: 7) { index in
            if index == 6 {
                usleep(60_000)
                let start = MonotonicClock.nowMillis()
                let status = app.call(.GET, "/api/v1/mailbox").status
                legitMillis.store(status == 200 ? MonotonicClock.nowMillis() - start : -Int64(status), ordering: .relaxed)
            } else {
                _ = app.call(.GET, "/api/v1/mailbox", auth: "alice:guess\(index)")
            }
        }
        let waited = legitMillis.load(ordering: .relaxed)
        #expect(waited >= 0, "the right password got 200")
        // Behind six 400 ms failures in the line it would wait ~2.4 s; now at most one is ahead.
        #expect(waited < 1000, "waited \(waited) ms")
    }

    @Test func waitersBeyondTheCapAreRefusedAtOnce() {
        let locks = KeyedLock(maxWaiters: 1)
        #expect(locks.acquire("m", timeoutMillis: 100))
        let waiterDone = Atomic<Bool>(false)
        let thread = Thread {
            _ = locks.acquire("m", timeoutMillis: 2000)
            waiterDone.store(true, ordering: .relaxed)
            locks.release("m")
        }
        thread.start()
        usleep(100_000)
        let start = MonotonicClock.nowMillis()
        #expect(!locks.acquire("m", timeoutMillis: 5000), "the one waiting place is taken")
        #expect(MonotonicClock.nowMillis() - start < 200, "refused at once, not after the wait")
        locks.release("m")
        while !waiterDone.load(ordering: .relaxed) { usleep(10_000) }
        #expect(locks.acquire("m", timeoutMillis: 100))
        locks.release("m")
    }
}
