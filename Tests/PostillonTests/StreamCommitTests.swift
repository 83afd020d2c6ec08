import Foundation
import Glibc
import Logging
@testable import PostillonHTTP
import Testing

/// A streaming response commits its head only with its first body bytes, over a socketpair: a
/// producer that fails first (an upstream that never answered RETR) is answered with its own
/// problem, and one that fails midway is reported as aborted with the bytes that went out.
/// Before this, the 200 head went out before the producer ran, so the first case was a 200 cut
/// short and the second was logged as `status=200 bytes=0`.
@Suite struct StreamCommitTests {
    /// Writes `response` to one end of a socketpair and returns the outcome and what the other end read.
    func exchange(_ response: HTTPResponse) throws -> (HTTPWriteOutcome, String) {
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        defer { close(fds[1]) }
        let outcome: HTTPWriteOutcome
        do {
            defer { close(fds[0]) }
            outcome = try HTTPServer.write(response, to: fds[0], isHead: false, keepAlive: true, requestID: "req-1",
                                           writeTimeoutMillis: 1000, logger: Logger(label: "test"))
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fds[1], &buffer, buffer.count)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return (outcome, String(decoding: received, as: UTF8.self))
    }

    @Test func streamFailingBeforeItsFirstByteIsAnsweredWithItsProblem() throws {
        let response = HTTPResponse(status: .ok, headers: ["Content-Type": "message/rfc822"], body: .stream(length: nil) { _ in
            throw Problem(.gatewayTimeout, code: "upstream_timeout", detail: "The mail server did not answer in time.")
        })
        let (outcome, text) = try exchange(response)
        #expect(outcome.status == 504)
        #expect(!outcome.aborted)
        #expect(outcome.bytes == text.utf8.count)
        #expect(text.hasPrefix("HTTP/1.1 504 "))
        #expect(text.contains("application/problem+json"))
        #expect(text.contains("\"upstream_timeout\""))
        #expect(!text.contains("message/rfc822"))
    }

    @Test func streamFailingMidwayIsAbortedWithTheBytesSent() throws {
        let response = HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain"], body: .stream(length: nil) { writer in
            try writer.write(Array("partial".utf8))
            throw Problem(.badGateway, code: "upstream_error", detail: "cut")
        })
        let (outcome, text) = try exchange(response)
        #expect(outcome.status == 200)
        #expect(outcome.aborted)
        // Head and body bytes (chunk framing is not counted): everything but "7\r\n" and "\r\n".
        #expect(outcome.bytes == text.utf8.count - 5)
        #expect(text.hasPrefix("HTTP/1.1 200 "))
        #expect(text.hasSuffix("7\r\npartial\r\n"))
    }

    @Test func emptyAndCompleteStreamsStillSendTheirHead() throws {
        let empty = HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain"], body: .stream(length: nil) { _ in })
        let (emptyOutcome, emptyText) = try exchange(empty)
        #expect(emptyOutcome == HTTPWriteOutcome(status: 200, bytes: emptyText.utf8.count - "0\r\n\r\n".utf8.count, aborted: false))
        #expect(emptyText.hasPrefix("HTTP/1.1 200 "))
        #expect(emptyText.hasSuffix("\r\n\r\n0\r\n\r\n"))
        let sized = HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain"], body: .stream(length: 5) { writer in
            try writer.write(Array("hello".utf8))
        })
        let (sizedOutcome, sizedText) = try exchange(sized)
        #expect(!sizedOutcome.aborted)
        #expect(sizedText.hasSuffix("\r\n\r\nhello"))
        #expect(sizedText.contains("Content-Length: 5"))
    }
}
