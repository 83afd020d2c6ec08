import Foundation
@testable import Postillon
import PostillonTestSupport
import Testing

/// Postillon's own `seen`/`flagged` flags through the router, on the POP3 twin and the memory store.
@Suite struct FlagRoutesTests {
    func ids(_ json: [String: Any]) -> [String] { (json["messages"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? [] }

    @Test func patchSetsFlagsThatListAndMessageViewsCarry() throws {
        let app = try MemoryApp()
        let patched = app.call(.PATCH, "/api/v1/messages/u5", body: #"{"seen":true,"flagged":true}"#)
        #expect(patched.status == 200)
        #expect(patched.json["seen"] as? Bool == true && patched.json["flagged"] as? Bool == true && patched.json["id"] as? String == "u5")
        #expect(app.call(.PATCH, "/api/v1/messages/u5", body: #"{"flagged":false}"#).json["seen"] as? Bool == true, "a flag left out keeps its value")
        let list = app.call(.GET, "/api/v1/messages?limit=3")
        let rows = try #require(list.json["messages"] as? [[String: Any]])
        #expect(rows.map { $0["seen"] as? Bool } == [false, false, true])
        #expect(rows.map { $0["flagged"] as? Bool } == [false, false, false])
        let total = try #require(list.json["total"] as? Int)
        #expect(list.json["unread"] as? Int == total - 1, "unread counts the whole mailbox, not the page")
        #expect(app.call(.GET, "/api/v1/messages?limit=1&seen=true").json["unread"] as? Int == total - 1, "whatever the filter")
        let message = app.call(.GET, "/api/v1/messages/u5")
        #expect(message.json["seen"] as? Bool == true && message.json["flagged"] as? Bool == false)
    }

    @Test func filtersPageOverTheMatchingMessagesOnly() throws {
        let app = try MemoryApp()
        let bulk = app.call(.POST, "/api/v1/messages/flags", body: #"{"ids":["u7","u5","u3","u1","gone"],"seen":true}"#)
        #expect(bulk.status == 200)
        #expect((bulk.json["updated"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["u7", "u5", "u3", "u1"])
        #expect(bulk.json["notFound"] as? [String] == ["gone"])
        let unread = app.call(.GET, "/api/v1/messages?seen=false&limit=2")
        #expect(ids(unread.json) == ["u6", "u4"])
        #expect(unread.json["total"] as? Int == 3)
        let cursor = try #require(unread.json["nextCursor"] as? String)
        _ = app.call(.PATCH, "/api/v1/messages/u2", body: #"{"flagged":true}"#)
        let next = app.call(.GET, "/api/v1/messages?seen=false&limit=2&cursor=\(cursor)")
        #expect(ids(next.json) == ["u2"])
        #expect(next.json["nextCursor"] is NSNull)
        #expect(ids(app.call(.GET, "/api/v1/messages?flagged=true&seen=false").json) == ["u2"])
        #expect(app.call(.GET, "/api/v1/messages?seen=yes").json["code"] as? String == "invalid_parameter")
    }

    @Test func flagsOfVanishedMessagesAreDroppedWhenAListingNotices() throws {
        let store = MemoryStateStore()
        let app = try MemoryApp(state: store)
        _ = app.call(.POST, "/api/v1/messages/flags", body: #"{"ids":["u1","u2"],"flagged":true}"#)
        #expect(store.counts.flags == 2)
        #expect(app.call(.DELETE, "/api/v1/messages/u1").status == 204)
        _ = app.call(.GET, "/api/v1/messages")
        #expect(store.counts.flags == 1)
    }

    @Test func badInputAndWrongPasswordsChangeNothing() throws {
        let store = MemoryStateStore()
        let app = try MemoryApp(state: store)
        #expect(app.call(.PATCH, "/api/v1/messages/u1", body: "{}").json["code"] as? String == "validation_failed")
        #expect(app.call(.PATCH, "/api/v1/messages/u1", body: #"{"seen":"yes"}"#).status == 422)
        #expect(app.call(.PATCH, "/api/v1/messages/u1", body: #"{"seen":true,"starred":true}"#).json["code"] as? String == "unknown_field")
        #expect(app.call(.PATCH, "/api/v1/messages/nope", body: #"{"seen":true}"#).json["code"] as? String == "message_not_found")
        #expect(app.call(.POST, "/api/v1/messages/flags", body: #"{"ids":[],"seen":true}"#).json["code"] as? String == "validation_failed")
        // The document's flags are booleans, not nullable: null is refused, not read as "leave it".
        let null = app.call(.PATCH, "/api/v1/messages/u1", body: #"{"seen":null}"#)
        #expect(null.status == 422 && null.json["code"] as? String == "validation_failed")
        #expect((null.json["detail"] as? String)?.contains("'seen' must not be null") == true)
        #expect(app.call(.PATCH, "/api/v1/messages/u1", body: #"{"seen":true,"flagged":null}"#).status == 422)
        #expect(app.call(.POST, "/api/v1/messages/flags", body: #"{"ids":["u1","u2"],"seen":true,"flagged":null}"#).status == 422)
        #expect(app.call(.POST, "/api/v1/messages/flags", body: #"{"ids":["u1"]}"#).json["code"] as? String == "validation_failed")
        #expect(app.call(.PATCH, "/api/v1/messages/u1", auth: "alice:wrong", body: #"{"seen":true}"#).status == 401,
                "a flag change proves the login with the mail server first")
        #expect(store.counts.flags == 0)
    }
}
