import Foundation

/// Decoding of JSON request bodies and encoding of JSON responses.
package enum JSONBody {
    /// Decodes a request body as `T`, after checking the content type.
    /// - Throws: ``JSONBodyError`` with a precise reason.
    package static func decode<T: Decodable>(_ type: T.Type, from request: HTTPRequest) throws -> T {
        let contentType = request.headers["Content-Type"]
        guard let contentType, MediaType.essence(contentType) == "application/json" else {
            throw JSONBodyError.unsupportedMediaType(contentType)
        }
        return try decode(type, from: request.body)
    }

    /// Decodes bytes as `T`.
    /// - Throws: ``JSONBodyError`` with a precise reason.
    package static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        if bytes.isEmpty { throw JSONBodyError.invalidJSON("the body is empty") }
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let error as JSONBodyError {
            throw error
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw JSONBodyError.invalidJSON("syntax error")
        } catch DecodingError.keyNotFound(let key, let context) {
            throw JSONBodyError.invalidField("Missing field '\(path(context.codingPath + [key]))'.")
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            throw JSONBodyError.invalidField("Field '\(path(context.codingPath))' has the wrong type.")
        } catch DecodingError.dataCorrupted(let context) {
            throw JSONBodyError.invalidField("Field '\(path(context.codingPath))': \(context.debugDescription)")
        } catch {
            throw JSONBodyError.invalidJSON("unreadable")
        }
    }

    /// A JSON response for an encodable value (ISO 8601 dates, UTF-8).
    package static func response<T: Encodable>(_ value: T, status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        var headers = headers
        if headers["Cache-Control"] == nil { headers.set("Cache-Control", "no-store") }
        // Browsers must never sniff API JSON (which echoes message text) as HTML.
        headers.set("X-Content-Type-Options", "nosniff")
        do {
            let data = try encoder.encode(value)
            return HTTPResponse(status: status, contentType: "application/json; charset=utf-8", bytes: Array(data), headers: headers)
        } catch {
            return Problem(.internalServerError, code: "internal_error", detail: "The response could not be encoded.").response(requestID: "-")
        }
    }

    /// A dotted path such as `attachments[0].filename` for error messages.
    package static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text.isEmpty ? "(body)" : text
    }
}
