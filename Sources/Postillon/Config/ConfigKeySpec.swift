/// Everything about one configuration key that is written down once: its default, its help text,
/// whether it is a switch and whether its value is secret. The flag and environment names follow from
/// the key's name (``ConfigKey/flag``, ``ConfigKey/environmentName``); the command-line parser,
/// `--help`, `--print-config` and the README tables (Tests/Deploy/config-table.py) are derived from it.
package struct ConfigKeySpec: Sendable {
    /// The default as text; nil when the key is unset by default (the help text then says what happens).
    package let defaultValue: String?
    /// One line of help.
    package let help: String
    /// A boolean switch: given on the command line without a value.
    package let isSwitch: Bool
    /// A secret: `--print-config` never shows the value.
    package let isSecret: Bool

    init(_ defaultValue: String?, _ help: String, isSwitch: Bool = false, isSecret: Bool = false) {
        self.defaultValue = defaultValue
        self.help = help
        self.isSwitch = isSwitch
        self.isSecret = isSecret
    }
}
