/// Postillon's version, reported by `/api/v1/health` and `--version`.
public enum Version {
    /// The semantic version of this build.
    public static let current = "0.1.0"
}
