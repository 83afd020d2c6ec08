import CCurl
import Testing

@Suite struct CCurlTests {
    @Test func libcurlSupportsMailProtocols() {
        var protocols: Set<String> = []
        var cursor = ccurl_protocols()
        while let name = cursor?.pointee {
            protocols.insert(String(cString: name))
            cursor = cursor?.advanced(by: 1)
        }
        for needed in ["pop3", "pop3s", "smtp", "smtps"] {
            #expect(protocols.contains(needed), "libcurl lacks \(needed)")
        }
    }

    @Test func typedSetoptShimsReachLibcurl() {
        let handle = curl_easy_init()
        #expect(handle != nil)
        defer { curl_easy_cleanup(handle) }
        #expect(ccurl_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, 5) == CURLE_OK)
        #expect(ccurl_easy_setopt_string(handle, CURLOPT_URL, "pop3s://127.0.0.1:995") == CURLE_OK)
        // An unknown option number is refused rather than crashing.
        #expect(ccurl_easy_setopt_long(handle, CURLoption(rawValue: 99_999), 1) != CURLE_OK)
    }
}
