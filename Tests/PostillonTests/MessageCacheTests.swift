import Foundation
@testable import Postillon
import Testing

/// The raw-message cache by UIDL, against the in-memory twin (session reuse off, so every
/// upstream use is a login the twin counts).
@Suite struct MessageCacheTests {
    func app(_ flags: [ConfigKey: String] = [:]) throws -> MemoryApp {
        try MemoryApp(flags: [.pop3SessionReuse: "0"].merging(flags) { $1 })
    }

    @Test func aCachedMessageIsServedWithNoUpstreamSession() throws {
        let app = try app()
        #expect(app.call(.GET, "/api/v1/messages/u7/raw").status == 200)
        let logins = app.pop3.loginCount
        #expect(app.services.mailbox.cachedMessageBytes > 0)
        let again = app.call(.GET, "/api/v1/messages/u7/raw")
        #expect(again.status == 200)
        #expect(String(decoding: again.body, as: UTF8.self).hasSuffix("Body 7\r\n"))
        #expect(app.call(.GET, "/api/v1/messages/u7").status == 200)
        #expect(app.pop3.loginCount == logins, "0 round trips: served from the cache")
    }

    @Test func cachedMailNeverReachesAnUnverifiedPassword() throws {
        let app = try app()
        #expect(app.call(.GET, "/api/v1/messages/u7/raw").status == 200)
        let wrong = app.call(.GET, "/api/v1/messages/u7/raw", auth: "alice:wrong")
        #expect(wrong.status == 401, "checked upstream, not served from the cache")
        #expect(!String(decoding: wrong.body, as: UTF8.self).contains("Body 7"))
    }

    @Test func entriesGoWhenTheMessageIsGone() throws {
        let app = try app()
        #expect(app.call(.GET, "/api/v1/messages/u7/raw").status == 200)
        #expect(app.call(.GET, "/api/v1/messages/u6/raw").status == 200)
        // u7 deleted by another client: the next listing drops it.
        let other = try app.pop3.connect(Credentials(username: "alice", password: "pw"))
        try other.delete([7])
        try other.quit()
        #expect(app.call(.GET, "/api/v1/messages").status == 200)
        #expect(app.call(.GET, "/api/v1/messages/u7/raw").status == 404)
        // u6 deleted through the API: dropped at once.
        #expect(app.call(.DELETE, "/api/v1/messages/u6").status == 204)
        #expect(app.services.mailbox.cachedMessageBytes == 0)
        #expect(app.call(.GET, "/api/v1/messages/u6/raw").status == 404)
    }

    @Test func zeroBytesTurnsItOff() throws {
        let app = try app([.messageCacheBytes: "0"])
        #expect(app.call(.GET, "/api/v1/messages/u7/raw").status == 200)
        let logins = app.pop3.loginCount
        #expect(app.call(.GET, "/api/v1/messages/u7/raw").status == 200)
        #expect(app.pop3.loginCount == logins + 1)
        #expect(app.services.mailbox.cachedMessageBytes == 0)
    }

    @Test func theCacheIsBoundedByBytesAndEvictsTheLeastRecentlyUsed() {
        let cache = MessageCache(capacityBytes: 160)  // entries up to 10 bytes
        for index in 0..<20 { cache.put(mailbox: "m", uidl: "u\(index)", bytes: Array(repeating: 1, count: 10)) }
        #expect(cache.bytes == 160)
        #expect(cache.get(mailbox: "m", uidl: "u0") == nil, "oldest evicted")
        _ = cache.get(mailbox: "m", uidl: "u4")  // used: survives the next eviction
        cache.put(mailbox: "m", uidl: "new", bytes: Array(repeating: 2, count: 10))
        #expect(cache.get(mailbox: "m", uidl: "u4") != nil)
        #expect(cache.get(mailbox: "m", uidl: "u5") == nil)
        cache.put(mailbox: "m", uidl: "big", bytes: Array(repeating: 3, count: 11))
        #expect(cache.get(mailbox: "m", uidl: "big") == nil, "larger than an entry may be")
    }

    /// Issue 12: the parsed view is cached too (kept once per UIDL, no login and no parsing on the next
    /// open), while the flags in it are read on every request.
    @Test func theParsedViewIsCachedButItsFlagsAreCurrent() throws {
        let app = try app()
        let first = app.call(.GET, "/api/v1/messages/u7")
        #expect(first.status == 200)
        #expect(app.services.mailbox.cachedViewCount == 1)
        #expect(app.call(.PATCH, "/api/v1/messages/u7", body: #"{"seen":true}"#).status == 200)
        let logins = app.pop3.loginCount
        let second = app.call(.GET, "/api/v1/messages/u7")
        #expect(second.status == 200)
        #expect(app.pop3.loginCount == logins, "served from the cached view")
        let json = try JSONSerialization.jsonObject(with: Data(second.body)) as? [String: Any]
        #expect(json?["seen"] as? Bool == true, "\(String(decoding: second.body, as: UTF8.self))")
        let wrong = app.call(.GET, "/api/v1/messages/u7", auth: "alice:wrong")
        #expect(wrong.status == 401, "an unverified password is checked upstream, not served the cached view")
        #expect(app.call(.DELETE, "/api/v1/messages/u7").status == 204)
        #expect(app.services.mailbox.cachedViewCount == 0)
    }

    @Test func viewsAreChargedAndEvictedWithTheirMessage() {
        let cache = MessageCache(capacityBytes: 160)
        cache.put(mailbox: "m", uidl: "a", bytes: Array(repeating: 1, count: 10))
        cache.putView(mailbox: "m", uidl: "a", view: "parsed a", cost: 10)
        #expect(cache.bytes == 20)
        #expect(cache.view(mailbox: "m", uidl: "a", as: String.self) == "parsed a")
        #expect(cache.view(mailbox: "m", uidl: "a", as: Int.self) == nil, "only a view of the asked type")
        cache.putView(mailbox: "m", uidl: "b", view: "parsed b", cost: 11)
        #expect(cache.view(mailbox: "m", uidl: "b", as: String.self) == nil, "larger than an entry may be")
        for index in 0..<20 { cache.put(mailbox: "m", uidl: "u\(index)", bytes: Array(repeating: 1, count: 10)) }
        #expect(cache.view(mailbox: "m", uidl: "a", as: String.self) == nil, "evicted with its message")
        #expect(cache.bytes <= 160)
        cache.remove(mailbox: "m", uidls: ["u19"])
        #expect(cache.bytes == 150)
    }
}
