import Foundation
import Logging
@testable import Postillon
import PostillonHTTP
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
