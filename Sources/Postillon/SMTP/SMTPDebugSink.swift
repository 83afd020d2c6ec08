/// Where libcurl's debug callback delivers an SMTP submission's lines: the handle's own
/// ``CurlTranscript`` (for error messages) and the ``SMTPTranscript`` that pairs commands with replies.
///
/// Passed as `CURLOPT_DEBUGDATA` (unretained) for the duration of one `curl_easy_perform`.
final class SMTPDebugSink {
    /// The handle's transcript.
    let curl: CurlTranscript
    /// The SMTP conversation.
    let smtp = SMTPTranscript()

    /// A sink that also feeds `curl`.
    init(curl: CurlTranscript) {
        self.curl = curl
    }
}
