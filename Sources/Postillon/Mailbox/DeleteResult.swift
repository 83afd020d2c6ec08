/// The outcome of a bulk delete: which ids were deleted and which were not in the mailbox.
package struct DeleteResult: Codable, Sendable, Equatable {
    /// Ids deleted (the server confirmed QUIT).
    package var deleted: [String]
    /// Ids that named no message.
    package var notFound: [String]
}
