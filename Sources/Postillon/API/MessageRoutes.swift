import PostillonHTTP
/// The mailbox and message routes: list (and search, with `q` and the other search parameters), raw
/// download, delete, bulk delete.
enum MessageRoutes {
    struct BulkDelete: Decodable {
        let ids: [String]

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(["ids"])
            let container = try decoder.container(keyedBy: AnyCodingKey.self)
            ids = try container.decode([String].self, forKey: AnyCodingKey(stringValue: "ids"))
        }
    }

    static let maxBulkIds = 1000

    static func routes(_ services: AppServices) -> [Route] {
        let mailbox = services.mailbox
        return [
            Route(.GET, "/api/v1/mailbox") { context in
                try services.authorized(context) { principal in
                    JSONBody.response(try mailbox.info(principal.credentials, arrivedMillis: context.request.arrivedMillis))
                }
            },
            Route(.GET, "/api/v1/messages") { context in
                let limit = try limitParameter(context)
                var cursor: PageCursor?
                if let text = context.query("cursor"), !text.isEmpty {
                    guard let parsed = PageCursor.decode(text) else {
                        throw Problem(.badRequest, code: "invalid_cursor", detail: "The cursor is not one this server made.")
                    }
                    cursor = parsed
                }
                let filter = try FlagRoutes.filter(context)
                let query = try SearchQuery.parse { context.query($0) }
                if query.isActive {
                    guard let search = services.search else {
                        throw Problem(.serviceUnavailable, code: "search_unavailable", detail: "This server keeps no summary index.")
                    }
                    return try services.authorized(context) { principal in
                        JSONBody.response(try search.search(principal.credentials, query: query, filter: filter, limit: limit, cursor: cursor,
                                                            arrivedMillis: context.request.arrivedMillis))
                    }
                }
                return try services.authorized(context) { principal in
                    let account = principal.credentials.mailboxKey
                    var listed: [String]?
                    var parsed: [(uidl: String, summary: MessageSummary)] = []
                    let page = try mailbox.list(principal.credentials, limit: limit, cursor: cursor, filter: filter,
                                                arrivedMillis: context.request.arrivedMillis, flags: { uidls in
                        listed = uidls
                        return try services.flags.flagsForListing(account: account, uidls: uidls)
                    }, parsed: { parsed = $0 })
                    // The summary index is kept after the mailbox's line is released. Best effort: the
                    // page is served even when the index cannot be written.
                    if let search = services.search {
                        do {
                            try search.record(account: account, parsed)
                            // The listing proved the credentials: the index may be completed in the background.
                            if let listed, services.configuration.indexJobs > 0 { try search.refresh(principal.credentials, uidls: listed) }
                        } catch {
                            context.logger.warning("summary index not updated", metadata: ["error": "\(error)"])
                        }
                    }
                    return JSONBody.response(page)
                }
            },
            Route(.GET, "/api/v1/messages/{id}/raw") { context in
                try services.authorized(context) { principal in
                    // Spooled to a temporary file first: the POP3 session and the mailbox's line
                    // are free before the client reads a byte, so a slow or stalled reader holds
                    // only its own connection; and 200 is sent only once RETR succeeded.
                    let spooled = try mailbox.spool(principal.credentials, id: context.parameter("id"), maxBytes: nil,
                                                    arrivedMillis: context.request.arrivedMillis)
                    let headers: HTTPHeaders = [
                        "Content-Type": "message/rfc822",
                        "Cache-Control": "private, no-store",
                        "X-Content-Type-Options": "nosniff",
                        // As for attachments: a browser that renders the message anyway runs nothing.
                        "Content-Security-Policy": "sandbox; default-src 'none'",
                    ]
                    return HTTPResponse(status: .ok, headers: headers, body: .stream(length: spooled.file.size) { writer in
                        try spooled.file.read { try writer.write($0) }
                    })
                }
            },
            Route(.DELETE, "/api/v1/messages/{id}") { context in
                try services.authorized(context) { principal in
                    let id = context.parameter("id")
                    let result = try mailbox.delete(principal.credentials, ids: [id], arrivedMillis: context.request.arrivedMillis)
                    if !result.notFound.isEmpty { throw MailboxError.messageNotFound(id: id) }
                    return HTTPResponse(status: .noContent)
                }
            },
            Route(.POST, "/api/v1/messages/delete", maxBodyBytes: services.configuration.maxBodyBytes) { context in
                let input = try JSONBody.decode(BulkDelete.self, from: context.request)
                guard (1...maxBulkIds).contains(input.ids.count) else {
                    throw Problem(.unprocessableContent, code: "validation_failed", detail: "ids must hold 1 to \(maxBulkIds) message ids.")
                }
                return try services.authorized(context) { principal in
                    return try services.idempotency.run(key: context.request.headers["Idempotency-Key"],
                                                        scope: principal.identity + " POST /api/v1/messages/delete",
                                                        body: context.request.body) {
                        do {
                            return JSONBody.response(try mailbox.delete(principal.credentials, ids: input.ids,
                                                                                  arrivedMillis: context.request.arrivedMillis))
                        } catch POP3Error.quitUnanswered(let timedOut) {
                            // Stored under the Idempotency-Key: a retry must not delete again nor
                            // report the messages as not found.
                            throw ReplayableResponse(response: UpstreamErrorMapping.deleteOutcomeUnknown(timedOut: timedOut)
                                .response(requestID: context.requestID))
                        }
                    }
                }
            },
        ]
    }

    /// The `limit` query parameter: 1 to 200, default 50.
    static func limitParameter(_ context: RequestContext) throws -> Int {
        guard let text = context.query("limit") else { return 50 }
        guard let limit = Int(text), (1...MailboxService.maxLimit).contains(limit) else {
            throw Problem(.badRequest, code: "invalid_parameter", detail: "limit must be a whole number from 1 to \(MailboxService.maxLimit).")
        }
        return limit
    }
}
