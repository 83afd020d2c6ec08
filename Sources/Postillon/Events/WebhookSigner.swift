import Foundation
import PostillonHTTP

/// Standard Webhooks signatures (standardwebhooks.com): `v1,` + base64 HMAC-SHA256 of
/// `id.timestamp.body`, keyed with the base64 part of the `whsec_` secret. Pure.
package enum WebhookSigner {
    /// The `webhook-signature` value, or nil when the secret is not `whsec_` + base64.
    package static func signature(secret: String, id: String, timestamp: Int64, body: String) -> String? {
        let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        guard let key = Data(base64Encoded: encoded), !key.isEmpty else { return nil }
        let mac = Hashing.hmacSHA256(key: Array(key), message: Array("\(id).\(timestamp).\(body)".utf8))
        return "v1," + Data(mac).base64EncodedString()
    }
}
