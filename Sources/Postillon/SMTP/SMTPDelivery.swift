/// What the SMTP server did with a submission it took: the recipients it accepted and those it refused.
///
/// A delivery exists only once the server answered 250 to the message data.
public struct SMTPDelivery: Sendable, Equatable {
    /// Recipients accepted at `RCPT TO`, in envelope order.
    public let accepted: [String]
    /// Recipients refused at `RCPT TO`, in envelope order, with the server's reply.
    public let rejected: [SMTPRecipientRejection]

    /// Creates a delivery report.
    public init(accepted: [String], rejected: [SMTPRecipientRejection]) {
        self.accepted = accepted
        self.rejected = rejected
    }
}
