@testable import Postillon
import Testing

/// The SMTP transcript (as libcurl's debug callback delivers it) and what is read from it, from literals.
@Suite struct SMTPExchangeTests {
    /// A transcript fed the way libcurl does: one call per command line and per reply line.
    func transcript(_ lines: [String]) -> SMTPTranscript {
        let transcript = SMTPTranscript()
        for line in lines {
            if line.hasPrefix("> ") { transcript.sent(String(line.dropFirst(2)) + "\r\n") } else { transcript.received(line + "\r\n") }
        }
        return transcript
    }

    let greeting = [
        "220 mx.example ESMTP", "> EHLO postillon.test", "250-mx.example", "250-AUTH PLAIN LOGIN", "250 SMTPUTF8",
        "> AUTH PLAIN", "334 ", "> AGFsaWNlAGFsaWNlLXNlY3JldA==", "235 2.7.0 Authentication successful",
        "> MAIL FROM:<alice@mail.test> SIZE=18", "250 2.1.0 Ok",
    ]

    @Test func pairsEachRecipientWithItsReply() {
        let lines = greeting + [
            "> RCPT TO:<bob@mail.test>", "250 2.1.5 Ok",
            "> RCPT TO:<nobody@mail.test>", "550 5.1.1 <nobody@mail.test>: Recipient address rejected: User unknown",
            "> RCPT TO:<x@other.example>", "554-5.7.1 <x@other.example>: Relay access denied", "554 5.7.1 see policy",
            "> DATA", "354 End data with <CR><LF>.<CR><LF>", "250 2.0.0 Ok: queued as 772E4F86465",
        ]
        let exchange = SMTPExchange(events: transcript(lines).events)
        #expect(exchange.data?.code == 354)
        #expect(exchange.afterData == SMTPReply(code: 250, text: "2.0.0 Ok: queued as 772E4F86465"))
        let delivery = exchange.delivery(for: ["bob@mail.test", "nobody@mail.test", "x@other.example"])
        #expect(delivery.accepted == ["bob@mail.test"])
        #expect(delivery.rejected == [
            SMTPRecipientRejection(address: "nobody@mail.test", code: 550, message: "5.1.1 <nobody@mail.test>: Recipient address rejected: User unknown"),
            SMTPRecipientRejection(address: "x@other.example", code: 554, message: "5.7.1 <x@other.example>: Relay access denied 5.7.1 see policy"),
        ])
    }

    @Test func allRecipientsRefusedIsItsOwnErrorWithEveryReply() {
        let lines = greeting + [
            "> RCPT TO:<nobody@mail.test>", "550 5.1.1 User unknown",
            "> RCPT TO:<x@other.example>", "554 5.7.1 Relay access denied",
            "> QUIT", "221 2.0.0 Bye",
        ]
        let exchange = SMTPExchange(events: transcript(lines).events)
        // libcurl reports this as CURLE_SEND_ERROR ("RCPT failed: 554 (last error)").
        let error = exchange.error(kind: .protocolError, detail: "RCPT failed: 554 (last error)", recipients: ["nobody@mail.test", "x@other.example"])
        #expect(error == .allRecipientsRejected([
            SMTPRecipientRejection(address: "nobody@mail.test", code: 550, message: "5.1.1 User unknown"),
            SMTPRecipientRejection(address: "x@other.example", code: 554, message: "5.7.1 Relay access denied"),
        ]))
    }

    @Test func refusedLoginSenderAndDataAreTold() {
        let refusedLogin = ["220 mx", "> EHLO h", "250 AUTH PLAIN", "> AUTH PLAIN", "334 ", "> c2VjcmV0", "535 5.7.8 Error: authentication failed"]
        #expect(SMTPExchange(events: transcript(refusedLogin).events).error(kind: .loginDenied, detail: "", recipients: ["b@x.example"])
            == .authenticationFailed(SMTPReply(code: 535, text: "5.7.8 Error: authentication failed")))
        let busyLogin = ["220 mx", "> AUTH PLAIN", "334 ", "> c2VjcmV0", "454 4.7.0 Temporary authentication failure"]
        #expect(SMTPExchange(events: transcript(busyLogin).events).error(kind: .loginDenied, detail: "x", recipients: ["b@x.example"])
            == .protocolFailure("x", SMTPReply(code: 454, text: "4.7.0 Temporary authentication failure")))
        let refusedSender = ["220 mx", "> MAIL FROM:<a@x.example>", "553 5.7.1 Sender address rejected: not owned by user"]
        #expect(SMTPExchange(events: transcript(refusedSender).events).error(kind: .protocolError, detail: "", recipients: ["b@x.example"])
            == .senderRejected(SMTPReply(code: 553, text: "5.7.1 Sender address rejected: not owned by user")))
        let refusedData = ["> MAIL FROM:<a@x.example>", "250 Ok", "> RCPT TO:<b@x.example>", "250 Ok", "> DATA", "354 go", "554 5.7.1 Spam"]
        #expect(SMTPExchange(events: transcript(refusedData).events).error(kind: .protocolError, detail: "", recipients: ["b@x.example"])
            == .messageRejected(SMTPReply(code: 554, text: "5.7.1 Spam")))
        #expect(SMTPExchange(events: []).error(kind: .timeout, detail: "t", recipients: []) == .timeout("t"))
        #expect(SMTPExchange(events: []).error(kind: .tls, detail: "cert", recipients: []) == .tls("cert"))
        #expect(SMTPExchange(events: []).error(kind: .unreachable, detail: "refused", recipients: []) == .unreachable("refused"))
    }

    @Test func credentialsNeverEnterTheTranscript() {
        let transcript = SMTPTranscript()
        transcript.sent("AUTH PLAIN AGFsaWNlAGFsaWNlLXNlY3JldA==\r\n")
        transcript.sent("AGFsaWNlAGFsaWNlLXNlY3JldA==\r\n")
        transcript.sent("YWxpY2U=\r\n")
        #expect(transcript.events == [.command("AUTH"), .command("*"), .command("*")])
    }

    @Test func replyLinesSplitAcrossCallbacksAreJoined() {
        let transcript = SMTPTranscript()
        transcript.sent("RCPT TO:<b@x.example>\r\n")
        transcript.received("550 5.1.1 Us")
        transcript.received("er unknown\r\n250 next\r\n")
        #expect(transcript.events == [.command("RCPT TO:<b@x.example>"), .reply("550 5.1.1 User unknown"), .reply("250 next")])
    }

    @Test func replyLinesParse() {
        #expect(SMTPReply.parseLine("250-SIZE 1000")! == (250, true, "SIZE 1000"))
        #expect(SMTPReply.parseLine("550 5.1.1 No")! == (550, false, "5.1.1 No"))
        #expect(SMTPReply.parseLine("354")! == (354, false, ""))
        #expect(SMTPReply.parseLine("hello") == nil)
        #expect(SMTPReply.parseLine("25x ok") == nil)
    }

    /// The whole message and its "." went out and no reply came: the outcome is unknown, timed out
    /// or cut; with a reply, or before the end went out, the failure is definite.
    @Test func noReplyAfterTheWholeMessageIsAnUnknownOutcome() {
        let sent = greeting + ["> RCPT TO:<bob@mail.test>", "250 2.1.5 Ok", "> DATA", "354 End data with <CR><LF>.<CR><LF>"]
        let exchange = SMTPExchange(events: transcript(sent).events)
        #expect(exchange.error(kind: .protocolError, detail: "cut", recipients: ["bob@mail.test"], messageWentOut: true)
            == .outcomeUnknown(timedOut: false, detail: "cut"))
        #expect(exchange.error(kind: .timeout, detail: "late", recipients: ["bob@mail.test"], messageWentOut: true)
            == .outcomeUnknown(timedOut: true, detail: "late"))
        #expect(exchange.error(kind: .protocolError, detail: "cut", recipients: ["bob@mail.test"], messageWentOut: false)
            == .protocolFailure("cut", SMTPReply(code: 354, text: "End data with <CR><LF>.<CR><LF>")))
        #expect(exchange.error(kind: .timeout, detail: "late", recipients: ["bob@mail.test"], messageWentOut: false) == .timeout("late"))
        let refused = SMTPExchange(events: transcript(sent + ["554 5.7.1 Spam"]).events)
        #expect(refused.error(kind: .protocolError, detail: "", recipients: ["bob@mail.test"], messageWentOut: true)
            == .messageRejected(SMTPReply(code: 554, text: "5.7.1 Spam")))
        let noData = SMTPExchange(events: transcript(greeting + ["> RCPT TO:<bob@mail.test>", "250 2.1.5 Ok"]).events)
        #expect(noData.error(kind: .protocolError, detail: "x", recipients: ["bob@mail.test"], messageWentOut: true)
            == .protocolFailure("x", SMTPReply(code: 250, text: "2.1.5 Ok")))
    }

    /// Only a 235 to AUTH (or its last SASL step) counts as authenticated; no AUTH at all does not.
    @Test func authenticatedOnlyAfterTheServerAcceptedTheLogin() {
        #expect(SMTPExchange(events: transcript(greeting).events).authenticated)
        let withoutAuth = ["220 mx", "> EHLO h", "250-mx", "250 SIZE 1000"]
        #expect(!SMTPExchange(events: transcript(withoutAuth).events).authenticated)
        let refused = ["220 mx", "> EHLO h", "250 AUTH PLAIN", "> AUTH PLAIN AGFsaWNl", "535 5.7.8 Error: authentication failed"]
        #expect(!SMTPExchange(events: transcript(refused).events).authenticated)
        let login = ["220 mx", "> AUTH LOGIN", "334 VXNlcm5hbWU6", "> YWxpY2U=", "334 UGFzc3dvcmQ6", "> c2VjcmV0", "235 2.7.0 Ok"]
        #expect(SMTPExchange(events: transcript(login).events).authenticated)
    }

    /// The bytes on the wire count one more for every line starting with ".", which libcurl doubles.
    @Test func wireCountIncludesDotStuffing() {
        let message = Array("Subject: x\r\n\r\n.hidden\r\nplain\r\n..\r\nend.\r\n".utf8)
        let source = SMTPUploadSource(message)
        #expect(source.count == message.count)
        #expect(source.wireCount == message.count + 2)
        #expect(!source.isExhausted)
        var buffer = [UInt8](repeating: 0, count: 1000)
        _ = buffer.withUnsafeMutableBytes { source.read(into: $0.baseAddress!, capacity: 1000) }
        #expect(source.isExhausted)
    }
}
