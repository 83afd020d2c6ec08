@testable import Postillon
import Testing

/// Regression (review finding): a full table of live entries was emptied at once, so one more login
/// took every other proven user's fast path away; now only the tenth that expires soonest goes.
@Suite struct VerifiedLoginsTests {
    @Test func aFullTableDropsOnlyItsOldestTenth() {
        let logins = VerifiedLogins(lifetimeMillis: 60_000, maxEntries: 100)
        let users = (0..<100).map { Credentials(username: "user\($0)@mail.test", password: "pw\($0)") }
        for user in users { logins.record(user) }
        #expect(logins.count == 100)
        let newcomer = Credentials(username: "new@mail.test", password: "pw")
        logins.record(newcomer)
        #expect(logins.contains(newcomer))
        #expect(logins.count == 91)
        #expect(users.suffix(90).allSatisfy { logins.contains($0) }, "the 90 most recent stay verified")
        #expect(!logins.contains(users[0]), "the oldest goes first")
    }

    @Test func reRecordingAKnownMailboxNeverEvicts() {
        let logins = VerifiedLogins(lifetimeMillis: 60_000, maxEntries: 10)
        let users = (0..<10).map { Credentials(username: "u\($0)", password: "p") }
        for user in users { logins.record(user) }
        logins.record(users[3])
        #expect(logins.count == 10)
        #expect(users.allSatisfy { logins.contains($0) })
    }
}
