/// Where the state lives, from `--state`: `sqlite:/path/state.db` or `postgres://user@host:port/db`.
package enum StateLocation: Sendable, Equatable, CustomStringConvertible {
    /// A SQLite file (`:memory:` for a private in-memory database).
    case sqlite(path: String)
    /// A PostgreSQL connection URL (libpq syntax, `postgres://` or `postgresql://`).
    case postgres(url: String)

    /// Parses a `--state` value; nil when it names neither backend.
    package init?(_ text: String) {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { return nil }
            self = .sqlite(path: path)
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else {
            return nil
        }
    }

    /// Whether this is a SQLite database (single process; the key file may be generated).
    package var isSQLite: Bool {
        if case .sqlite = self { return true }
        return false
    }

    /// The location with any password in the URL replaced by `***`, for logs and `--print-config`.
    package var description: String {
        switch self {
        case .sqlite(let path):
            return "sqlite:" + path
        case .postgres(let url):
            guard let schemeEnd = url.range(of: "://"), let at = url[schemeEnd.upperBound...].firstIndex(of: "@") else { return url }
            let userInfo = url[schemeEnd.upperBound..<at]
            guard let colon = userInfo.firstIndex(of: ":") else { return url }
            return String(url[..<colon]) + ":***" + String(url[at...])
        }
    }
}
