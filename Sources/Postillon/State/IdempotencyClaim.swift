/// The outcome of claiming an idempotency slot.
package enum IdempotencyClaim: Sendable, Equatable {
    /// The caller owns the slot now and must finish or abandon it.
    case claimed
    /// Another request holds or held the slot; its record.
    case existing(IdempotencyRecord)
}
