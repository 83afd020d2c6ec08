import CCurl
import Logging
@testable import Postillon
import Testing
@testable import PostillonHTTP

/// 502/504 bodies say what failed, never libcurl's text, an upstream host:port or a local path (issue 11).
@Suite struct UpstreamErrorMappingTests {
    static let revealing = ["127.0.0.1", "port", "25601", "/etc/", "errno", "Couldn't", "curl"]

    func detail(_ error: any Error) -> String {
        Router.problem(for: error, logger: Logger(label: "test")).detail ?? ""
    }

    @Test func curlFailuresKeepTheirDetailsOutOfTheBody() {
        let errors = [
            CurlError(code: CURLE_COULDNT_CONNECT, detail: "Failed to connect to 127.0.0.1 port 25601 after 0 ms: Couldn't connect to server",
                      serverResponse: nil),
            CurlError(code: CURLE_SSL_CACERT_BADFILE, detail: "error setting certificate file: /etc/postillon/ca.pem", serverResponse: nil),
            CurlError(code: CURLE_PEER_FAILED_VERIFICATION, detail: "SSL: no alternative certificate subject name matches target host name '127.0.0.1'",
                      serverResponse: nil),
            CurlError(code: CURLE_RECV_ERROR, detail: "Recv failure: Connection reset by peer (errno 104) from 127.0.0.1 port 25601", serverResponse: nil),
        ]
        for error in errors {
            let text = detail(error)
            #expect(!text.isEmpty)
            for secret in Self.revealing { #expect(!text.contains(secret), "\(secret) in \(text)") }
        }
    }

    @Test func smtpAndPOP3FailuresKeepTheirDetailsOutOfTheBody() {
        let errors: [any Error] = [
            SMTPError.tls("error setting certificate file: /etc/postillon/ca.pem"),
            SMTPError.unreachable("Failed to connect to 127.0.0.1 port 25601 after 0 ms: Couldn't connect to server"),
            SMTPError.protocolFailure("curl error 56: Failure when receiving data from 127.0.0.1 port 25601", nil),
            POP3Error.connectionClosed,
        ]
        for error in errors {
            let text = detail(error)
            for secret in Self.revealing { #expect(!text.contains(secret), "\(secret) in \(text)") }
        }
        // The mail server's own reply stays: the caller can act on it.
        #expect(detail(SMTPError.messageRejected(SMTPReply(code: 554, text: "5.7.1 spam"))).contains("554 5.7.1 spam"))
    }
}
