import Foundation
@testable import Postillon
import PostillonTestSupport
import Testing
@testable import PostillonHTTP

/// `POST`/`PATCH /api/v1/webhooks` through the router on an SQLite store in memory: the body rules
/// agree with the OpenAPI document, so a request the document allows is taken and one it forbids
/// is refused with a problem (what a schema-driven tester such as Schemathesis checks).
@Suite struct WebhookRoutesTests {
    static func app() throws -> MemoryApp {
        try EventStreamRoutesTests.sqlApp([.webhookAllowHTTP: "true", .webhookAllowNetworks: "127.0.0.0/8"])
    }

    /// Every character of `text` as a JSON `\u` escape (surrogate pairs beyond the BMP).
    static func escaped(_ text: String) -> String {
        text.utf16.map { String(format: "\\u%04x", $0) }.joined()
    }

    @Test func theLargestBodyTheDocumentAllowsIsTakenEvenFullyEscaped() throws {
        let app = try Self.app()
        let url = "http://127.0.0.1:9/" + String(repeating: "a", count: 2048 - 19)
        #expect(url.count == 2048)
        let description = String(repeating: "\u{1F4EC}", count: 500)  // 500 code points, 12 bytes each escaped
        let body = #"{"url":"\#(Self.escaped(url))","events":["\#(Self.escaped("message.new"))","message.sent","message.deleted"],"description":"\#(Self.escaped(description))"}"#
        #expect(body.utf8.count > 18_000, "well over the old 8 KiB limit: \(body.utf8.count) bytes")
        // The server reads at most the plan's limit before answering 413.
        for (method, target) in [(HTTPMethod.POST, "/api/v1/webhooks"), (.PATCH, "/api/v1/webhooks/wh_x")] {
            let head = HTTPRequestHead(method: method, target: target, headers: ["Content-Type": "application/json"])
            #expect(app.router.plan(for: head).maxBodyBytes >= body.utf8.count, "\(method) \(target)")
        }
        let created = app.call(.POST, "/api/v1/webhooks", body: body)
        #expect(created.status == 201, "\(created.json)")
        #expect(created.json["url"] as? String == url)
        #expect(created.json["description"] as? String == description)
        let id = try #require(created.json["id"] as? String)
        let patched = app.call(.PATCH, "/api/v1/webhooks/\(id)", body: #"{"description":"\#(Self.escaped(description))","url":"\#(Self.escaped(url))"}"#)
        #expect(patched.status == 200, "\(patched.json)")
    }

    @Test func descriptionLengthIsCountedInCodePointsLikeTheDocument() throws {
        let app = try Self.app()
        // 300 characters on screen, 600 code points: over the document's maxLength of 500.
        let combining = String(repeating: "e\u{0301}", count: 300)
        #expect(combining.count == 300 && combining.unicodeScalars.count == 600)
        let refused = app.call(.POST, "/api/v1/webhooks", body: #"{"url":"http://127.0.0.1:9/h","events":["message.new"],"description":"\#(combining)"}"#)
        #expect(refused.status == 422 && refused.json["code"] as? String == "validation_failed")
        let fits = String(repeating: "e\u{0301}", count: 250)
        #expect(app.call(.POST, "/api/v1/webhooks", body: #"{"url":"http://127.0.0.1:9/h","events":["message.new"],"description":"\#(fits)"}"#).status == 201)
    }

    @Test func urlsOutsideTheDocumentedPatternAreRefused() throws {
        let app = try Self.app()
        for url in ["", "http://", "https://bücher.example/hook", "http://127.0.0.1:9/\u{7F}", "127.0.0.1:9/hook"] {
            let response = app.call(.POST, "/api/v1/webhooks", body: #"{"url":"\#(url)","events":["message.new"]}"#)
            #expect(response.status == 422 && response.json["code"] as? String == "webhook_url_invalid", "\(url)")
        }
        #expect(app.call(.POST, "/api/v1/webhooks", body: #"{"url":"http://127.0.0.1:9/b%C3%BCcher","events":["message.new"]}"#).status == 201)
    }

    @Test func aURLStoredBeforeTheASCIIRuleStillDelivers() throws {
        // Deliveries (and the accounts file) re-check the shape only; the ASCII rule is the API's.
        let stored = try WebhookURL("http://127.0.0.1:9/b\u{FC}cher", allowHTTP: true)
        #expect(stored.host == "127.0.0.1" && stored.port == 9)
        #expect(throws: Problem.self) { try WebhookURL.requirePrintableASCII(stored.text) }
    }

    @Test func nullIsRefusedNotReadAsLeftOut() throws {
        let app = try Self.app()
        #expect(app.call(.POST, "/api/v1/webhooks", body: #"{"url":"http://127.0.0.1:9/h","events":["message.new"],"description":null}"#).status == 422)
        let created = app.call(.POST, "/api/v1/webhooks", body: #"{"url":"http://127.0.0.1:9/h","events":["message.new"]}"#)
        let id = try #require(created.json["id"] as? String)
        for field in ["url", "events", "description", "enabled", "rotateSecret"] {
            let response = app.call(.PATCH, "/api/v1/webhooks/\(id)", body: #"{"\#(field)":null}"#)
            #expect(response.status == 422 && response.json["code"] as? String == "validation_failed", "\(field)")
        }
        #expect(app.call(.GET, "/api/v1/webhooks/\(id)").json["url"] as? String == "http://127.0.0.1:9/h", "unchanged")
    }
}
