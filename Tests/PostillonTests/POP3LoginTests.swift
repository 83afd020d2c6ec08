import Foundation
@testable import Postillon
import Testing

/// The login our POP3 engine sends, chosen from the greeting and CAPA (pure, from literals).
@Suite struct POP3LoginTests {
    let alice = Credentials(username: "alice", password: "s3cret pass")
    let dovecotCAPA = POP3Capabilities(["CAPA", "TOP", "UIDL", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE", "USER", "SASL PLAIN LOGIN"])
    let mailutilsCAPA = POP3Capabilities(["TOP", "UIDL", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE", "EXPIRENEVER", "USER"])
    let mailutilsGreeting = "+OK POP3 Ready <18340.1796158492@vm>"

    @Test func saslPlainWithInitialResponseWhenOffered() throws {
        let login = try POP3Login.make(credentials: alice, greeting: "+OK Dovecot ready.", capabilities: dovecotCAPA, mode: .auto)
        let expected = "AUTH PLAIN " + Data("\0alice\0s3cret pass".utf8).base64EncodedString()
        #expect(login.method == .saslPlain)
        #expect(login.steps == [POP3Login.Step(line: expected, expectsContinuation: false)])
        #expect(login.pipelinable)
    }

    @Test func mechanismNamesMatchCaseInsensitively() throws {
        let login = try POP3Login.make(credentials: alice, greeting: "+OK", capabilities: POP3Capabilities(["sasl login plain"]), mode: .auto)
        #expect(login.method == .saslPlain)
    }

    @Test func anAPOPGreetingStillGetsUserPassByDefault() throws {
        // The mailutils / solid-pop3d case libcurl got wrong: a timestamp in the greeting, no SASL.
        let login = try POP3Login.make(credentials: alice, greeting: mailutilsGreeting, capabilities: mailutilsCAPA, mode: .auto)
        #expect(login.method == .userPass)
        #expect(login.steps.map(\.line) == ["USER alice", "PASS s3cret pass"])
        #expect(login.pipelinable)
    }

    @Test func aServerWithoutCAPAGetsUserPass() throws {
        let login = try POP3Login.make(credentials: alice, greeting: "+OK", capabilities: POP3Capabilities([]), mode: .auto)
        #expect(login.method == .userPass)
    }

    @Test func apopOnlyWhenTheOperatorOptsIn() throws {
        // RFC 1939 §7's example: timestamp and secret give this digest.
        let mtview = Credentials(username: "mrose", password: "tanstaaf")
        let greeting = "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>"
        let login = try POP3Login.make(credentials: mtview, greeting: greeting, capabilities: POP3Capabilities([]), mode: .apop)
        #expect(login.method == .apop)
        #expect(login.steps.map(\.line) == ["APOP mrose c4c9334bac560ecc979e58001b3e22fb"])
        // Opted in but no timestamp: the usual choice.
        let plain = try POP3Login.make(credentials: mtview, greeting: "+OK ready", capabilities: dovecotCAPA, mode: .apop)
        #expect(plain.method == .saslPlain)
    }

    @Test func aLongInitialResponseWaitsForTheContinuation() throws {
        let long = Credentials(username: "alice", password: String(repeating: "p", count: 300))
        let login = try POP3Login.make(credentials: long, greeting: "+OK", capabilities: dovecotCAPA, mode: .auto)
        #expect(login.steps.count == 2)
        #expect(login.steps[0] == POP3Login.Step(line: "AUTH PLAIN", expectsContinuation: true))
        #expect(login.steps[1].line == Data(("\0alice\0" + String(repeating: "p", count: 300)).utf8).base64EncodedString())
        #expect(!login.pipelinable)
    }

    @Test func lineBreaksInCredentialsNeverReachTheServer() {
        for bad in [Credentials(username: "alice", password: "x\r\nDELE 1"), Credentials(username: "al\nice", password: "x"),
                    Credentials(username: "alice", password: "a\0b")] {
            #expect(throws: POP3Error.loginRefused(nil)) {
                try POP3Login.make(credentials: bad, greeting: "+OK", capabilities: POP3Capabilities([]), mode: .auto)
            }
        }
    }

    @Test func greetingTimestamps() {
        #expect(POP3Login.timestamp(in: "+OK POP3 Ready <18340.1796158492@vm>") == "<18340.1796158492@vm>")
        #expect(POP3Login.timestamp(in: "+OK Dovecot ready.") == nil)
        #expect(POP3Login.timestamp(in: "+OK <no-at-sign>") == nil)
        #expect(POP3Login.timestamp(in: "-ERR <1.2@x>") == nil)
        #expect(POP3Login.timestamp(in: "+OK <a b@c>") == nil)
    }

    @Test func md5MatchesRFC1321() {
        func hex(_ text: String) -> String { APOPDigest.md5(Array(text.utf8)).map { String(format: "%02x", $0) }.joined() }
        #expect(hex("") == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(hex("abc") == "900150983cd24fb0d6963f7d28e17f72")
        #expect(hex("message digest") == "f96b697d7cb7938d525a2f31aaf161d0")
        #expect(hex(String(repeating: "1234567890", count: 8)) == "57edf4a22be3c955ac49da2e2107b67a")
    }

    @Test func capabilitiesAreKeptAsSentAndMatchedCaseInsensitively() {
        let capabilities = POP3Capabilities(["Pipelining", "LOGIN-DELAY 900", "sasl PLAIN", "ExpireNever"])
        #expect(capabilities.lines == ["Pipelining", "LOGIN-DELAY 900", "sasl PLAIN", "ExpireNever"])
        #expect(capabilities.pipelining)
        #expect(capabilities.loginDelaySeconds == 900)
        #expect(capabilities.offersSASL("plain"))
        #expect(!capabilities.mayUseTOP, "a CAPA list without TOP means no TOP")
        #expect(POP3Capabilities([]).mayUseTOP, "without CAPA, TOP may still work")
        #expect(POP3Capabilities([]).loginDelaySeconds == nil)
    }
}
