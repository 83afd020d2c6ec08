/// Why a live event stream could not be opened (the API maps it to a problem in its own file).
package struct EventStreamError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Kind: Sendable, Equatable {
        /// The state store keeps no outbox (no SQL state store).
        case unavailable
        /// The account has `limit` streams open already.
        case tooManyStreamsForAccount(limit: Int)
        /// This process has `limit` streams open already.
        case tooManyStreams(limit: Int)
        /// `Last-Event-ID` (or `lastEventId`) is not a sequence number.
        case invalidLastEventID
    }

    /// What went wrong.
    package let kind: Kind

    /// The store keeps no outbox.
    package static let unavailable = EventStreamError(kind: .unavailable)
    /// `Last-Event-ID` is not a sequence number.
    package static let invalidLastEventID = EventStreamError(kind: .invalidLastEventID)

    /// The account's stream limit is reached.
    package static func tooManyStreamsForAccount(limit: Int) -> EventStreamError { EventStreamError(kind: .tooManyStreamsForAccount(limit: limit)) }

    /// The process's stream limit is reached.
    package static func tooManyStreams(limit: Int) -> EventStreamError { EventStreamError(kind: .tooManyStreams(limit: limit)) }

    package var description: String { "\(kind)" }
}
