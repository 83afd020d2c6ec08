/// A command line that cannot be understood (unknown option, missing value); the process exits with 2.
package struct CommandLineError: Error, CustomStringConvertible, Equatable, Sendable {
    /// One line saying what is wrong.
    package let description: String

    init(_ description: String) { self.description = description }
}
