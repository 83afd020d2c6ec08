/// The JSON body of `POST /api/v1/send`, as decoded: unknown fields are refused, nothing is
/// validated yet (see `SendRequest+Validation.swift`).
struct SendRequest: Decodable {
    /// An address as given: `"Name <a@b>"` / `"a@b"`, or `{"name": ..., "address": ...}`.
    enum Address: Decodable {
        case text(String)
        case object(name: String?, address: String)

        init(from decoder: any Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) {
                self = .text(text)
                return
            }
            try decoder.rejectUnknownKeys(["name", "address"], nullable: ["name"])
            let container = try decoder.container(keyedBy: AnyCodingKey.self)
            self = .object(name: try container.decodeIfPresent(String.self, forKey: AnyCodingKey(stringValue: "name")),
                           address: try container.decode(String.self, forKey: AnyCodingKey(stringValue: "address")))
        }
    }

    /// An attachment as given, content still base64.
    struct Attachment: Decodable {
        let filename: String
        let contentType: String?
        let content: String
        let contentId: String?

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(["filename", "contentType", "content", "contentId"])
            let container = try decoder.container(keyedBy: AnyCodingKey.self)
            filename = try container.decode(String.self, forKey: AnyCodingKey(stringValue: "filename"))
            contentType = try container.decodeIfPresent(String.self, forKey: AnyCodingKey(stringValue: "contentType"))
            content = try container.decode(String.self, forKey: AnyCodingKey(stringValue: "content"))
            contentId = try container.decodeIfPresent(String.self, forKey: AnyCodingKey(stringValue: "contentId"))
        }
    }

    static let fields: Set<String> = ["from", "to", "cc", "bcc", "replyTo", "subject", "text", "html", "attachments",
                                      "headers", "inReplyTo", "references"]

    let from: Address?
    let to: [Address]
    let cc: [Address]
    let bcc: [Address]
    let replyTo: [Address]
    let subject: String?
    let text: String?
    let html: String?
    let attachments: [Attachment]
    let headers: [String: String]
    let inReplyTo: String?
    let references: [String]

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(Self.fields)
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        func key(_ name: String) -> AnyCodingKey { AnyCodingKey(stringValue: name) }
        from = try container.decodeIfPresent(Address.self, forKey: key("from"))
        to = try container.decodeIfPresent([Address].self, forKey: key("to")) ?? []
        cc = try container.decodeIfPresent([Address].self, forKey: key("cc")) ?? []
        bcc = try container.decodeIfPresent([Address].self, forKey: key("bcc")) ?? []
        replyTo = try container.decodeIfPresent([Address].self, forKey: key("replyTo")) ?? []
        subject = try container.decodeIfPresent(String.self, forKey: key("subject"))
        text = try container.decodeIfPresent(String.self, forKey: key("text"))
        html = try container.decodeIfPresent(String.self, forKey: key("html"))
        attachments = try container.decodeIfPresent([Attachment].self, forKey: key("attachments")) ?? []
        headers = try container.decodeIfPresent([String: String].self, forKey: key("headers")) ?? [:]
        inReplyTo = try container.decodeIfPresent(String.self, forKey: key("inReplyTo"))
        references = try container.decodeIfPresent([String].self, forKey: key("references")) ?? []
    }
}
