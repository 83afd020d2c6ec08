import CCurl
import PostillonHTTP
#if canImport(Glibc)
import Glibc
#endif

/// The state libcurl's callbacks share during one SMTP submission (passed unretained as
/// `CURLOPT_DEBUGDATA`, `CURLOPT_PREREQDATA` and `CURLOPT_XFERINFODATA` for the duration of one
/// `curl_easy_perform`): the handle's own ``CurlTranscript`` (for error messages), the
/// ``SMTPTranscript`` that pairs commands with replies, how many message bytes went out, whether
/// `MAIL FROM` was stopped for want of AUTH, the deadline of the whole exchange and the socket.
final class SMTPDebugSink {
    /// The handle's transcript.
    let curl: CurlTranscript
    /// The SMTP conversation.
    let smtp = SMTPTranscript()
    /// Whether the submission may go on only after the server accepted AUTH.
    let requireAuthentication: Bool
    /// When the exchange must end (``MonotonicClock`` milliseconds); moved closer once `QUIT` is
    /// sent, because the message's fate is settled by then.
    private(set) var deadlineMillis: Int64
    /// The connection's socket, to shut down at the deadline so no later wait (libcurl's `QUIT`
    /// while disconnecting polls in 1 s steps with its own timeout) outlasts it.
    var socket: Int32 = -1
    /// How long the `QUIT` reply may take.
    static let quitGraceMillis: Int64 = 2000
    /// Message bytes (dot-stuffed) libcurl wrote to the connection (`CURLINFO_DATA_OUT`).
    var dataBytesOut = 0
    /// Set when the pre-request check stopped the submission before `MAIL FROM` (no AUTH).
    var stoppedUnauthenticated = false
    /// Set when the progress check aborted the transfer at the deadline.
    var deadlinePassed = false

    /// A sink that also feeds `curl`.
    init(curl: CurlTranscript, requireAuthentication: Bool, deadlineMillis: Int64) {
        self.curl = curl
        self.requireAuthentication = requireAuthentication
        self.deadlineMillis = deadlineMillis
    }

    /// The pre-request check, after EHLO/STARTTLS/AUTH and before `MAIL FROM`: whether to go on.
    func mayStartMail() -> Bool {
        guard requireAuthentication else { return true }
        if SMTPExchange(events: smtp.events).authenticated { return true }
        stoppedUnauthenticated = true
        return false
    }

    /// The progress check: whether the deadline has passed (then libcurl aborts). At the deadline
    /// the socket is shut down too, so whatever libcurl waits for next ends at once.
    func isPastDeadline() -> Bool {
        if !deadlinePassed && MonotonicClock.nowMillis() >= deadlineMillis {
            deadlinePassed = true
            if socket >= 0 { _ = shutdown(socket, Int32(SHUT_RDWR)) }
        }
        return deadlinePassed
    }

    /// Records a command line libcurl sent; `QUIT` brings the deadline to at most a short grace.
    func sent(_ text: String) {
        curl.outgoing(text)
        smtp.sent(text)
        if text.hasPrefix("QUIT") { deadlineMillis = min(deadlineMillis, MonotonicClock.nowMillis() + Self.quitGraceMillis) }
    }
}
