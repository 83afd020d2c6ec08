import Logging

/// What a route handler gets: the request, its path parameters, and a logger tagged with the request id.
package struct RequestContext: Sendable {
    /// The request.
    package let request: HTTPRequest
    /// Path parameters by name, percent-decoded.
    package let parameters: [String: String]
    /// A logger carrying `request.id` metadata.
    package let logger: Logger

    /// Creates a context.
    package init(request: HTTPRequest, parameters: [String: String] = [:], logger: Logger) {
        self.request = request
        self.parameters = parameters
        var logger = logger
        logger[metadataKey: "request.id"] = .string(request.requestID)
        self.logger = logger
    }

    /// The request id.
    package var requestID: String { request.requestID }

    /// A path parameter; routes only call this for parameters their pattern declares.
    package func parameter(_ name: String) -> String { parameters[name] ?? "" }

    /// Query parameters in order, percent-decoded (`+` as space); invalid escapes are kept literally.
    package var queryItems: [(name: String, value: String)] {
        guard let query = request.head.query, !query.isEmpty else { return [] }
        return query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = PercentDecoding.decode(parts[0], plusAsSpace: true) ?? String(parts[0])
            let value = parts.count > 1 ? (PercentDecoding.decode(parts[1], plusAsSpace: true) ?? String(parts[1])) : ""
            return (name, value)
        }
    }

    /// The first value of a query parameter.
    package func query(_ name: String) -> String? { queryItems.first { $0.name == name }?.value }

    /// Every value of a repeatable query parameter.
    package func queryAll(_ name: String) -> [String] { queryItems.filter { $0.name == name }.map(\.value) }
}
