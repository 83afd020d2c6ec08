import Foundation
import PostillonHTTP

/// The JSON form of an HTTP response kept in an idempotency record: status, headers, base64 body.
enum StoredResponse {
    private struct Form: Codable {
        var status: Int
        var headers: [[String]]
        var body: String
    }

    /// The response as JSON text; nil for a streamed body (never stored).
    static func encode(_ response: HTTPResponse) -> String? {
        guard case .bytes(let bytes) = response.body else { return nil }
        let form = Form(status: response.status.code, headers: response.headers.map { [$0.name, $0.value] },
                        body: Data(bytes).base64EncodedString())
        guard let data = try? JSONEncoder().encode(form) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The response from JSON text; nil when it is not a stored response.
    static func decode(_ text: String) -> HTTPResponse? {
        guard let form = try? JSONDecoder().decode(Form.self, from: Data(text.utf8)), let body = Data(base64Encoded: form.body) else {
            return nil
        }
        var headers = HTTPHeaders()
        for pair in form.headers where pair.count == 2 { headers.add(pair[0], pair[1]) }
        return HTTPResponse(status: HTTPStatus(form.status), headers: headers, body: .bytes(Array(body)))
    }
}
