import ArgumentParser
import Dispatch
import Foundation
import Logging
import Postillon

#if canImport(Glibc)
import Glibc
#endif

/// `postillon`: parse flags, build the configuration, start the server, stop on SIGTERM/SIGINT.
@main
struct PostillonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postillon",
        abstract: "Read and send mail over HTTP+JSON: POP3 and SMTP behind a small, fast gateway.",
        discussion: "Every option can also be set with its POSTILLON_* environment variable; flags win.",
        version: Version.current
    )

    @OptionGroup var options: Options

    @Flag(name: .customLong("print-config"), help: "Print the effective configuration and exit.")
    var printConfig = false

    func run() throws {
        let configuration: Postillon.Configuration
        do {
            configuration = try ConfigurationLoader.load(flags: options.flagValues, environment: ProcessInfo.processInfo.environment)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("postillon: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if printConfig {
            print(configuration.printable)
            return
        }
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "postillon")
        try Server.run(configuration: configuration, logger: logger)
    }
}
