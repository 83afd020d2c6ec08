/// Why a JSON request body was refused.
package enum JSONBodyError: ProblemConvertible, Equatable, Sendable {
    /// The `Content-Type` is not `application/json`.
    case unsupportedMediaType(String?)
    /// The body is not valid JSON.
    case invalidJSON(String)
    /// The body has a field the endpoint does not know.
    case unknownField(String)
    /// A field is missing or has the wrong type.
    case invalidField(String)

    /// The problem answered for this error.
    package var problem: Problem {
        switch self {
        case .unsupportedMediaType(let type):
            return Problem(.unsupportedMediaType, code: "unsupported_media_type",
                           detail: "Expected Content-Type application/json, got \(type.map { "'\($0.prefix(100))'" } ?? "none").")
        case .invalidJSON(let why):
            return Problem(.badRequest, code: "invalid_json", detail: "The body is not valid JSON: \(why).")
        case .unknownField(let path):
            return Problem(.badRequest, code: "unknown_field", detail: "Unknown field '\(path)'.")
        case .invalidField(let why):
            return Problem(.unprocessableContent, code: "validation_failed", detail: why)
        }
    }
}
