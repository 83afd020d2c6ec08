import Foundation
import Logging
@testable import Postillon
import PostillonHTTP
import Testing

/// The pure parts of events (UIDL diffs, signatures, address policy, retry schedule) from literals,
/// and the event store's transactions on a real SQLite file.
@Suite struct EventTests {
    // MARK: Pure

    @Test func firstPollIsABaselineWithoutEvents() {
        #expect(UIDLDiff(stored: nil, current: ["a", "b"]) == UIDLDiff(added: [], vanished: []))
    }

    @Test func diffFindsNewInServerOrderAndVanishedSorted() {
        let diff = UIDLDiff(stored: ["a", "c", "d"], current: ["a", "x", "b", "x"])
        #expect(diff.added == ["x", "b"])
        #expect(diff.vanished == ["c", "d"])
    }

    @Test func signatureMatchesTheStandardWebhooksLibrary() {
        // Expected value computed with the `standardwebhooks` PyPI package:
        // Webhook(secret).sign("evt_0123", datetime.fromtimestamp(1764547200, utc), '{"type":"message.new"}')
        let signature = WebhookSigner.signature(secret: "whsec_cG9zdGlsbG9uLXRlc3Qtc2VjcmV0LTI0Yg==", id: "evt_0123",
                                                timestamp: 1_764_547_200, body: #"{"type":"message.new"}"#)
        #expect(signature == "v1,+n1yOBgdEVXKXD4JOMXmjLpueHRd+Cozfn/yV43aBCo=")
        #expect(WebhookSigner.signature(secret: "whsec_", id: "x", timestamp: 1, body: "") == nil)
    }

    @Test(arguments: ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
                      "::1", "::", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "224.0.0.1", "not-an-address"])
    func internalAddressesAreRefused(address: String) {
        #expect(!AddressPolicy().permits(address))
    }

    @Test func publicAddressesAndAllowListedOnesPass() {
        #expect(AddressPolicy().permits("93.184.216.34"))
        #expect(AddressPolicy().permits("2606:4700::1111"))
        let policy = AddressPolicy(allowed: [IPNetwork("127.0.0.1/32")!])
        #expect(policy.permits("127.0.0.1"))
        #expect(!policy.permits("127.0.0.2"))
    }

    @Test func webhookURLsMustBeHTTPSWithoutCredentials() throws {
        #expect(throws: Problem.self) { try WebhookURL("http://example.org/hook", allowHTTP: false) }
        #expect(throws: Problem.self) { try WebhookURL("https://user:pw@example.org/hook", allowHTTP: false) }
        #expect(throws: Problem.self) { try WebhookURL("ftp://example.org/", allowHTTP: true) }
        #expect(throws: Problem.self) { try WebhookURL("https://exa mple.org/", allowHTTP: false) }
        let url = try WebhookURL("http://127.0.0.1:8080/hook", allowHTTP: true)
        #expect(url.port == 8080)
        #expect(url.pin("127.0.0.1") == nil, "a literal address needs no pin")
        #expect(try WebhookURL("https://hooks.example/x", allowHTTP: false).pin("2606:4700::1111") == "hooks.example:443:[2606:4700::1111]")
        #expect(try WebhookURL("http://hooks.example:8080/x", allowHTTP: true).pin("93.184.216.34") == "hooks.example:8080:93.184.216.34")
        #expect(try WebhookURL("https://[::1]/x", allowHTTP: false).host == "::1")
    }

    @Test func loopbackURLIsRefusedUnlessAllowListed() throws {
        let url = try WebhookURL("http://127.0.0.1:9/hook", allowHTTP: true)
        let refused = #expect(throws: Problem.self) { try url.resolve(policy: AddressPolicy()) }
        #expect(refused?.code == "webhook_url_refused")
        #expect(try url.resolve(policy: AddressPolicy(allowed: [IPNetwork("127.0.0.0/8")!])) == "127.0.0.1")
        // A name that resolves to loopback is refused the same way.
        #expect(throws: Problem.self) { try WebhookURL("http://localhost:9/", allowHTTP: true).resolve(policy: AddressPolicy()) }
    }

    @Test func retriesBackOffWithJitterThenGiveUp() {
        let schedule = RetrySchedule(delays: [5, 300])
        let first: Int64? = schedule.nextAttempt(after: 1, now: 1000, random: { $0.lowerBound })
        let second: Int64? = schedule.nextAttempt(after: 2, now: 0, random: { $0.upperBound })
        #expect(first == 5500, "5 s minus 10 % jitter after 1 s")
        #expect(second == 330_000, "300 s plus 10 % jitter")
        #expect(schedule.nextAttempt(after: 3, now: 0) == nil)
        #expect(RetrySchedule("1, 2,3")?.delays == [1, 2, 3])
        #expect(RetrySchedule("") == nil)
        #expect(RetrySchedule("1,0") == nil)
        #expect(RetrySchedule.standard.delays.reduce(0, +) > 86_400)
    }

    @Test func loginDelayIsReadFromCapabilities() {
        #expect(POP3Capabilities(["TOP", "LOGIN-DELAY 900", "UIDL"]).loginDelaySeconds == 900)
        #expect(POP3Capabilities(["TOP", "UIDL"]).loginDelaySeconds == nil)
    }

    // MARK: Store

    static func store() throws -> EventStore {
        var logger = Logger(label: "event-test")
        logger.logLevel = .critical
        let path = NSTemporaryDirectory() + "event-test-\(UUID().uuidString).db"
        let state = try SQLStateStore.open(.sqlite(path: path), poolSize: 4, logger: logger)
        return EventStore(database: state.database, sealer: PasswordSealer(current: SecretKey(bytes: Array(repeating: 7, count: 32))))
    }

    @Test func pollsRecordEventsAndDeliveriesInOrder() throws {
        let store = try Self.store()
        try store.watch(account: "alice", firstPollAt: 0)
        #expect(try store.claimPoll(account: "alice", owner: "r1", now: 10, leaseMillis: 1000))
        #expect(try !store.claimPoll(account: "alice", owner: "r2", now: 20, leaseMillis: 1000), "leased to r1")
        #expect(try store.storedUIDLs(account: "alice") == nil)
        try store.recordPoll(account: "alice", owner: "r1", current: ["u1", "u2"], summaries: [:], now: 30)
        #expect(try store.events(account: "alice", after: 0, limit: 10).isEmpty, "baseline: no events")
        try store.releasePoll(account: "alice", owner: "r1", nextPollAt: 100)

        let hook = try store.createSubscription(account: "alice", url: "http://127.0.0.1:1/", events: ["message.new", "message.deleted"],
                                                description: nil, now: 40)
        #expect(hook.secret?.hasPrefix("whsec_") == true)
        #expect(try !store.claimPoll(account: "alice", owner: "r2", now: 99, leaseMillis: 1000), "not due yet")
        #expect(try store.claimPoll(account: "alice", owner: "r2", now: 100, leaseMillis: 1000))
        #expect(throws: StateStoreError.self) {
            try store.recordPoll(account: "alice", owner: "r1", current: [], summaries: [:], now: 101)
        }
        let summary = MessageSummary(id: "u3", size: 12, fields: HeaderFields())
        let diff = try store.recordPoll(account: "alice", owner: "r2", current: ["u2", "u3"], summaries: ["u3": summary], now: 110)
        #expect(diff == UIDLDiff(added: ["u3"], vanished: ["u1"]))
        #expect(try store.storedUIDLs(account: "alice") == ["u2", "u3"])
        let events = try store.events(account: "alice", after: 0, limit: 10)
        #expect(events.map(\.type) == ["message.new", "message.deleted"])
        #expect(events[0].body.contains(#""type":"message.new""#) && events[0].body.contains(#""size":12"#))

        // Only the head of the subscription's queue is due, and only one claimer gets it.
        let first = try store.claimDueDeliveries(now: 200, leaseMillis: 1000, limit: 10)
        #expect(first.map(\.webhookID) == [events[0].eventID])
        #expect(first.first?.secret == hook.secret)
        #expect(try store.claimDueDeliveries(now: 201, leaseMillis: 1000, limit: 10).isEmpty)
        try store.recordAttempt(first[0], outcome: WebhookAttemptOutcome(statusCode: 500, durationMillis: 3), retryAt: 500, now: 210)
        #expect(try store.claimDueDeliveries(now: 300, leaseMillis: 1000, limit: 10).isEmpty, "head waits for its retry")
        let again = try store.claimDueDeliveries(now: 500, leaseMillis: 1000, limit: 10)
        #expect(again.map(\.webhookID) == [events[0].eventID], "same webhook-id on the retry")
        try store.recordAttempt(again[0], outcome: WebhookAttemptOutcome(statusCode: 204, durationMillis: 3), retryAt: nil, now: 510)
        let second = try store.claimDueDeliveries(now: 520, leaseMillis: 1000, limit: 10)
        #expect(second.map(\.webhookID) == [events[1].eventID])

        // 410 fails the delivery and disables the subscription.
        try store.recordAttempt(second[0], outcome: WebhookAttemptOutcome(statusCode: 410, durationMillis: 1), retryAt: 900, now: 530)
        let listed = try #require(try store.deliveries(account: "alice", subscriptionID: hook.id, limit: 10))
        #expect(listed.map(\.status) == ["failed", "delivered"])
        #expect(listed[1].attempts.map(\.statusCode) == [500, 204])
        #expect(try store.subscription(account: "alice", id: hook.id)?.enabled == false)
        #expect(try store.deliveries(account: "bob", subscriptionID: hook.id, limit: 10) == nil, "other accounts see nothing")
    }

    @Test func subscriptionsAreUpdatedRotatedAndDeleted() throws {
        let store = try Self.store()
        let hook = try store.createSubscription(account: "alice", url: "https://example.org/a", events: ["message.new"],
                                                description: "ci", now: 1)
        #expect(try store.updateSubscription(account: "bob", id: hook.id, url: nil, events: nil, description: nil, enabled: false,
                                             rotateSecret: false) == nil)
        let rotated = try #require(try store.updateSubscription(account: "alice", id: hook.id, url: "https://example.org/b", events: nil,
                                                                description: nil, enabled: false, rotateSecret: true))
        #expect(rotated.url == "https://example.org/b" && !rotated.enabled)
        #expect(rotated.secret != nil && rotated.secret != hook.secret)
        #expect(try store.subscriptions(account: "alice").map(\.id) == [hook.id])
        #expect(try store.subscriptions(account: "alice").first?.secret == nil, "the secret is shown only once")
        #expect(try store.deleteSubscription(account: "alice", id: hook.id))
        #expect(try !store.deleteSubscription(account: "alice", id: hook.id))
    }
}
