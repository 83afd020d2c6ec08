import Foundation
import PostillonTestSupport

extension RawClient.Response {
    /// The body as a JSON object (empty when it is not one).
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }

    /// The problem `code` of an error response.
    var code: String? { json["code"] as? String }
}

/// The ids on a list page.
func ids(_ page: [String: Any]) -> [String] {
    (page["messages"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
}
