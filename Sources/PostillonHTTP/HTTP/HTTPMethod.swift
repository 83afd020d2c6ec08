/// An HTTP request method, kept as the token the client sent (methods are case-sensitive).
package struct HTTPMethod: Hashable, Sendable, CustomStringConvertible {
    /// The method token, for example `"GET"`.
    package let rawValue: String

    /// Wraps a method token as sent on the request line.
    package init(_ rawValue: String) { self.rawValue = rawValue }

    package static let GET = HTTPMethod("GET")
    package static let HEAD = HTTPMethod("HEAD")
    package static let POST = HTTPMethod("POST")
    package static let PUT = HTTPMethod("PUT")
    package static let DELETE = HTTPMethod("DELETE")
    package static let PATCH = HTTPMethod("PATCH")
    package static let OPTIONS = HTTPMethod("OPTIONS")

    package var description: String { rawValue }
}
