/// The command-line parser and `--help`, both derived from ``ConfigKey/spec``: every key is a flag
/// (`--workers 8` or `--workers=8`; switches take no value but accept `=true`/`=false`).
///
/// Our own rather than swift-argument-parser: its options are property wrappers, one hand-written per
/// key, which is exactly the second list of keys this table replaces. A value may start with `-`
/// (`--workers -3` is reported as out of range, not as a missing value).
package enum CommandLineParser {
    /// Parses the arguments after the program name.
    /// - Throws: ``CommandLineError`` for an unknown option, a missing value or a repeated key.
    package static func parse(_ arguments: [String]) throws(CommandLineError) -> CommandLineRequest {
        var values: [ConfigKey: String] = [:]
        var printConfig = false
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            switch argument {
            case "-h", "--help": return .help
            case "--version": return .version
            case "--print-config": printConfig = true; continue
            default: break
            }
            guard argument.hasPrefix("--") else {
                throw CommandLineError("unexpected argument '\(printable(argument))'; options start with --, see --help")
            }
            let name: Substring
            var value: String?
            if let equals = argument.firstIndex(of: "=") {
                name = argument[argument.index(argument.startIndex, offsetBy: 2)..<equals]
                value = String(argument[argument.index(after: equals)...])
            } else {
                name = argument.dropFirst(2)
            }
            guard let key = ConfigKey(rawValue: String(name)) else {
                throw CommandLineError("unknown option '--\(printable(String(name)))'; did you mean \(ConfigKey.closest(toFlag: "--" + name).flag)?")
            }
            guard values[key] == nil else { throw CommandLineError("\(key.flag) is given twice") }
            if key.isSwitch {
                values[key] = value ?? "true"
                continue
            }
            if value == nil {
                guard index < arguments.count else { throw CommandLineError("\(key.flag) needs a value, see --help") }
                value = arguments[index]
                index += 1
            }
            values[key] = value
        }
        return printConfig ? .printConfig(values) : .run(values)
    }

    /// `--help`: one block per key with its help text, environment variable and default
    /// (Tests/Deploy/config-table.py turns it into the README tables).
    package static func helpText(abstract: String) -> String {
        var lines = ["OVERVIEW: \(abstract)", "", "USAGE: postillon [<options>]", "",
                     "Every option can also be set with its POSTILLON_* environment variable; flags win.", "", "OPTIONS:"]
        for key in ConfigKey.allCases {
            let spec = key.spec
            let fallback = spec.defaultValue.map { $0.isEmpty ? "" : " Default: \($0)." } ?? ""
            lines.append("  \(key.flag)\(spec.isSwitch ? "" : " <value>")")
            lines.append("        \(spec.help) Env: \(key.environmentName).\(fallback)")
        }
        lines.append("  --print-config")
        lines.append("        Print the effective configuration (secrets redacted) and exit.")
        lines.append("  --version")
        lines.append("        Show the version.")
        lines.append("  -h, --help")
        lines.append("        Show help information.")
        return lines.joined(separator: "\n") + "\n"
    }

    /// An argument echoed in an error, cut short and without control characters.
    private static func printable(_ text: String) -> String {
        String(text.unicodeScalars.prefix(80).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }
}
