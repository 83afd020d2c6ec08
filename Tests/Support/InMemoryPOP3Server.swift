import Postillon
import PostillonHTTP
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An in-memory POP3 server twin for unit tests: mailboxes of raw messages with UIDLs, RFC 1939
/// semantics (a session sees a snapshot; deletions apply only on QUIT), and login counting.
package final class InMemoryPOP3Server: POP3Connector {
    struct Mailbox {
        var password: String
        var messages: [(uidl: String, bytes: [UInt8])]
        var locked = false
        /// Until when (monotonic milliseconds) the maildrop stays locked after a session ended.
        var lockedUntilMillis: Int64 = 0
    }

    private let state = Mutex<[String: Mailbox]>([:])
    private let logins = Atomic<Int>(0)
    private let generation = Atomic<Int>(0)
    private let failureDelay = Atomic<Int>(0)
    private let quits = Atomic<Int>(0)
    private let lockAfterQuit = Atomic<Int>(0)
    private let inUse = Atomic<Int>(0)
    /// Capabilities reported by sessions.
    package let capabilities: [String]

    /// Creates an empty server.
    package init(capabilities: [String] = ["TOP", "UIDL", "PIPELINING", "RESP-CODES"]) {
        self.capabilities = capabilities
    }

    /// Adds a mailbox.
    package func addMailbox(_ user: String, password: String) {
        state.withLock { $0[user.lowercased()] = Mailbox(password: password, messages: []) }
    }

    /// Appends a message (newest last, as in a POP3 maildrop).
    package func deliver(_ user: String, uidl: String, message: String) {
        state.withLock { $0[user.lowercased()]?.messages.append((uidl, Array(message.utf8))) }
    }

    /// Makes logins to `user` fail with `-ERR [IN-USE]`.
    package func setLocked(_ user: String, _ locked: Bool) {
        state.withLock { $0[user.lowercased()]?.locked = locked }
    }

    /// Keeps a maildrop locked (`-ERR [IN-USE]`) for `millis` after each session's QUIT, as GNU
    /// mailutils pop3d does for a moment after answering it.
    package func setLockAfterQuit(millis: Int) { lockAfterQuit.store(millis, ordering: .relaxed) }

    /// Logins refused with `[IN-USE]` so far.
    package var inUseRefusals: Int { inUse.load(ordering: .relaxed) }

    /// The UIDLs in a mailbox, oldest first.
    package func uidls(_ user: String) -> [String] {
        state.withLock { $0[user.lowercased()]?.messages.map(\.uidl) ?? [] }
    }

    /// Successful logins so far.
    package var loginCount: Int { logins.load(ordering: .relaxed) }

    /// Sessions ended with QUIT so far (confirmed or not).
    package var quitCount: Int { quits.load(ordering: .relaxed) }

    /// Makes every session open now fail its next command as if the server had dropped it.
    package func dropOpenSessions() { generation.wrappingAdd(1, ordering: .relaxed) }

    /// Makes refused logins take this long, as real servers delay them.
    package func setFailedLoginDelay(millis: Int) { failureDelay.store(millis, ordering: .relaxed) }

    package func connect(_ credentials: Credentials) throws -> any POP3Session {
        let snapshot = state.withLock { mailboxes -> [(uidl: String, bytes: [UInt8])]? in
            guard let mailbox = mailboxes[credentials.mailboxKey], mailbox.password == credentials.password else { return nil }
            return mailbox.messages
        }
        guard let snapshot else {
            let delay = failureDelay.load(ordering: .relaxed)
            if delay > 0 { usleep(useconds_t(delay * 1000)) }
            throw POP3Error.loginRefused(POP3Status(ok: false, code: "AUTH", text: "Authentication failed."))
        }
        let now = MonotonicClock.nowMillis()
        if state.withLock({ $0[credentials.mailboxKey].map { $0.locked || now < $0.lockedUntilMillis } == true }) {
            inUse.wrappingAdd(1, ordering: .relaxed)
            throw POP3Error.loginRefused(POP3Status(ok: false, code: "IN-USE", text: "Mailbox is locked."))
        }
        logins.wrappingAdd(1, ordering: .relaxed)
        return Session(server: self, user: credentials.mailboxKey, snapshot: snapshot, generation: generation.load(ordering: .relaxed))
    }

    fileprivate func checkAlive(_ session: Session) throws {
        if session.generation != generation.load(ordering: .relaxed) { throw POP3Error.connectionClosed }
    }

    fileprivate func commit(user: String, deleting uidls: Set<String>) {
        state.withLock { $0[user]?.messages.removeAll { uidls.contains($0.uidl) } }
        ended(user: user)
    }

    fileprivate func ended(user: String) {
        let millis = lockAfterQuit.load(ordering: .relaxed)
        guard millis > 0 else { return }
        let until = MonotonicClock.nowMillis() + Int64(millis)
        state.withLock { $0[user]?.lockedUntilMillis = until }
    }

    /// The twin's session.
    final class Session: POP3Session {
        let server: InMemoryPOP3Server
        let user: String
        let snapshot: [(uidl: String, bytes: [UInt8])]
        var marked: Set<Int> = []
        var finished = false
        let generation: Int

        init(server: InMemoryPOP3Server, user: String, snapshot: [(uidl: String, bytes: [UInt8])], generation: Int) {
            self.server = server
            self.user = user
            self.snapshot = snapshot
            self.generation = generation
        }

        var capabilities: POP3Capabilities { POP3Capabilities(server.capabilities) }

        func authenticate() throws {}

        func listings() throws -> [POP3Listing] {
            try server.checkAlive(self)
            guard server.capabilities.contains("UIDL") else { throw POP3Error.uidlUnsupported }
            return snapshot.enumerated().filter { !marked.contains($0.offset + 1) }
                .map { POP3Listing(number: $0.offset + 1, uidl: $0.element.uidl, size: $0.element.bytes.count) }
        }

        func headers(of numbers: [Int]) throws -> [Int: [UInt8]] {
            // As the real session: a server whose CAPA list leaves out TOP is not asked for headers.
            guard capabilities.mayUseTOP else { return [:] }
            var result: [Int: [UInt8]] = [:]
            for number in numbers where number >= 1 && number <= snapshot.count && !marked.contains(number) {
                let bytes = snapshot[number - 1].bytes
                let text = String(decoding: bytes, as: UTF8.self)
                let head = text.components(separatedBy: "\r\n\r\n").first ?? text
                result[number] = Array((head + "\r\n\r\n").utf8)
            }
            return result
        }

        func retrieve(_ number: Int, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
            try server.checkAlive(self)
            guard number >= 1 && number <= snapshot.count && !marked.contains(number) else {
                throw POP3Error.negative(command: "RETR", status: POP3Status(ok: false, text: "no such message"))
            }
            try snapshot[number - 1].bytes.withUnsafeBytes { try sink($0) }
        }

        func delete(_ numbers: [Int]) throws {
            for number in numbers {
                guard number >= 1 && number <= snapshot.count && !marked.contains(number) else {
                    throw POP3Error.negative(command: "DELE", status: POP3Status(ok: false, text: "no such message"))
                }
                marked.insert(number)
            }
        }

        func quit() throws {
            guard !finished else { return }
            finished = true
            server.quits.wrappingAdd(1, ordering: .relaxed)
            server.commit(user: user, deleting: Set(marked.map { snapshot[$0 - 1].uidl }))
        }

        func close() {
            if !finished {
                server.quits.wrappingAdd(1, ordering: .relaxed)
                server.ended(user: user)
            }
            finished = true
        }

        func abort() { finished = true }
    }
}
