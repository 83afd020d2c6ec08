import CCurl
#if canImport(Glibc)
import Glibc
#endif

/// Runs `curl_global_init` exactly once, before any handle is made.
package enum CurlGlobal {
    private static let initialized: Bool = {
        // libcurl with OpenSSL may write to a closed TLS socket; never let SIGPIPE kill the process.
        signal(SIGPIPE, SIG_IGN)
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        return true
    }()

    /// Initializes libcurl (idempotent and thread-safe through Swift's lazy globals).
    package static func initialize() {
        _ = initialized
    }

    /// The libcurl version, for example `7.88.1`.
    package static var version: String { String(cString: ccurl_version_string()) }
}
