import PostillonHTTP

/// `PATCH /api/v1/messages/{id}` and `POST /api/v1/messages/flags`: Postillon's own `seen` and
/// `flagged` marks (POP3 has no flags). Each change first proves the caller's login and the
/// messages' existence with one POP3 session, then writes the state store.
enum FlagRoutes {
    struct FlagChange: Decodable {
        let seen: Bool?
        let flagged: Bool?

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(["seen", "flagged"])
            let container = try decoder.container(keyedBy: AnyCodingKey.self)
            seen = try container.decodeIfPresent(Bool.self, forKey: AnyCodingKey(stringValue: "seen"))
            flagged = try container.decodeIfPresent(Bool.self, forKey: AnyCodingKey(stringValue: "flagged"))
        }
    }

    struct BulkFlagChange: Decodable {
        let ids: [String]
        let seen: Bool?
        let flagged: Bool?

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(["ids", "seen", "flagged"])
            let container = try decoder.container(keyedBy: AnyCodingKey.self)
            ids = try container.decode([String].self, forKey: AnyCodingKey(stringValue: "ids"))
            seen = try container.decodeIfPresent(Bool.self, forKey: AnyCodingKey(stringValue: "seen"))
            flagged = try container.decodeIfPresent(Bool.self, forKey: AnyCodingKey(stringValue: "flagged"))
        }
    }

    struct MessageFlagsView: Encodable {
        let id: String
        let seen: Bool
        let flagged: Bool
    }

    struct BulkResult: Encodable {
        let updated: [MessageFlagsView]
        let notFound: [String]
    }

    static func routes(_ services: AppServices) -> [Route] {
        let mailbox = services.mailbox
        let flags = services.flags
        return [
            Route(.PATCH, "/api/v1/messages/{id}", maxBodyBytes: 4096) { context in
                let change = try JSONBody.decode(FlagChange.self, from: context.request)
                try requireSomeFlag(change.seen, change.flagged)
                return try services.authorized(context) { principal in
                    let id = context.parameter("id")
                    let existing = try mailbox.existing(principal.credentials, ids: [id], arrivedMillis: context.request.arrivedMillis)
                    guard let found = existing.found.first else { throw MailboxError.messageNotFound(id: id) }
                    let result = try flags.update(account: principal.credentials.mailboxKey, uidls: [found.uidl],
                                                  seen: change.seen, flagged: change.flagged)
                    services.eventHub?.wake()
                    let now = result[found.uidl] ?? MessageFlags()
                    return JSONBody.response(MessageFlagsView(id: id, seen: now.seen, flagged: now.flagged))
                }
            },
            Route(.POST, "/api/v1/messages/flags", maxBodyBytes: services.configuration.maxBodyBytes) { context in
                let change = try JSONBody.decode(BulkFlagChange.self, from: context.request)
                guard (1...MessageRoutes.maxBulkIds).contains(change.ids.count) else {
                    throw Problem(.unprocessableContent, code: "validation_failed",
                                  detail: "ids must hold 1 to \(MessageRoutes.maxBulkIds) message ids.")
                }
                try requireSomeFlag(change.seen, change.flagged)
                return try services.authorized(context) { principal in
                    let existing = try mailbox.existing(principal.credentials, ids: change.ids, arrivedMillis: context.request.arrivedMillis)
                    let result = try flags.update(account: principal.credentials.mailboxKey, uidls: existing.found.map(\.uidl),
                                                  seen: change.seen, flagged: change.flagged)
                    services.eventHub?.wake()
                    let updated = existing.found.map { found in
                        MessageFlagsView(id: found.id, seen: result[found.uidl]?.seen ?? false, flagged: result[found.uidl]?.flagged ?? false)
                    }
                    return JSONBody.response(BulkResult(updated: updated, notFound: existing.notFound))
                }
            },
        ]
    }

    /// The `seen` / `flagged` query filters of the list.
    /// - Throws: ``Problem`` 400 `invalid_parameter` for values other than `true` and `false`.
    static func filter(_ context: RequestContext) throws -> FlagFilter {
        func flag(_ name: String) throws -> Bool? {
            guard let text = context.query(name) else { return nil }
            switch text {
            case "true": return true
            case "false": return false
            default: throw Problem(.badRequest, code: "invalid_parameter", detail: "\(name) must be true or false.")
            }
        }
        return FlagFilter(seen: try flag("seen"), flagged: try flag("flagged"))
    }

    private static func requireSomeFlag(_ seen: Bool?, _ flagged: Bool?) throws {
        guard seen != nil || flagged != nil else {
            throw Problem(.unprocessableContent, code: "validation_failed", detail: "Give seen, flagged or both (true or false).")
        }
    }
}
