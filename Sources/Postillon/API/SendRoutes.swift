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
enum SendRoutes {
    /// The route, using the services' authenticator, SMTP client and idempotency store.
    static func routes(_ services: AppServices) -> [Route] {
        let configuration = services.configuration
        let maxBytes = configuration.maxSendBytes
        // Base64 makes attachments 4/3 larger and JSON escapes add more: the body may exceed the
        // message limit, which is checked again on the decoded content.
        let maxBodyBytes = maxBytes + maxBytes / 2 + (1 << 20)
        return [
            Route(.POST, "/api/v1/send", maxBodyBytes: maxBodyBytes, pool: WorkerPoolName.smtp) { context in
                try services.authorized(context) { principal in
                    let request = context.request
                    let contentType = request.headers["Content-Type"]
                    let fingerprint = Array("\(contentType.map(MediaType.essence) ?? "")\n\(request.head.query ?? "")\n".utf8) + request.body
                    return try services.idempotency.run(key: request.headers["Idempotency-Key"],
                                                        scope: principal.identity + " POST /api/v1/send", body: fingerprint) {
                        let prepared = try prepare(context, contentType: contentType, sender: principal.address, configuration: configuration)
                        // Fail closed: the caller is proven by SMTP AUTH, or, with a trusted relay,
                        // by a POP3 login (sessions had one at sign-in; API keys are the operator's).
                        if configuration.smtpTrustedRelay && principal.method == .basic {
                            try services.mailbox.verify(principal.credentials)
                        }
                        let delivery: SMTPDelivery
                        do {
                            delivery = try services.smtp.submit(prepared.message, envelope: prepared.envelope, credentials: principal.credentials,
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
                        return JSONBody.response(SendResult(messageId: prepared.messageID, accepted: delivery.accepted,
                                                            rejected: delivery.rejected))
                    }
                }
            },
        ]
    }

    /// The bytes, envelope and Message-ID of the request's message, JSON or raw.
    /// - Throws: ``SendValidationError`` or ``JSONBodyError``.
    private static func prepare(_ context: RequestContext, contentType: String?, sender: String,
                                configuration: Configuration) throws -> (message: [UInt8], envelope: SMTPEnvelope, messageID: String) {
        switch contentType.map(MediaType.essence) {
        case "application/json":
            if context.query("from") != nil || context.query("to") != nil {
                throw SendValidationError.invalid("The 'from' and 'to' query parameters apply only to message/rfc822 bodies.")
            }
            let request = try JSONBody.decode(SendRequest.self, from: context.request.body)
            let (message, envelope) = try request.validated(sender: sender, maxBytes: configuration.maxSendBytes)
            let composed = try MessageComposer.compose(message, fallbackDomain: configuration.ehloName)
            return (composed.bytes, envelope, composed.messageID)
        case "message/rfc822":
            let raw = try RawSubmission.prepare(context.request.body, from: context.query("from"), to: context.queryAll("to"),
                                                sender: sender, maxBytes: configuration.maxSendBytes, fallbackDomain: configuration.ehloName)
            return (raw.message, raw.envelope, raw.messageID)
        default:
            throw SendValidationError.unsupportedMediaType(contentType)
        }
    }
}
