/// What the SMTP server did with a submission it took: the recipients it accepted and those it refused.
///
/// A delivery exists only once the server answered 250 to the message data.
package struct SMTPDelivery: Sendable, Equatable {
    /// Recipients accepted at `RCPT TO`, in envelope order.
    package let accepted: [String]
    /// Recipients refused at `RCPT TO`, in envelope order, with the server's reply.
    package let rejected: [SMTPRecipientRejection]

    /// Creates a delivery report.
    package init(accepted: [String], rejected: [SMTPRecipientRejection]) {
        self.accepted = accepted
        self.rejected = rejected
    }
}
