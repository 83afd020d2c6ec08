import PostillonHTTP

/// The body of `POST /api/v1/webhooks` and `PATCH /api/v1/webhooks/{id}` (every field optional
/// on PATCH; `url` and `events` required on POST).
struct WebhookRequest: Decodable {
    let url: String?
    let events: [String]?
    let description: String?
    let enabled: Bool?
    let rotateSecret: Bool?

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(["url", "events", "description", "enabled", "rotateSecret"])
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        url = try container.decodeIfPresent(String.self, forKey: AnyCodingKey(stringValue: "url"))
        events = try container.decodeIfPresent([String].self, forKey: AnyCodingKey(stringValue: "events"))
        description = try container.decodeIfPresent(String.self, forKey: AnyCodingKey(stringValue: "description"))
        enabled = try container.decodeIfPresent(Bool.self, forKey: AnyCodingKey(stringValue: "enabled"))
        rotateSecret = try container.decodeIfPresent(Bool.self, forKey: AnyCodingKey(stringValue: "rotateSecret"))
    }

    /// Checks the event list: 1 to 10 known types, no repeats.
    /// - Throws: ``Problem`` 422 `validation_failed`.
    static func validate(events: [String]) throws -> [String] {
        var seen: Set<String> = []
        guard !events.isEmpty, events.count <= 10, events.allSatisfy({ MailEvent.types.contains($0) && seen.insert($0).inserted }) else {
            throw Problem(.unprocessableContent, code: "validation_failed",
                          detail: "events must list one or more of \(MailEvent.types.joined(separator: ", ")), each once.")
        }
        return events
    }

    /// Checks the description: at most 500 characters, counted as Unicode code points like the
    /// document's `maxLength` (not as grapheme clusters, which combining marks would shorten).
    /// - Throws: ``Problem`` 422 `validation_failed`.
    static func validate(description: String?) throws {
        if let description, description.unicodeScalars.count > 500 {
            throw Problem(.unprocessableContent, code: "validation_failed", detail: "description must be at most 500 characters.")
        }
    }
}
