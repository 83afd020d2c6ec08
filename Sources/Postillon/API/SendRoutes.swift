import Foundation
import Logging
import PostillonHTTP

/// `POST /api/v1/send`: a JSON description composed with GMime, or a prepared `message/rfc822`
/// message, submitted over SMTP with the caller's credentials.
///
/// Sender policy: a message is sent as the caller's own address (``Principal/address``: the login
/// if it holds '@', else login@mail-domain; an API-key account's configured address). `from` may
/// add a display name but must be that address (case-insensitive), else 403 `from_not_allowed`;
/// for raw messages both the envelope sender and the From header must be it.
///
/// Large bodies (over ``spoolBodyOver``) are written to a nameless temporary file while they
/// arrive, not kept in RAM (see ``SpooledBody``). A raw `message/rfc822` body stays there: its
/// header block is read and rewritten, the rest is read from the file, CRLF-normalised, while
/// libcurl uploads it. A JSON body must be decoded whole (base64 attachments inside one document),
/// so a spooled JSON body is read into memory here, on the SMTP worker, once the caller is
/// authorised: at most one such body per SMTP worker thread, never one per slow connection.
enum SendRoutes {
    /// Bodies larger than this are spooled to a temporary file while they arrive.
    static let spoolBodyOver = 1 << 20

    /// Bodies up to this size are composed while the idempotency claim (or, without a key, the
    /// `message.sent` subscription read) is in flight.
    static let composeWhileClaimingUpTo = 64 << 10

    /// A message ready to upload: its bytes, envelope and Message-ID.
    typealias Prepared = (upload: SMTPMessage, envelope: SMTPEnvelope, messageID: String)

    /// The route, using the services' authenticator, SMTP client and idempotency store.
    static func routes(_ services: AppServices) -> [Route] {
        let configuration = services.configuration
        let maxBytes = configuration.maxSendBytes
        // Base64 makes attachments 4/3 larger and JSON escapes add more: the body may exceed the
        // message limit, which is checked again on the decoded content.
        let maxBodyBytes = maxBytes + maxBytes / 2 + (1 << 20)
        return [
            Route(.POST, "/api/v1/send", maxBodyBytes: maxBodyBytes, spoolBodyOver: spoolBodyOver, pool: WorkerPoolName.smtp) { context in
                try services.authorized(context) { principal in
                    let request = context.request
                    let contentType = request.headers["Content-Type"]
                    let isRaw = contentType.map(MediaType.essence) == "message/rfc822"
                    // A raw message stays in its file; anything else is needed whole (see above).
                    let spooledRaw = isRaw ? request.spooledBody : nil
                    let body: [UInt8] = try spooledRaw == nil ? loadBody(request) : []
                    let prefix = Array("\(contentType.map(MediaType.essence) ?? "")\n\(request.head.query ?? "")\n".utf8)
                    // The message.sent event: written with the stored answer in one transaction
                    // (with an Idempotency-Key), else on its own after the server accepted.
                    var sent: SentEvent?
                    let key = request.headers["Idempotency-Key"]
                    let account = principal.credentials.mailboxKey
                    // Whether anyone subscribes to message.sent: learnt in the claim's flight when
                    // there is a key, else read on its own before the send.
                    var subscribed: Bool?
                    // The message is composed (once) while the request's first flight to the database
                    // is out: the claim, or the subscription read without a key. A small body only: a
                    // large one would be composed in vain for a replay.
                    var composed: Result<Prepared, any Error>?
                    let compose = {
                        guard composed == nil else { return }
                        composed = Result { try prepare(context, body: body, spooled: spooledRaw, contentType: contentType,
                                                        sender: principal.address, configuration: configuration) }
                    }
                    let overlap = spooledRaw == nil && body.count <= composeWhileClaimingUpTo
                    if key == nil, let events = services.events {
                        // No claim to ride along: the subscription read flies alone, composing meanwhile.
                        subscribed = try? events.wantsSent(account: account, meanwhile: { if overlap { compose() } })
                    }
                    let response = try services.idempotency.run(key: key, scope: principal.identity + " POST /api/v1/send",
                                                        fingerprint: {
                                                            guard let spooledRaw else { return Hashing.sha256Hex(prefix + body) }
                                                            return try Hashing.sha256Hex(prefix, then: spooledRaw)
                                                        }, reading: services.events?.wantsSentRead(account: account) { subscribed = $0 },
                                                        meanwhile: { if overlap { compose() } },
                                                        alongside: {
                                                            guard let events = services.events, let sent else { return nil }
                                                            return { try events.recordSent(sent, now: WallClock.nowMillis(), on: $0) }
                                                        }) {
                        compose()
                        let prepared = try composed!.get()
                        // Fail closed: the caller is proven by SMTP AUTH, or, with a trusted relay,
                        // by a POP3 login (sessions had one at sign-in; API keys are the operator's).
                        if configuration.smtpTrustedRelay && principal.method == .basic {
                            try services.mailbox.verify(principal.credentials)
                        }
                        // Known before the send (from the claim's flight, or one read): with no message.sent
                        // subscriber, a send writes no event and an idempotent one stores its answer in a
                        // single statement. When the read fails the event is attempted anyway (and its
                        // failure logged).
                        let wantsSent = services.events.map { events in subscribed ?? ((try? events.wantsSent(account: account)) ?? true) } ?? false
                        let delivery: SMTPDelivery
                        do {
                            delivery = try services.smtp.submit(prepared.upload, envelope: prepared.envelope, credentials: principal.credentials,
                                                                requireAuthentication: !configuration.smtpTrustedRelay)
                        } catch let error as SMTPError {
                            switch error {
                            case .tls, .unreachable, .timeout, .protocolFailure, .authenticationUnavailable:
                                context.logger.warning("SMTP submission failed", metadata: ["error": .string(error.description)])
                            case .outcomeUnknown:
                                context.logger.error("SMTP submission outcome unknown", metadata: [
                                    "error": .string(error.description), "message.id": .string(prepared.messageID),
                                ])
                                // Stored under the Idempotency-Key: a same-key retry replays this answer.
                                throw ReplayableResponse(response: error.problem
                                    .response(requestID: context.requestID))
                            case .authenticationFailed, .allRecipientsRejected, .senderRejected, .messageRejected: break
                            }
                            throw error
                        }
                        context.logger.debug("message submitted", metadata: [
                            "message.id": .string(prepared.messageID), "accepted": .stringConvertible(delivery.accepted.count),
                            "rejected": .stringConvertible(delivery.rejected.count),
                        ])
                        ServiceMetrics.sendRecipients(accepted: delivery.accepted.count, rejected: delivery.rejected.count)
                        if wantsSent {
                            sent = SentEvent(account: account, messageID: prepared.messageID, sender: prepared.envelope.sender,
                                             delivery: delivery, size: prepared.upload.count, head: prepared.upload.head)
                        }
                        return JSONBody.response(SendResult(messageId: prepared.messageID, accepted: delivery.accepted,
                                                            rejected: delivery.rejected))
                    }
                    if key == nil, let sent, let events = services.events {
                        do {
                            try events.recordSent(sent, now: WallClock.nowMillis())
                        } catch {
                            // The mail is out: failing the request would invite a duplicate send.
                            context.logger.error("message.sent event not recorded", metadata: ["error": .string("\(error)")])
                        }
                    }
                    return response
                }
            },
        ]
    }

    /// The request body in memory, read from its spool file if it was spooled (on this worker).
    /// - Throws: a 503 ``Problem`` when the file cannot be read.
    private static func loadBody(_ request: HTTPRequest) throws -> [UInt8] {
        do {
            return try request.bodyBytes()
        } catch {
            throw Problem(.serviceUnavailable, code: "server_busy", detail: "The request body could not be read back; retry shortly.",
                          headers: ["Retry-After": "5"])
        }
    }

    /// The message to upload, its envelope and Message-ID, from a JSON or raw body (`body`, or
    /// `spooled` for a raw message left in its file).
    /// - Throws: ``SendValidationError`` or ``JSONBodyError``.
    private static func prepare(_ context: RequestContext, body: [UInt8], spooled: SpooledBody?, contentType: String?, sender: String,
                                configuration: Configuration) throws -> Prepared {
        switch contentType.map(MediaType.essence) {
        case "application/json":
            if context.query("from") != nil || context.query("to") != nil {
                throw SendValidationError.invalid("The 'from' and 'to' query parameters apply only to message/rfc822 bodies.")
            }
            let request = try JSONBody.decode(SendRequest.self, from: body)
            let (message, envelope) = try request.validated(sender: sender, maxBytes: configuration.maxSendBytes)
            let composed = try MessageComposer.compose(message, fallbackDomain: configuration.ehloName)
            return (SMTPMessage(composed.bytes), envelope, composed.messageID)
        case "message/rfc822":
            let raw = if let spooled {
                try RawSubmission.prepare(spooled: spooled, from: context.query("from"), to: context.queryAll("to"),
                                          sender: sender, maxBytes: configuration.maxSendBytes, fallbackDomain: configuration.ehloName)
            } else {
                try RawSubmission.prepare(body, from: context.query("from"), to: context.queryAll("to"),
                                          sender: sender, maxBytes: configuration.maxSendBytes, fallbackDomain: configuration.ehloName)
            }
            return (raw.upload, raw.envelope, raw.messageID)
        default:
            throw SendValidationError.unsupportedMediaType(contentType)
        }
    }
}
