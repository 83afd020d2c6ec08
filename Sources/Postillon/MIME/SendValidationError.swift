/// Why a message submitted to `POST /api/v1/send` was refused before anything was sent.
///
/// Mapped to problem responses in ``ErrorMapping``: 400 for the malformed, 403 for a sender the
/// caller may not use, 413 for size, 415 for the content type.
package enum SendValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request breaks a rule (no recipient, bad field value, ...): `validation_failed`.
    case invalid(String)
    /// An address does not parse: `invalid_address`.
    case invalidAddress(field: String, value: String)
    /// A header value, name or filename holds CR, LF, NUL or another control character, or names a
    /// header the caller may not set: `header_injection`.
    case headerInjection(field: String, reason: String)
    /// An attachment's content is not valid base64: `invalid_base64`.
    case invalidBase64(field: String)
    /// The message is larger than the configured limit (bytes): `payload_too_large`.
    case tooLarge(limit: Int)
    /// The sender is not the caller's own address: `from_not_allowed`.
    case senderNotAllowed(address: String, allowed: String)
    /// The body is neither JSON nor `message/rfc822`: `unsupported_media_type`.
    case unsupportedMediaType(String?)

    package var description: String {
        switch self {
        case .invalid(let why): return why
        case .invalidAddress(let field, let value):
            return "'\(field)' holds an invalid address: '\(HeaderText.printable(value, limit: 200))'."
        case .headerInjection(let field, let reason): return "'\(field)' \(reason)."
        case .invalidBase64(let field): return "'\(field)' is not valid base64."
        case .tooLarge(let limit): return "The message is larger than the limit of \(limit) bytes."
        case .senderNotAllowed(let address, let allowed):
            return "This account may send only as <\(allowed)>, not <\(HeaderText.printable(address, limit: 200))>."
        case .unsupportedMediaType(let type):
            return "Expected Content-Type application/json or message/rfc822, got \(type.map { "'\(HeaderText.printable($0, limit: 100))'" } ?? "none")."
        }
    }
}
