/// A composed message ready for SMTP: its bytes (CRLF line endings) and its Message-ID.
package struct ComposedMessage: Sendable {
    /// The whole message.
    package let bytes: [UInt8]
    /// The Message-ID with angle brackets, for example `<f3a9...@example.org>`.
    package let messageID: String
}
