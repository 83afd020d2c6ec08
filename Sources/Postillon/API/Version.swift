/// Postillon's version, reported by `/api/v1/health` and `--version`.
package enum Version {
    /// The semantic version of this build.
    package static let current = "0.1.0"
}
