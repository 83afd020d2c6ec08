/// What the command line asks for.
package enum CommandLineRequest: Equatable, Sendable {
    /// Run the server with these flag values (switches as "true").
    case run([ConfigKey: String])
    /// Print the effective configuration and exit.
    case printConfig([ConfigKey: String])
    /// Print `--help` and exit.
    case help
    /// Print the version and exit.
    case version
}
