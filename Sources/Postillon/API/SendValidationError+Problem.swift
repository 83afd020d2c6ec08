import PostillonHTTP

/// A refused send request, as the API answers it.
extension SendValidationError: ProblemConvertible {
    /// 400 for malformed input, 403 for a foreign sender, 413, 415, 422.
    package var problem: Problem {
        let detail = description
        switch self {
        case .invalid: return Problem(.unprocessableContent, code: "validation_failed", detail: detail)
        case .invalidAddress: return Problem(.badRequest, code: "invalid_address", detail: detail)
        case .headerInjection: return Problem(.badRequest, code: "header_injection", detail: detail)
        case .invalidBase64: return Problem(.badRequest, code: "invalid_base64", detail: detail)
        case .tooLarge: return Problem(.payloadTooLarge, code: "payload_too_large", detail: detail)
        case .senderNotAllowed: return Problem(.forbidden, code: "from_not_allowed", detail: detail)
        case .unsupportedMediaType: return Problem(.unsupportedMediaType, code: "unsupported_media_type", detail: detail)
        }
    }
}
