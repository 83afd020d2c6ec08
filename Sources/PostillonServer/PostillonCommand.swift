import Foundation
import Logging
import Postillon

#if canImport(Glibc)
import Glibc
#endif

/// `postillon`: parse flags, build and check the configuration, start the server, stop on SIGTERM/SIGINT.
/// Every configuration or command-line error is printed once, as one line naming the option, and the
/// process exits with status 2.
@main
enum PostillonCommand {
    static let abstract = "Read and send mail over HTTP+JSON: POP3 and SMTP behind a small, fast gateway."

    static func main() {
        let request: CommandLineRequest
        do {
            request = try CommandLineParser.parse(Array(CommandLine.arguments.dropFirst()))
        } catch {
            fail("\(error)")
        }
        let flags: [ConfigKey: String]
        switch request {
        case .help:
            print(CommandLineParser.helpText(abstract: abstract), terminator: "")
            return
        case .version:
            print(Version.current)
            return
        case .printConfig(let values), .run(let values):
            flags = values
        }
        let configuration: Postillon.Configuration
        do {
            configuration = try ConfigurationLoader.load(flags: flags, environment: ProcessInfo.processInfo.environment)
            if case .printConfig = request {
                for warning in configuration.warnings { FileHandle.standardError.write(Data("postillon: warning: \(warning)\n".utf8)) }
                print(configuration.printable)
                return
            }
            try StartupCheck.verify(configuration)
        } catch {
            fail("\(error)")
        }
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "postillon")
        for warning in configuration.warnings { logger.warning("\(warning)") }
        do {
            try Server.run(configuration: configuration, logger: logger)
        } catch {
            exit(1)  // Server.run has logged why
        }
    }

    /// Prints `postillon: <message>` once to standard error and exits with status 2.
    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("postillon: \(message)\n".utf8))
        exit(2)
    }
}
