/// One logged-in POP3 session (RFC 1939 TRANSACTION state). Used by one thread at a time.
///
/// Implementations: ``CurlPOP3Session`` (libcurl connect + login, then our own pipelined command
/// engine) and ``InMemoryPOP3Server``'s twin for unit tests.
package protocol POP3Session: AnyObject {
    /// The server's CAPA list as it was sent (empty for a server without CAPA).
    var capabilities: POP3Capabilities { get }

    /// Completes the login if it is still pending (with PIPELINING it is written together with
    /// the first command; sign-in calls this to check credentials without any other command).
    /// - Throws: ``POP3Error/loginRefused(_:)`` when the server refused it.
    func authenticate() throws

    /// Every message's number, UIDL and size (UIDL and LIST, pipelined when possible).
    /// - Throws: ``POP3Error/uidlUnsupported`` when the server has no UIDL.
    func listings() throws -> [POP3Listing]

    /// The header block of each message (`TOP n 0`), pipelined when possible; missing numbers are left out.
    func headers(of numbers: [Int]) throws -> [Int: [UInt8]]

    /// Streams one message (`RETR n`) to `sink`, exactly as stored, dot-unstuffed, CRLF line ends.
    func retrieve(_ number: Int, into sink: (UnsafeRawBufferPointer) throws -> Void) throws

    /// Marks messages deleted (`DELE n`); they are removed only by a confirmed ``quit()``.
    func delete(_ numbers: [Int]) throws

    /// Sends `QUIT` and waits for `+OK`, which commits deletions.
    /// - Throws: ``POP3Error/quitFailed(_:)`` when the server did not confirm.
    func quit() throws

    /// Sends `QUIT` without waiting for the reply and closes: for sessions that deleted nothing,
    /// saving a round trip.
    func close()

    /// Ends the session without `QUIT`: nothing marked deleted is removed.
    func abort()

    /// Bounds every later wait for the server (login, listing, TOP, RETR's answer, DELE) by the
    /// monotonic time `deadlineMillis` as well as the upstream timeout; nil lifts the bound. Two
    /// waits keep the full upstream timeout: a message that is already flowing after RETR's `+OK`,
    /// and ``quit()``, since cutting the wait for QUIT's reply would turn a delete the server
    /// committed into an unknown outcome. Used for a request that queued for its mailbox, which
    /// gets only what is left of its budget.
    func limitWaits(until deadlineMillis: Int64?)
}

extension POP3Session {
    /// Twins without timeouts ignore the bound.
    package func limitWaits(until deadlineMillis: Int64?) {}
}

/// Opens POP3 sessions; the upstream server comes from configuration, never from a request.
package protocol POP3Connector: Sendable {
    /// Connects and logs in; with PIPELINING the login may be written together with the session's
    /// first commands, so a refused login can also surface from the first command.
    /// - Throws: ``POP3Error/loginRefused(_:)`` for refused logins, ``CurlError`` for network and TLS failures.
    func connect(_ credentials: Credentials) throws -> any POP3Session

    /// As ``connect(_:)``, with every wait (connect, TLS, login) also bounded by the monotonic time
    /// `deadlineMillis` (nil: the upstream timeout alone); the session keeps the bound
    /// (``POP3Session/limitWaits(until:)``).
    func connect(_ credentials: Credentials, deadlineMillis: Int64?) throws -> any POP3Session
}

extension POP3Connector {
    /// Twins without timeouts ignore the bound.
    package func connect(_ credentials: Credentials, deadlineMillis: Int64?) throws -> any POP3Session {
        try connect(credentials)
    }
}
