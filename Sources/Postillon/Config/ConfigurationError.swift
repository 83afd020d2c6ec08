/// A configuration value that cannot be used; the message names the key.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The key at fault.
    public let key: ConfigKey
    /// What is wrong with it.
    public let reason: String

    /// Creates an error.
    public init(_ key: ConfigKey, _ reason: String) {
        self.key = key
        self.reason = reason
    }

    public var description: String { "invalid \(key.flag) / \(key.environmentName): \(reason)" }
}
