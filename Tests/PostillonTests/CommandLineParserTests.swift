@testable import Postillon
import Testing

@Suite struct CommandLineParserTests {
    @Test func valuesSwitchesAndEqualsForms() throws {
        let request = try CommandLineParser.parse(["--workers", "8", "--listen=127.0.0.1:9", "--allow-plaintext", "--insecure-skip-verify=false"])
        #expect(request == .run([.workers: "8", .listen: "127.0.0.1:9", .allowPlaintext: "true", .insecureSkipVerify: "false"]))
    }

    @Test func negativeNumberIsAValueSoTheLoaderNamesTheRange() throws {
        guard case .run(let flags) = try CommandLineParser.parse(["--workers", "-3"]) else { Issue.record("not run"); return }
        #expect(flags == [.workers: "-3"])
        #expect(throws: ConfigurationError(.workers, "must be between 1 and 4096, got -3")) {
            try ConfigurationLoader.load(flags: flags, environment: [:])
        }
    }

    @Test func unknownOptionNamesTheClosestKey() {
        #expect(throws: CommandLineError("unknown option '--workres'; did you mean --workers?")) {
            try CommandLineParser.parse(["--workres", "3"])
        }
        #expect(throws: CommandLineError("--ca-file needs a value, see --help")) { try CommandLineParser.parse(["--ca-file"]) }
        #expect(throws: CommandLineError("--workers is given twice")) { try CommandLineParser.parse(["--workers", "1", "--workers=2"]) }
    }

    @Test func helpPrintConfigAndVersion() throws {
        #expect(try CommandLineParser.parse(["--listen", "x", "--help"]) == .help)
        #expect(try CommandLineParser.parse(["--version"]) == .version)
        #expect(try CommandLineParser.parse(["--print-config", "--workers", "2"]) == .printConfig([.workers: "2"]))
    }

    @Test func helpListsEveryKeyFromTheTable() {
        let help = CommandLineParser.helpText(abstract: "x")
        for key in ConfigKey.allCases {
            #expect(help.contains("  \(key.flag)\(key.isSwitch ? "\n" : " <value>\n")"), "\(key.flag)")
            #expect(help.contains("\(key.help) Env: \(key.environmentName)."))
        }
    }

    @Test func mistypedEnvironmentVariablesAreReportedWithTheClosestKey() throws {
        let environment = ["POSTILLON_WORKRES": "3", "POSTILLON_POP3URL": "x", "POSTILLON_TEST_ENV": "/tmp/env", "HOME": "/root", "POSTILLON_LISTEN": "127.0.0.1:1"]
        let configuration = try ConfigurationLoader.load(flags: [:], environment: environment)
        #expect(configuration.warnings == [
            "unknown environment variable POSTILLON_POP3URL is ignored; did you mean POSTILLON_POP3_URL?",
            "unknown environment variable POSTILLON_WORKRES is ignored; did you mean POSTILLON_WORKERS?",
        ])
    }

    @Test func printConfigRedactsSecretsAndFollowsTheTable() throws {
        let configuration = try ConfigurationLoader.load(flags: [.operatorToken: "0123456789abcdef-secret"], environment: [:])
        let lines = configuration.printable.split(separator: "\n")
        #expect(lines.count == ConfigKey.allCases.count)
        #expect(lines.contains("operator-token = (set, not shown)"))
        #expect(!configuration.printable.contains("0123456789abcdef"))
        #expect(lines.contains("workers = 64"))
    }
}
