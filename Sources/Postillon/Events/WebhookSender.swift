import CCurl
import Foundation
import PostillonHTTP

/// Sends one signed webhook attempt over libcurl: TLS verified (with the operator's CA file if
/// any), 10 s timeout, no redirects, no proxy, http(s) only, the checked address pinned with
/// `CURLOPT_RESOLVE`, and at most ``maxResponseBytes`` of the answer read (then discarded).
/// Blocking: the deliverer's own threads only.
package struct WebhookSender: Sendable {
    /// Resolved addresses allowed.
    package var policy: AddressPolicy
    /// Whether `http://` URLs are allowed (operator flag).
    package var allowHTTP: Bool
    /// CA bundle for receivers' certificates (nil: system store).
    package var caFile: String?
    /// Whole attempt timeout.
    package var timeoutSeconds = 10
    /// Largest answer read.
    package static let maxResponseBytes = 64 * 1024

    /// Creates a sender.
    package init(policy: AddressPolicy, allowHTTP: Bool, caFile: String?) {
        self.policy = policy
        self.allowHTTP = allowHTTP
        self.caFile = caFile
    }

    /// Makes one attempt; never throws (a failure is an outcome).
    package func send(_ delivery: PendingDelivery, now: Int64) -> WebhookAttemptOutcome {
        let started = MonotonicClock.nowMillis()
        func elapsed() -> Int { Int(MonotonicClock.nowMillis() - started) }
        do {
            let url = try WebhookURL(delivery.url, allowHTTP: allowHTTP)
            let address = try url.resolve(policy: policy)
            let timestamp = now / 1000
            guard let signature = WebhookSigner.signature(secret: delivery.secret, id: delivery.webhookID, timestamp: timestamp,
                                                          body: delivery.body)
            else { return WebhookAttemptOutcome(statusCode: 0, durationMillis: elapsed(), error: "the subscription secret is unusable") }
            let easy = try CurlEasy()
            try easy.set(CURLOPT_VERBOSE, 0)
            try easy.set(CURLOPT_URL, url.text)
            try easy.set(CURLOPT_PROTOCOLS_STR, url.scheme)
            try easy.set(CURLOPT_FOLLOWLOCATION, 0)
            try easy.set(CURLOPT_NOPROXY, "*")
            if let pin = url.pin(address) { try easy.set(CURLOPT_RESOLVE, list: [pin]) }
            try easy.set(CURLOPT_SSL_VERIFYPEER, 1)
            try easy.set(CURLOPT_SSL_VERIFYHOST, 2)
            if let caFile { try easy.set(CURLOPT_CAINFO, caFile) }
            try easy.set(CURLOPT_CONNECTTIMEOUT, min(5, timeoutSeconds))
            try easy.set(CURLOPT_TIMEOUT, timeoutSeconds)
            try easy.set(CURLOPT_USERAGENT, "Postillon-Webhooks/1")
            try easy.set(CURLOPT_HTTPHEADER, list: [
                "Content-Type: application/json",
                "webhook-id: \(delivery.webhookID)",
                "webhook-timestamp: \(timestamp)",
                "webhook-signature: \(signature)",
                "Expect:",
            ])
            try easy.set(CURLOPT_COPYPOSTFIELDS, delivery.body)
            let sink = ResponseSink()
            try withExtendedLifetime(sink) {
                try easy.set(CURLOPT_WRITEDATA, pointer: Unmanaged.passUnretained(sink).toOpaque())
                _ = ccurl_easy_setopt_data_callback(easy.handle, CURLOPT_WRITEFUNCTION) { _, size, count, userdata in
                    guard let userdata else { return 0 }
                    let sink = Unmanaged<ResponseSink>.fromOpaque(userdata).takeUnretainedValue()
                    sink.bytes += size * count
                    // Returning less than given aborts the transfer: the answer is capped.
                    return sink.bytes > WebhookSender.maxResponseBytes ? 0 : size * count
                }
                do {
                    try easy.perform()
                } catch where sink.bytes > WebhookSender.maxResponseBytes {
                    // The answer was cut off on purpose; its status line counts.
                }
            }
            return WebhookAttemptOutcome(statusCode: easy.responseCode(), durationMillis: elapsed())
        } catch let problem as Problem {
            return WebhookAttemptOutcome(statusCode: 0, durationMillis: elapsed(), error: problem.detail ?? problem.code)
        } catch {
            return WebhookAttemptOutcome(statusCode: 0, durationMillis: elapsed(), error: "\(error)")
        }
    }
}

/// Counts answer bytes for the write callback.
private final class ResponseSink {
    var bytes = 0
}
