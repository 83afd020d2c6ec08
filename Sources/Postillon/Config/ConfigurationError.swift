/// A configuration value that cannot be used; the message names the key.
package struct ConfigurationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The key at fault.
    package let key: ConfigKey
    /// What is wrong with it.
    package let reason: String

    /// Creates an error.
    package init(_ key: ConfigKey, _ reason: String) {
        self.key = key
        self.reason = reason
    }

    package var description: String { "invalid \(key.flag) / \(key.environmentName): \(reason)" }
}
