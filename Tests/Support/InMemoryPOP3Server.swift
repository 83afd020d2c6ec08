import Postillon
import Synchronization

/// An in-memory POP3 server twin for unit tests: mailboxes of raw messages with UIDLs, RFC 1939
/// semantics (a session sees a snapshot; deletions apply only on QUIT), and login counting.
public final class InMemoryPOP3Server: POP3Connector {
    struct Mailbox {
        var password: String
        var messages: [(uidl: String, bytes: [UInt8])]
        var locked = false
    }

    private let state = Mutex<[String: Mailbox]>([:])
    private let logins = Atomic<Int>(0)
    /// Capabilities reported by sessions.
    public let capabilities: [String]

    /// Creates an empty server.
    public init(capabilities: [String] = ["TOP", "UIDL", "PIPELINING", "RESP-CODES"]) {
        self.capabilities = capabilities
    }

    /// Adds a mailbox.
    public func addMailbox(_ user: String, password: String) {
        state.withLock { $0[user.lowercased()] = Mailbox(password: password, messages: []) }
    }

    /// Appends a message (newest last, as in a POP3 maildrop).
    public func deliver(_ user: String, uidl: String, message: String) {
        state.withLock { $0[user.lowercased()]?.messages.append((uidl, Array(message.utf8))) }
    }

    /// Makes logins to `user` fail with `-ERR [IN-USE]`.
    public func setLocked(_ user: String, _ locked: Bool) {
        state.withLock { $0[user.lowercased()]?.locked = locked }
    }

    /// The UIDLs in a mailbox, oldest first.
    public func uidls(_ user: String) -> [String] {
        state.withLock { $0[user.lowercased()]?.messages.map(\.uidl) ?? [] }
    }

    /// Successful logins so far.
    public var loginCount: Int { logins.load(ordering: .relaxed) }

    public func connect(_ credentials: Credentials) throws -> any POP3Session {
        let snapshot = try state.withLock { mailboxes -> [(uidl: String, bytes: [UInt8])] in
            guard let mailbox = mailboxes[credentials.mailboxKey], mailbox.password == credentials.password else {
                throw POP3Error.loginRefused(POP3Status(ok: false, code: "AUTH", text: "Authentication failed."))
            }
            if mailbox.locked { throw POP3Error.loginRefused(POP3Status(ok: false, code: "IN-USE", text: "Mailbox is locked.")) }
            return mailbox.messages
        }
        logins.wrappingAdd(1, ordering: .relaxed)
        return Session(server: self, user: credentials.mailboxKey, snapshot: snapshot)
    }

    fileprivate func commit(user: String, deleting uidls: Set<String>) {
        state.withLock { $0[user]?.messages.removeAll { uidls.contains($0.uidl) } }
    }

    /// The twin's session.
    final class Session: POP3Session {
        let server: InMemoryPOP3Server
        let user: String
        let snapshot: [(uidl: String, bytes: [UInt8])]
        var marked: Set<Int> = []
        var finished = false

        init(server: InMemoryPOP3Server, user: String, snapshot: [(uidl: String, bytes: [UInt8])]) {
            self.server = server
            self.user = user
            self.snapshot = snapshot
        }

        var capabilities: [String] { server.capabilities }

        func listings() throws -> [POP3Listing] {
            guard server.capabilities.contains("UIDL") else { throw POP3Error.uidlUnsupported }
            return snapshot.enumerated().filter { !marked.contains($0.offset + 1) }
                .map { POP3Listing(number: $0.offset + 1, uidl: $0.element.uidl, size: $0.element.bytes.count) }
        }

        func headers(of numbers: [Int]) throws -> [Int: [UInt8]] {
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
            server.commit(user: user, deleting: Set(marked.map { snapshot[$0 - 1].uidl }))
        }

        func close() { finished = true }

        func abort() { finished = true }
    }
}
