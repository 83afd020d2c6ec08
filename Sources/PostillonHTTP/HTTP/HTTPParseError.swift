/// Why a request could not be read; each case maps to one status and the connection then closes.
public enum HTTPParseError: Error, Equatable, Sendable {
    /// The request line is longer than the limit (414).
    case requestLineTooLong
    /// The header block is larger than the byte limit or has too many fields (431).
    case headersTooLarge
    /// Malformed syntax: bare CR or LF, obs-fold, bad token, bad target (400).
    case malformed(String)
    /// Both `Content-Length` and `Transfer-Encoding`, or several `Content-Length`s (400).
    case ambiguousFraming(String)
    /// A transfer coding other than `chunked` (400).
    case unsupportedTransferCoding(String)
    /// An HTTP version other than 1.0 or 1.1 (505).
    case unsupportedVersion
    /// An `Expect` other than `100-continue` (417).
    case unsupportedExpectation
    /// The body is larger than the route allows (413).
    case bodyTooLarge(limit: Int)
    /// The chunked body is malformed (400).
    case malformedChunk(String)

    /// The response status for this error.
    package var status: HTTPStatus {
        switch self {
        case .requestLineTooLong: return .uriTooLong
        case .headersTooLarge: return .headerFieldsTooLarge
        case .malformed, .ambiguousFraming, .unsupportedTransferCoding, .malformedChunk: return .badRequest
        case .unsupportedVersion: return .httpVersionNotSupported
        case .unsupportedExpectation: return .expectationFailed
        case .bodyTooLarge: return .payloadTooLarge
        }
    }

    /// A stable machine-readable code for the problem document.
    package var code: String {
        switch self {
        case .requestLineTooLong: return "uri_too_long"
        case .headersTooLarge: return "header_fields_too_large"
        case .malformed, .malformedChunk: return "bad_request"
        case .ambiguousFraming: return "ambiguous_framing"
        case .unsupportedTransferCoding: return "unsupported_transfer_coding"
        case .unsupportedVersion: return "http_version_not_supported"
        case .unsupportedExpectation: return "expectation_failed"
        case .bodyTooLarge: return "payload_too_large"
        }
    }

    /// A human-readable explanation for the problem document.
    package var detail: String {
        switch self {
        case .requestLineTooLong: return "The request line is longer than the server accepts."
        case .headersTooLarge: return "The request header block is larger than the server accepts."
        case .malformed(let why): return "Malformed request: \(why)."
        case .ambiguousFraming(let why): return "Ambiguous message framing: \(why)."
        case .unsupportedTransferCoding(let coding): return "Unsupported transfer coding '\(coding)'; only chunked is accepted."
        case .unsupportedVersion: return "Only HTTP/1.0 and HTTP/1.1 are supported."
        case .unsupportedExpectation: return "Only 'Expect: 100-continue' is supported."
        case .bodyTooLarge(let limit): return "The request body is larger than \(limit) bytes."
        case .malformedChunk(let why): return "Malformed chunked body: \(why)."
        }
    }
}
