import PostillonHTTP

/// `/api/v1/webhooks`: the caller's webhook subscriptions, their deliveries and retries. Every
/// route authenticates; a Basic caller's password is proven with a POP3 login first (a webhook
/// outlives the request, so pass-through credentials are not taken on trust). The URL is checked
/// against the operator's policy (https, no internal addresses) when saved and at every attempt.
enum WebhookRoutes {
    /// Most subscriptions per account.
    static let maxPerAccount = 20
    /// Largest create or change body: every body the document allows fits, even with each
    /// character written as a JSON `\u` escape (url 2,048 x 6 + description 500 x 12 + events and
    /// keys is under 20 KiB), so a valid request is never refused as 413.
    static let maxBodyBytes = 32 * 1024

    private struct List<T: Encodable>: Encodable {
        let webhooks: [T]
    }

    private struct Deliveries: Encodable {
        let deliveries: [WebhookDeliveryView]
    }

    /// The event store, or 503 `events_unavailable`.
    static func store(_ services: AppServices) throws -> EventStore {
        guard let events = services.events else {
            throw Problem(.serviceUnavailable, code: "events_unavailable", detail: "This server keeps no event store.")
        }
        return events
    }

    /// Authenticates (proving a Basic password with a POP3 login) and runs `body` with the account key.
    static func withAccount(_ services: AppServices, _ context: RequestContext,
                            _ body: (String, EventStore) throws -> HTTPResponse) throws -> HTTPResponse {
        let events = try store(services)
        return try services.authorized(context) { principal in
            if principal.method == .basic { try services.mailbox.verify(principal.credentials) }
            return try body(principal.credentials.mailboxKey, events)
        }
    }

    /// The URL after the shape and address checks.
    /// - Throws: ``Problem`` 422 `webhook_url_invalid` / `webhook_url_refused`.
    static func checkedURL(_ text: String, _ configuration: Configuration) throws -> String {
        let url = try WebhookURL(text, allowHTTP: configuration.webhookAllowHTTP)
        try WebhookURL.requirePrintableASCII(text)
        _ = try url.resolve(policy: AddressPolicy(allowed: configuration.webhookAllowNetworks))
        return url.text
    }

    static func notFound(_ id: String) -> Problem {
        Problem(.notFound, code: "webhook_not_found", detail: "No webhook with id '\(id.prefix(100))' for this account.")
    }

    /// 409 for a change only the accounts file may make.
    static func managedByConfiguration(_ id: String) -> Problem {
        Problem(.conflict, code: "webhook_managed_by_configuration",
                detail: "Webhook '\(id.prefix(100))' is declared in the operator's accounts file; only enabled can be changed here.")
    }

    static func routes(_ services: AppServices) -> [Route] {
        let configuration = services.configuration
        return [
            Route(.POST, "/api/v1/webhooks", maxBodyBytes: maxBodyBytes) { context in
                let request = try JSONBody.decode(WebhookRequest.self, from: context.request)
                guard let urlText = request.url, let events = request.events else {
                    throw Problem(.unprocessableContent, code: "validation_failed", detail: "url and events are required.")
                }
                let types = try WebhookRequest.validate(events: events)
                try WebhookRequest.validate(description: request.description)
                return try withAccount(services, context) { account, store in
                    let url = try checkedURL(urlText, configuration)
                    guard try store.subscriptions(account: account).count < maxPerAccount else {
                        throw Problem(.conflict, code: "webhook_limit_reached", detail: "An account may have at most \(maxPerAccount) webhooks.")
                    }
                    let created = try store.createSubscription(account: account, url: url, events: types, description: request.description,
                                                               now: WallClock.nowMillis())
                    return JSONBody.response(created, status: .created)
                }
            },
            Route(.GET, "/api/v1/webhooks") { context in
                try withAccount(services, context) { account, store in JSONBody.response(List(webhooks: try store.subscriptions(account: account))) }
            },
            Route(.GET, "/api/v1/webhooks/{id}") { context in
                try withAccount(services, context) { account, store in
                    let id = context.parameter("id")
                    guard let found = try store.subscription(account: account, id: id) else { throw notFound(id) }
                    return JSONBody.response(found)
                }
            },
            Route(.PATCH, "/api/v1/webhooks/{id}", maxBodyBytes: maxBodyBytes) { context in
                let request = try JSONBody.decode(WebhookRequest.self, from: context.request)
                let types = try request.events.map(WebhookRequest.validate(events:))
                try WebhookRequest.validate(description: request.description)
                return try withAccount(services, context) { account, store in
                    let id = context.parameter("id")
                    if id.hasPrefix(ConfiguredWebhook.idPrefix),
                       request.url != nil || request.events != nil || request.description != nil || request.rotateSecret == true,
                       try store.subscription(account: account, id: id) != nil {
                        throw managedByConfiguration(id)
                    }
                    let url = try request.url.map { try checkedURL($0, configuration) }
                    guard let updated = try store.updateSubscription(account: account, id: id, url: url, events: types,
                                                                     description: request.description, enabled: request.enabled,
                                                                     rotateSecret: request.rotateSecret ?? false)
                    else { throw notFound(id) }
                    return JSONBody.response(updated)
                }
            },
            Route(.DELETE, "/api/v1/webhooks/{id}") { context in
                try withAccount(services, context) { account, store in
                    let id = context.parameter("id")
                    if id.hasPrefix(ConfiguredWebhook.idPrefix), try store.subscription(account: account, id: id) != nil {
                        throw managedByConfiguration(id)
                    }
                    guard try store.deleteSubscription(account: account, id: id) else { throw notFound(id) }
                    return HTTPResponse(status: .noContent)
                }
            },
            Route(.GET, "/api/v1/webhooks/{id}/deliveries") { context in
                try withAccount(services, context) { account, store in
                    let id = context.parameter("id")
                    guard let list = try store.deliveries(account: account, subscriptionID: id, limit: 100) else { throw notFound(id) }
                    return JSONBody.response(Deliveries(deliveries: list))
                }
            },
            Route(.POST, "/api/v1/webhooks/{id}/deliveries/{deliveryId}/retry") { context in
                try withAccount(services, context) { account, store in
                    let id = context.parameter("id")
                    let delivery = context.parameter("deliveryId")
                    guard try store.retryDelivery(account: account, subscriptionID: id, deliveryID: delivery, now: WallClock.nowMillis()) else {
                        throw Problem(.notFound, code: "delivery_not_found", detail: "No delivery '\(delivery.prefix(100))' of this webhook.")
                    }
                    return HTTPResponse(status: HTTPStatus(202))
                }
            },
        ]
    }
}
