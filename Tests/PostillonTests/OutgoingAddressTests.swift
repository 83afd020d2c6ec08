@testable import Postillon
import Testing
@testable import PostillonHTTP

/// Address input: `a@b`, `Name <a@b>`, quoted names, IDN domains; and what is refused.
@Suite struct OutgoingAddressTests {
    @Test func parsesTheUsualForms() {
        #expect(OutgoingAddress.parse("alice@mail.test") == OutgoingAddress(name: nil, address: "alice@mail.test"))
        #expect(OutgoingAddress.parse("  Alice Example <alice@mail.test> ") == OutgoingAddress(name: "Alice Example", address: "alice@mail.test"))
        #expect(OutgoingAddress.parse("\"Müller, Jörg\" <j@mail.test>") == OutgoingAddress(name: "Müller, Jörg", address: "j@mail.test"))
        #expect(OutgoingAddress.parse("\"a \\\"b\\\"\" <j@mail.test>") == OutgoingAddress(name: "a \"b\"", address: "j@mail.test"))
        #expect(OutgoingAddress.parse("<j@mail.test>") == OutgoingAddress(name: nil, address: "j@mail.test"))
        #expect(OutgoingAddress.parse("Björn <björn@bücher.example>") == nil, "non-ASCII local parts are not supported")
        #expect(OutgoingAddress.parse("Björn <bjoern@bücher.example>") == OutgoingAddress(name: "Björn", address: "bjoern@bücher.example"))
    }

    @Test func validatesAddrSpecs() {
        for valid in ["a@b.example", "first.last+tag@sub.mail.test", "x@xn--bcher-kva.example", "o'neil@日本.jp", "a_b-c@d-e.f"] {
            #expect(OutgoingAddress.isValidAddrSpec(valid), "\(valid)")
        }
        for invalid in ["", "a", "@b.example", "a@", "a@b", "a..b@c.example", ".a@c.example", "a.@c.example", "a b@c.example",
                        "a@b..example", "a@-b.example", "a@b-.example", "a@b.example.", "a@1.2.3.4", "a,b@c.example",
                        "a@b.example,c@d.example", "a@[127.0.0.1]", "\"q\"@b.example", String(repeating: "x", count: 65) + "@b.example"] {
            #expect(!OutgoingAddress.isValidAddrSpec(invalid), "\(invalid)")
        }
    }

    @Test func extraHeaderNamesAreOnlyXAndList() {
        for name in ["X-Ticket", "x-mailer", "List-Unsubscribe", "List-Id", "X-A1-b"] { #expect(HeaderText.isAllowedExtraName(name), "\(name)") }
        for name in ["Bcc", "Subject", "From", "X-", "List-", "X Bad", "X-Ä", "Content-Type", "Xylophone", "X-a:b"] {
            #expect(!HeaderText.isAllowedExtraName(name), "\(name)")
        }
    }
}
