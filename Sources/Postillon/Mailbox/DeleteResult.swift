/// The outcome of a bulk delete: which ids were deleted and which were not in the mailbox.
public struct DeleteResult: Codable, Sendable, Equatable {
    /// Ids deleted (the server confirmed QUIT).
    public var deleted: [String]
    /// Ids that named no message.
    public var notFound: [String]
}
