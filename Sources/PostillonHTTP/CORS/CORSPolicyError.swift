/// An entry of `--cors-origins` that is not an exact http(s) origin.
package struct CORSPolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The entry as given.
    package let origin: String
    package var description: String {
        "\"\(origin)\" is not an origin: write scheme://host[:port] (http or https, no path, no wildcard)"
    }
}
