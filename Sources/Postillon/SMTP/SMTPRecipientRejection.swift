/// A recipient the SMTP server refused at `RCPT TO`, with its reply (the `rejected` items of a send result).
package struct SMTPRecipientRejection: Sendable, Equatable, Encodable {
    /// The envelope address as the caller gave it.
    package let address: String
    /// The SMTP reply code, for example 550.
    package let code: Int
    /// The reply text, for example `5.1.1 <x@mail.test>: Recipient address rejected: User unknown`.
    package let message: String

    /// Creates a rejection.
    package init(address: String, code: Int, message: String) {
        self.address = address
        self.code = code
        self.message = message
    }
}
