/// A held mailbox session positioned on one message, handed to a streaming response.
///
/// The mailbox lock and the POP3 session are released when the lease goes away, whether the
/// stream ran to the end, failed, or was never started (a HEAD request, a client that left).
/// Sendable: immutable; the session is used by one thread at a time (the one streaming the response).
public final class MessageLease: @unchecked Sendable {
    /// The message's listing in this session.
    public let listing: POP3Listing
    private let session: any POP3Session
    private let release: @Sendable () -> Void

    init(session: any POP3Session, listing: POP3Listing, release: @escaping @Sendable () -> Void) {
        self.session = session
        self.listing = listing
        self.release = release
    }

    deinit {
        session.close()
        release()
    }

    /// Streams the raw message to `sink` as the server sends it.
    public func retrieve(into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        try session.retrieve(listing.number, into: sink)
    }
}
