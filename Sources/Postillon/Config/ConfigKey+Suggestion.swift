extension ConfigKey {
    /// Environment variables with the `POSTILLON_` prefix that are not configuration keys but belong to
    /// the test and benchmark scripts; they are not reported as mistyped.
    static let scriptVariables: Set<String> = ["POSTILLON_TEST_ENV", "POSTILLON_TEST_POSTGRES_URL", "POSTILLON_TEST_BASE_PORT", "POSTILLON_BIN", "POSTILLON_SKIP_DEPLOY_CHECKS"]

    /// The key whose environment name is closest to `name` (fewest single-character edits).
    static func closest(toEnvironmentName name: String) -> ConfigKey {
        allCases.min { editDistance($0.environmentName, name) < editDistance($1.environmentName, name) } ?? .listen
    }

    /// The key whose flag is closest to `flag`.
    static func closest(toFlag flag: String) -> ConfigKey {
        allCases.min { editDistance($0.flag, flag) < editDistance($1.flag, flag) } ?? .listen
    }

    /// One warning per `POSTILLON_*` variable that names no key, naming the closest key.
    /// - Parameter environment: the process environment.
    /// - Returns: the warnings, sorted by variable name.
    package static func unknownEnvironmentWarnings(_ environment: [String: String]) -> [String] {
        let known = Set(allCases.map(\.environmentName))
        return environment.keys.filter { $0.hasPrefix("POSTILLON_") && !known.contains($0) && !scriptVariables.contains($0) }
            .sorted()
            .map { "unknown environment variable \($0) is ignored; did you mean \(closest(toEnvironmentName: $0).environmentName)?" }
    }

    /// Levenshtein distance over bytes (names are ASCII).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            current[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}
