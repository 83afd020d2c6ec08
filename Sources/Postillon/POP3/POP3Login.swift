import PostillonHTTP
import Foundation

/// The commands that log in to a POP3 server, chosen from the greeting, the CAPA list and
/// ``POP3AuthMode``. Pure: the session engine sends ``steps`` and checks each reply.
///
/// - `AUTH PLAIN <initial response>` (RFC 5034) when CAPA lists `SASL ... PLAIN`; when the command
///   would pass the 255-octet line limit, `AUTH PLAIN` then the response after the `+ ` continuation.
/// - `APOP user digest` (RFC 1939 §7) only in ``POP3AuthMode/apop`` and when the greeting has a timestamp.
/// - `USER` / `PASS` otherwise, also for servers without CAPA.
///
/// The command text holds the password: it is written to the connection only, never logged.
struct POP3Login: Sendable, Equatable {
    /// One command and the reply it expects.
    struct Step: Sendable, Equatable {
        /// The command line without CRLF.
        let line: String
        /// True when the server answers with a `+ ` continuation (SASL) instead of `+OK`/`-ERR`.
        let expectsContinuation: Bool
    }

    /// Which login this is, for logs and tests (never the credentials).
    enum Method: String, Sendable {
        case saslPlain = "AUTH PLAIN"
        case apop = "APOP"
        case userPass = "USER/PASS"
    }

    let method: Method
    let steps: [Step]

    /// Whether the steps may be written together with the first commands (PIPELINING): a SASL
    /// continuation must be waited for.
    var pipelinable: Bool { !steps.contains { $0.expectsContinuation } }

    /// Longest command line (RFC 2449 §4: 255 octets including CRLF).
    static let maxCommandBytes = 255

    /// The login for `credentials`.
    /// - Throws: ``POP3Error/loginRefused(_:)`` for credentials that cannot be sent safely
    ///   (a CR, LF or NUL would end or split the command).
    static func make(credentials: Credentials, greeting: String, capabilities: POP3Capabilities, mode: POP3AuthMode) throws -> POP3Login {
        let user = credentials.username
        let password = credentials.password
        guard !user.isEmpty, ![user, password].contains(where: { $0.utf8.contains { $0 == 0 || $0 == 10 || $0 == 13 } }) else {
            throw POP3Error.loginRefused(nil)
        }
        if mode == .apop, let timestamp = timestamp(in: greeting) {
            let digest = APOPDigest.hex(timestamp: timestamp, password: password)
            return POP3Login(method: .apop, steps: [Step(line: "APOP \(user) \(digest)", expectsContinuation: false)])
        }
        if capabilities.offersSASL("PLAIN") {
            let response = Data([0] + Array(user.utf8) + [0] + Array(password.utf8)).base64EncodedString()
            let single = "AUTH PLAIN " + response
            if single.utf8.count + 2 <= maxCommandBytes {
                return POP3Login(method: .saslPlain, steps: [Step(line: single, expectsContinuation: false)])
            }
            return POP3Login(method: .saslPlain, steps: [Step(line: "AUTH PLAIN", expectsContinuation: true),
                                                        Step(line: response, expectsContinuation: false)])
        }
        return POP3Login(method: .userPass, steps: [Step(line: "USER \(user)", expectsContinuation: false),
                                                   Step(line: "PASS \(password)", expectsContinuation: false)])
    }

    /// The APOP timestamp of a greeting (`+OK POP3 ready <1896.697170952@dbc.mtview.ca.us>`), with
    /// its angle brackets, or nil when the greeting has none.
    static func timestamp(in greeting: String) -> String? {
        guard greeting.hasPrefix("+OK"), let close = greeting.lastIndex(of: ">"),
              let open = greeting[..<close].lastIndex(of: "<") else { return nil }
        let inner = greeting[greeting.index(after: open)..<close]
        guard inner.contains("@"), !inner.isEmpty, inner.utf8.count <= 200,
              inner.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "<") }) else { return nil }
        return String(greeting[open...close])
    }
}
