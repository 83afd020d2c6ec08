import CCurl

/// A failed libcurl call: the `CURLcode`, its text, libcurl's error buffer and the mail server's last reply line.
///
/// The last reply line is what tells `-ERR [IN-USE]` from a wrong password, which libcurl reports
/// with the same code (`CURLE_LOGIN_DENIED`).
package struct CurlError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is, for mapping to HTTP.
    package enum Kind: Sendable, Equatable {
        case unreachable
        case timeout
        case tls
        case loginDenied
        case protocolError
        case other
    }

    /// The raw `CURLcode`.
    package let code: UInt32
    /// `curl_easy_strerror` for the code.
    package let message: String
    /// libcurl's error buffer (more specific than `message`), possibly empty.
    package let detail: String
    /// The last line the server sent, if any (never a line we sent, so never a password).
    package let serverResponse: String?

    /// Creates an error from a libcurl result.
    package init(code: CURLcode, detail: String, serverResponse: String?) {
        self.code = code.rawValue
        self.message = String(cString: curl_easy_strerror(code))
        self.detail = detail
        self.serverResponse = serverResponse
    }

    /// The failure's kind.
    package var kind: Kind {
        switch CURLcode(rawValue: code) {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: return .unreachable
        case CURLE_OPERATION_TIMEDOUT: return .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_USE_SSL_FAILED,
             CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE:
            return .tls
        case CURLE_LOGIN_DENIED, CURLE_AUTH_ERROR: return .loginDenied
        case CURLE_WEIRD_SERVER_REPLY, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_QUOTE_ERROR: return .protocolError
        default: return .other
        }
    }

    package var description: String {
        var text = "curl error \(code): \(message)"
        if !detail.isEmpty { text += " (\(detail))" }
        if let serverResponse { text += "; server said: \(serverResponse)" }
        return text
    }
}
