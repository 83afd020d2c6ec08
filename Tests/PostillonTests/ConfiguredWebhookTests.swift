import Dispatch
import Foundation
import Logging
@testable import Postillon
import PostillonHTTP
import Synchronization
import Testing

/// Operator-declared webhooks (issue 15 item 2): decoded strictly from the accounts file, written
/// to the store with stable ids, updated, re-enabled and removed as the file changes; API-made
/// subscriptions are never touched.
@Suite struct ConfiguredWebhookTests {
    static let secret = "whsec_" + Data(Array(repeating: UInt8(5), count: 24)).base64EncodedString()

    static func decode(_ json: String) throws -> ConfiguredWebhook {
        try JSONDecoder().decode(ConfiguredWebhook.self, from: Data(json.utf8))
    }

    @Test func declarationsAreCheckedWhenTheFileIsRead() throws {
        let good = try Self.decode(#"{"url":"https://hooks.example/mail","events":["message.new"],"secret":"\#(Self.secret)"}"#)
        #expect(good.events == ["message.new"])
        #expect(good.id(account: "frank") == good.id(account: "frank") && good.id(account: "frank") != good.id(account: "erin"))
        #expect(good.id(account: "frank").hasPrefix(ConfiguredWebhook.idPrefix))
        for bad in [#"{"url":"ftp://x/","events":["message.new"],"secret":"\#(Self.secret)"}"#,
                    #"{"url":"https://u:p@x/","events":["message.new"],"secret":"\#(Self.secret)"}"#,
                    #"{"url":"https://x/","events":[],"secret":"\#(Self.secret)"}"#,
                    #"{"url":"https://x/","events":["message.new","message.new"],"secret":"\#(Self.secret)"}"#,
                    #"{"url":"https://x/","events":["mail.arrived"],"secret":"\#(Self.secret)"}"#,
                    #"{"url":"https://x/","events":["message.new"],"secret":"short"}"#,
                    #"{"url":"https://x/","events":["message.new"],"secret":"whsec_AAAA"}"#,
                    #"{"url":"https://x/","events":["message.new"],"secret":"\#(Self.secret)","extra":1}"#] {
            #expect(throws: (any Error).self, "\(bad)") { try Self.decode(bad) }
        }
    }

    @Test func theStoreFollowsTheFile() throws {
        let store = try EventTests.store()
        let first = try Self.decode(#"{"url":"https://hooks.example/a","events":["message.new"],"secret":"\#(Self.secret)","description":"a"}"#)
        let second = try Self.decode(#"{"url":"https://hooks.example/b","events":["message.new","message.deleted"],"secret":"\#(Self.secret)"}"#)
        let own = try store.createSubscription(account: "frank", url: "https://api.example/own", events: ["message.new"], description: nil, now: 1)

        #expect(try store.syncConfiguredSubscriptions([("frank", first), ("frank", second)], now: 2) == 2)
        var listed = try store.subscriptions(account: "frank")
        #expect(Set(listed.map(\.id)) == [own.id, first.id(account: "frank"), second.id(account: "frank")])
        #expect(listed.first { $0.id == own.id }?.managedBy == nil)
        #expect(listed.first { $0.id == first.id(account: "frank") }?.managedBy == "configuration")

        // Deliveries are signed with the operator's secret.
        try store.watch(account: "frank", firstPollAt: 0)
        #expect(try store.claimPoll(account: "frank", owner: "o", now: 10, leaseMillis: 1000))
        try store.recordPoll(account: "frank", owner: "o", current: [], summaries: [:], now: 11)
        try store.releasePoll(account: "frank", owner: "o", nextPollAt: 12)
        #expect(try store.claimPoll(account: "frank", owner: "o", now: 20, leaseMillis: 1000))
        try store.recordPoll(account: "frank", owner: "o", current: ["u1"], summaries: [:], now: 21)
        let due = try store.claimDueDeliveries(now: 30, leaseMillis: 1000, limit: 10)
        #expect(due.count == 3)
        #expect(due.filter { $0.subscriptionID.hasPrefix(ConfiguredWebhook.idPrefix) }.allSatisfy { $0.secret == Self.secret })

        // A 410 disabled one; the same file again leaves it, a changed declaration re-enables it.
        let disabledID = first.id(account: "frank")
        _ = try store.updateSubscription(account: "frank", id: disabledID, url: nil, events: nil, description: nil, enabled: false,
                                         rotateSecret: false)
        try store.syncConfiguredSubscriptions([("frank", first), ("frank", second)], now: 40)
        #expect(try store.subscription(account: "frank", id: disabledID)?.enabled == false)
        let changed = try Self.decode(#"{"url":"https://hooks.example/a","events":["message.deleted"],"secret":"\#(Self.secret)"}"#)
        try store.syncConfiguredSubscriptions([("frank", changed), ("frank", second)], now: 50)
        let updated = try #require(try store.subscription(account: "frank", id: disabledID))
        #expect(updated.enabled && updated.events == ["message.deleted"] && updated.description == nil)

        // Removed from the file: gone with its deliveries; the API-made one stays.
        try store.syncConfiguredSubscriptions([("frank", changed)], now: 60)
        listed = try store.subscriptions(account: "frank")
        #expect(Set(listed.map(\.id)) == [own.id, disabledID])
        #expect(try store.deliveries(account: "frank", subscriptionID: second.id(account: "frank"), limit: 10) == nil)
    }
}

/// `message.sent` (issue 15 item 2): the header block read from the upload, the body delivered, and
/// the event written only for accounts that subscribe to it, in the idempotency record's transaction.
@Suite struct SentEventTests {
    @Test func theHeaderBlockEndsAtTheFirstEmptyLine() {
        #expect(SentEvent.headerBlock(Array("Subject: a\r\nTo: b@c\r\n\r\nbody\r\n\r\n".utf8)) == Array("Subject: a\r\nTo: b@c\r\n\r\n".utf8))
        #expect(SentEvent.headerBlock(Array("Subject: a\n\nbody".utf8)) == Array("Subject: a\n\n".utf8))
        #expect(SentEvent.headerBlock(Array("Subject: no end".utf8)) == nil)
        #expect(SentEvent.headerBlock([]) == nil)
        #expect(SentEvent.headerBlock(Array(repeating: UInt8(ascii: "x"), count: 70_000) + Array("\r\n\r\n".utf8)) == nil, "past 64 KiB")
    }

    static func event(_ account: String) -> SentEvent {
        SentEvent(account: account, messageID: "<m1@example.org>", sender: "frank@example.org",
                  delivery: SMTPDelivery(accepted: ["erin@example.org"], rejected: [SMTPRecipientRejection(address: "nobody@example.org", code: 550, message: "no")]),
                  size: 42, head: Array("From: Frank <frank@example.org>\r\nTo: erin@example.org\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n\r\nhi\r\n".utf8))
    }

    @Test func theBodyNamesRecipientsAndTheDecodedSubject() throws {
        let body = try #require(try JSONSerialization.jsonObject(with: Data(Self.event("frank").body(millis: 1_700_000_000_000).utf8)) as? [String: Any])
        #expect(body["type"] as? String == "message.sent")
        let data = try #require(body["data"] as? [String: Any])
        #expect(data["accepted"] as? [String] == ["erin@example.org"])
        #expect((data["rejected"] as? [[String: Any]])?.first?["code"] as? Int == 550)
        #expect(data["messageId"] as? String == "<m1@example.org>" && data["size"] as? Int == 42)
        #expect((data["summary"] as? [String: Any])?["subject"] as? String == "Grüße")
    }

    @Test func writtenOnlyForSubscribersAndWithTheStoredAnswer() throws {
        var logger = Logger(label: "sent-test")
        logger.logLevel = .critical
        let path = NSTemporaryDirectory() + "sent-test-\(UUID().uuidString).db"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let state = try SQLStateStore.open(.sqlite(path: path), poolSize: 2, logger: logger)
        let store = EventStore(database: state.database, sealer: PasswordSealer(current: SecretKey(bytes: Array(repeating: 3, count: 32))))
        #expect(try !store.wantsSent(account: "frank"))
        #expect(try !store.recordSent(Self.event("frank"), now: 1), "no subscriber: nothing written")
        _ = try store.createSubscription(account: "frank", url: "https://hooks.example/a", events: ["message.new"], description: nil, now: 1)
        #expect(try !store.wantsSent(account: "frank"), "the send route then writes nothing at all")
        #expect(try !store.recordSent(Self.event("frank"), now: 2), "subscribed, but not to message.sent")
        let hook = try store.createSubscription(account: "frank", url: "https://hooks.example/b", events: ["message.sent"], description: nil, now: 3)
        #expect(try store.wantsSent(account: "frank") && !store.wantsSent(account: "erin"))

        // With an Idempotency-Key: one transaction with the stored answer; a failure rolls back both.
        let claim = IdempotencyRecord(slot: "s1", fingerprint: "f", createdAt: 10, expiresAt: 1_000_000, leaseUntil: 100_000)
        _ = try state.claimIdempotency(claim, now: 10)
        #expect(throws: StateStoreError.self) {
            try state.finishIdempotency(slot: "s1", createdAt: 10, response: "{}", alongside: { connection in
                try store.recordSent(Self.event("frank"), now: 11, on: connection)
                throw StateStoreError("injected")
            })
        }
        #expect(try store.events(account: "frank", after: 0, limit: 10).isEmpty, "rolled back with the answer")
        try state.finishIdempotency(slot: "s1", createdAt: 10, response: "{}", alongside: { connection in
            try store.recordSent(Self.event("frank"), now: 12, on: connection)
        })
        let events = try store.events(account: "frank", after: 0, limit: 10)
        #expect(events.map(\.type) == ["message.sent"])
        let due = try store.claimDueDeliveries(now: 20, leaseMillis: 1000, limit: 10)
        #expect(due.map(\.subscriptionID) == [hook.id], "queued for the message.sent subscriber only")
        guard case .existing(let record) = try state.claimIdempotency(claim, now: 13) else { Issue.record("claim lost"); return }
        #expect(record.response == "{}")
    }
}

/// Replicas starting together write the same declarations at the same moment (PostgreSQL, where
/// writers do not queue like SQLite's: found by the events test's three replicas, one of which
/// failed to start on a duplicate key).
@Suite struct ConfiguredWebhookReplicaTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["POSTILLON_TEST_POSTGRES_URL"] != nil, "set POSTILLON_TEST_POSTGRES_URL"))
    func replicasSyncingAtOnceAllStart() throws {
        var logger = Logger(label: "sync-test")
        logger.logLevel = .critical
        let url = try #require(ProcessInfo.processInfo.environment["POSTILLON_TEST_POSTGRES_URL"])
        let sealer = PasswordSealer(current: SecretKey(bytes: Array(repeating: 4, count: 32)))
        let account = "sync-" + UUID().uuidString.lowercased()
        let declared = try (0..<5).map { index in
            (account: account, webhook: try ConfiguredWebhookTests.decode(
                #"{"url":"https://hooks.example/\#(index)","events":["message.new"],"secret":"\#(ConfiguredWebhookTests.secret)"}"#))
        }
        for round in 0..<5 {
            let stores = try (0..<4).map { _ in
                EventStore(database: try SQLStateStore.open(.postgres(url: url), poolSize: 1, logger: logger).database, sealer: sealer)
            }
            let account = account + "-\(round)"
            let mine = declared.map { (account: account, webhook: $0.webhook) }
            let failures = Mutex(0)
            DispatchQueue.concurrentPerform(iterations: stores.count) { index in
                do { try stores[index].syncConfiguredSubscriptions(mine, now: 1) } catch { failures.withLock { $0 += 1 } }
            }
            #expect(failures.withLock { $0 } == 0, "round \(round): every replica started")
            #expect(try stores[0].subscriptions(account: account).count == 5)
        }
    }
}
