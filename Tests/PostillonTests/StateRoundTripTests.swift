import Foundation
import Logging
@testable import Postillon
import PostillonTestSupport
import Synchronization
import Testing
@testable import PostillonHTTP

/// The calls made on counted connections, in order (the SQL of each).
final class FlightLog: Sendable {
    private let calls = Mutex<[String]>([])
    func append(_ call: String) { calls.withLock { $0.append(call) } }
    func reset() { calls.withLock { $0 = [] } }
    var all: [String] { calls.withLock { $0 } }
}

/// Counts the calls made on a connection: on PostgreSQL each is one round trip (a statement, or a
/// pipelined batch), which is what the state store adds to a request's latency.
final class CountingConnection: SQLConnection {
    private let inner: any SQLConnection
    private let flights: FlightLog

    init(_ inner: any SQLConnection, flights: FlightLog) {
        self.inner = inner
        self.flights = flights
    }

    private func count(_ what: String) { flights.append(what) }

    func execute(_ sql: String, _ parameters: [SQLValue]) throws -> Int {
        count(sql)
        return try inner.execute(sql, parameters)
    }

    func query(_ sql: String, _ parameters: [SQLValue]) throws -> [SQLRow] {
        count(sql)
        return try inner.query(sql, parameters)
    }

    func pipeline(_ statements: [SQLStatement], meanwhile: () -> Void) throws -> [SQLResult] {
        count(statements.map(\.sql).joined(separator: " | "))
        return try inner.pipeline(statements, meanwhile: meanwhile)
    }

    var isHealthy: Bool { inner.isHealthy }
}

/// Batches (`SQLConnection.pipeline`, `SQLDatabase.batchWithoutDiskWait`) on SQLite and, with
/// `POSTILLON_TEST_POSTGRES_URL`, PostgreSQL (pipeline mode): results in order, the first error
/// stops the batch and rolls its transaction back, and the connection stays usable.
@Suite struct SQLPipelineTests {
    static var backends: [String] {
        ProcessInfo.processInfo.environment["POSTILLON_TEST_POSTGRES_URL"] == nil ? ["sqlite"] : ["sqlite", "postgres"]
    }

    static func open(_ backend: String) throws -> SQLStateStore {
        var logger = Logger(label: "pipeline-test")
        logger.logLevel = .critical
        if backend == "sqlite" {
            return try SQLStateStore.open(.sqlite(path: NSTemporaryDirectory() + "pipeline-\(UUID().uuidString).db"), poolSize: 1, logger: logger)
        }
        return try SQLStateStore.open(.postgres(url: ProcessInfo.processInfo.environment["POSTILLON_TEST_POSTGRES_URL"]!), poolSize: 1,
                                      logger: logger)
    }

    @Test(arguments: backends) func resultsComeBackInOrderAndAnErrorRollsTheBatchBack(backend: String) throws {
        let database = try Self.open(backend).database
        let key = "pipeline-" + UUID().uuidString
        let insert = SQLStatement("INSERT INTO login_windows (window_key, started_at, attempts) VALUES ($1, $2, $3)",
                                  [.text(key), .integer(5), .integer(1)])
        let select = SQLStatement("SELECT attempts, started_at FROM login_windows WHERE window_key = $1", [.text(key)])
        let bump = SQLStatement("UPDATE login_windows SET attempts = attempts + $2 WHERE window_key = $1", [.text(key), .integer(2)])

        let results = try database.batchWithoutDiskWait([insert, bump, select])
        #expect(results.map(\.changed) == [1, 1, 0])
        #expect(results[2].rows.map { $0.columns } == [["3", "5"]])

        // A refused statement in the middle: nothing after it runs, nothing before it stays.
        let other = "pipeline-" + UUID().uuidString
        let insertOther = SQLStatement("INSERT INTO login_windows (window_key, started_at, attempts) VALUES ($1, $2, $3)",
                                       [.text(other), .integer(1), .integer(1)])
        #expect(throws: StateStoreError.self) {
            try database.batchWithoutDiskWait([bump, insertOther, SQLStatement("SELECT no_such_column FROM login_windows WHERE window_key = $1",
                                                                              [.text(key)]), bump])
        }
        let after = try database.batchWithoutDiskWait([select, SQLStatement("SELECT COUNT(*) FROM login_windows WHERE window_key = $1",
                                                                            [.text(other)])])
        #expect(after[0].rows.first?.integer(0) == 3, "the bump before the error was rolled back")
        #expect(after[1].rows.first?.integer(0) == 0, "the insert before the error was rolled back")

        // A duplicate key is an error the database raises while executing (not while preparing).
        #expect(throws: StateStoreError.self) { try database.batchWithoutDiskWait([insert]) }
        // The pool's one connection still works, outside and inside batches.
        let direct = try database.withConnection { try $0.query(select.sql, select.parameters) }
        #expect(direct.first?.integer(0) == 3)
        #expect(try database.withConnection { try $0.pipeline([]) }.isEmpty)
        #expect(try database.batchWithoutDiskWait([bump, select])[1].rows.first?.integer(0) == 5)
    }

    @Test(arguments: backends) func aRefusedStatementUndoesTheBatchAndLeavesTheConnectionInUse(backend: String) throws {
        var logger = Logger(label: "pipeline-test")
        logger.logLevel = .critical
        let path = NSTemporaryDirectory() + "pipeline-\(UUID().uuidString).db"
        let url = ProcessInfo.processInfo.environment["POSTILLON_TEST_POSTGRES_URL"] ?? ""
        // The schema first (migrations), then a bare connection to it.
        _ = try backend == "sqlite" ? SQLStateStore.open(.sqlite(path: path), poolSize: 1, logger: logger) : Self.open(backend)
        let connection: any SQLConnection = backend == "sqlite" ? try SQLiteConnection(path: path) : try PostgresConnection(url: url)
        let key = "pipeline-" + UUID().uuidString
        let count = SQLStatement("SELECT COUNT(*) FROM login_windows WHERE window_key = $1", [.text(key)])
        let insert = SQLStatement("INSERT INTO login_windows (window_key, started_at, attempts) VALUES ($1, $2, $3)",
                                  [.text(key), .integer(1), .integer(1)])
        for refused in [SQLStatement("SELECT no_such_column FROM login_windows WHERE window_key = $1", [.text(key)]), insert] {
            #expect(throws: StateStoreError.self) { try connection.pipeline([insert, refused, count]) }
            #expect(connection.isHealthy, "an error the server reports is not a broken connection")
            #expect(try connection.pipeline([count, count]).map { $0.rows.first?.integer(0) } == [0, 0], "all or nothing")
        }
        #expect(try connection.pipeline([insert, count]).map { $0.rows.first?.integer(0) } == [nil, 1])
        #expect(try connection.query(count.sql, count.parameters).first?.integer(0) == 1, "and it still runs single statements")
    }

    /// The caller's work overlaps the flight: a batch the server takes 0.3 s over, with 0.3 s of
    /// work meanwhile, is done in about 0.3 s, not 0.6.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["POSTILLON_TEST_POSTGRES_URL"] != nil, "set POSTILLON_TEST_POSTGRES_URL"))
    func workMeanwhileOverlapsTheFlight() throws {
        let database = try Self.open("postgres").database
        var calls = 0
        let started = MonotonicClock.nowMillis()
        let results = try database.batchWithoutDiskWait([SQLStatement("SELECT pg_sleep(0.3)"), SQLStatement("SELECT $1::text", [.text("x")])]) {
            calls += 1
            usleep(300_000)
        }
        let elapsed = MonotonicClock.nowMillis() - started
        #expect(calls == 1)
        #expect(results.count == 2 && results[1].rows.first?.text(0) == "x")
        #expect(elapsed >= 300 && elapsed < 500, "overlapped: \(elapsed) ms")
    }

    /// A connection the server dropped (a restart, a terminated backend) fails its batch with a
    /// state-store error, leaves the pool, and the next batch runs on a new connection.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["POSTILLON_TEST_POSTGRES_URL"] != nil, "set POSTILLON_TEST_POSTGRES_URL"))
    func aBatchOnAConnectionTheServerDroppedFailsAndTheNextOneReconnects() throws {
        let database = try Self.open("postgres").database
        let pid = try #require(try database.withConnection { try $0.query("SELECT pg_backend_pid()", []).first?.integer(0) })
        let killer = try PostgresConnection(url: ProcessInfo.processInfo.environment["POSTILLON_TEST_POSTGRES_URL"]!)
        #expect(try killer.query("SELECT pg_terminate_backend($1::int)", [.integer(pid)]).first?.text(0) == "t")
        usleep(200_000)
        var composed = 0
        #expect(throws: StateStoreError.self) {
            try database.batchWithoutDiskWait([SQLStatement("SELECT $1::text", [.text("x")])]) { composed += 1 }
        }
        #expect(composed <= 1)
        let again = try database.batchWithoutDiskWait([SQLStatement("SELECT $1::text", [.text("y")])])
        #expect(again.first?.rows.first?.text(0) == "y")
        #expect(try database.withConnection { try $0.query("SELECT pg_backend_pid()", []).first?.integer(0) } != pid)
    }

    @Test(arguments: ["memory"] + backends) func theClaimDoesTheCallersWorkOnceAlsoForReplaysAndWithoutKey(backend: String) throws {
        let store = try backend == "memory" ? MemoryStateStore() as any StateStore : Self.open(backend)
        let idempotency = IdempotencyStore(store: store)
        let key = UUID().uuidString
        for (requestKey, expected) in [(key, 200), (key, 200), (nil, 201)] as [(String?, Int)] {
            var prepared = 0
            var order: [String] = []
            let response = try idempotency.run(key: requestKey, scope: "user:x POST /test", fingerprint: { "f" },
                                               meanwhile: { prepared += 1; order.append("meanwhile") }) {
                order.append("work")
                return HTTPResponse(status: HTTPStatus(expected), body: .bytes([]))
            }
            #expect(prepared == 1, "once per request (\(requestKey == nil ? "no key" : "key"))")
            #expect(response.status.code == expected)
            #expect(order.first == "meanwhile")
        }
    }

    @Test(arguments: backends) func aClaimCarriesTheCallersReadInItsFlight(backend: String) throws {
        let store = try Self.open(backend)
        let slot = "slot-" + UUID().uuidString
        let claim = IdempotencyRecord(slot: slot, fingerprint: "f", createdAt: 1_000, expiresAt: 100_000, leaseUntil: 50_000)
        let read = SQLStatement("SELECT fingerprint FROM idempotency_records WHERE slot = $1", [.text(slot)])
        var seen: [[String?]] = []
        #expect(try store.claimIdempotency(claim, now: 1_000, reading: SQLRead(read) { seen = $0.map(\.columns) }, meanwhile: {}) == .claimed)
        #expect(seen == [["f"]], "the read ran after the claim, in its transaction")
        seen = []
        guard case .existing = try store.claimIdempotency(claim, now: 2_000, reading: SQLRead(read) { seen = $0.map(\.columns) },
                                                       meanwhile: {}) else {
            Issue.record("claimed twice")
            return
        }
        #expect(seen == [["f"]], "also when the slot is taken")
    }
}

/// What a request costs in round trips to PostgreSQL (one per call on a connection):
/// a keyed send is three (session, claim with the subscription read, the stored answer), an
/// unkeyed one two. Before the claim was pipelined it was six (session; BEGIN/SET, INSERT, COMMIT;
/// the subscription read; the answer).
@Suite struct StateRoundTripTests {
    final class Fixture: Sendable {
        let flights = FlightLog()
        let router: Router
        let token: String
        let events: EventStore
        let state: SQLStateStore
        /// A login of this fixture only (tests share one PostgreSQL database).
        let username = "rt-" + UUID().uuidString.prefix(8).lowercased()

        init(backend: String) throws {
            var logger = Logger(label: "round-trips")
            logger.logLevel = .critical
            let migrated = try SQLPipelineTests.open(backend)
            let dialect = migrated.database.dialect
            let url = ProcessInfo.processInfo.environment["POSTILLON_TEST_POSTGRES_URL"] ?? ""
            let path = NSTemporaryDirectory() + "round-trips-\(UUID().uuidString).db"
            if backend == "sqlite" { _ = try SQLStateStore.open(.sqlite(path: path), poolSize: 1, logger: logger) }
            let flights = self.flights
            let database = SQLDatabase(dialect: dialect, size: 2, logger: logger) {
                let inner: any SQLConnection = backend == "sqlite" ? try SQLiteConnection(path: path) : try PostgresConnection(url: url)
                return CountingConnection(inner, flights: flights)
            }
            state = SQLStateStore(database: database)
            let sealer = testSealer()
            events = EventStore(database: database, sealer: sealer)
            let configuration = try ConfigurationLoader.load(flags: [.mailDomain: "mail.test"], environment: [:])
            let sessions = SessionStore(store: state, sealer: sealer, idleSeconds: 600, maxAgeSeconds: 600)
            let authenticator = Authenticator(sessions: sessions, apiKeys: APIKeyStore(),
                                              limiter: LoginRateLimiter(store: state, maxPerClient: 100, maxPerClientUser: 10, maxPerUser: 10),
                                              mailDomain: "mail.test")
            let services = AppServices(configuration: configuration, authenticator: authenticator,
                                       mailbox: MailboxService(connector: InMemoryPOP3Server(), cacheCapacity: 10, waitMillis: 1000),
                                       idempotency: IdempotencyStore(store: state), state: state,
                                       smtp: InMemorySMTPClient(accounts: [username: "secret"]), logger: logger, events: events)
            router = Router(routes: SendRoutes.routes(services), logger: logger)
            token = try sessions.create(credentials: Credentials(username: username, password: "secret"), address: username + "@mail.test").token
        }

        /// Sends one message; the calls the store made for it.
        func send(key: String?) -> (status: Int, flights: [String]) {
            var headers: HTTPHeaders = ["Content-Type": "application/json", "Authorization": "Bearer " + token]
            if let key { headers.add("Idempotency-Key", key) }
            let head = HTTPRequestHead(method: .POST, target: "/api/v1/send", headers: headers)
            let request = HTTPRequest(head: head, body: Array(#"{"to": ["bob@mail.test"], "subject": "Hi", "text": "x"}"#.utf8))
            flights.reset()
            let response = router.respond(to: request, plan: router.plan(for: head))
            return (response.status.code, flights.all)
        }
    }

    @Test(arguments: SQLPipelineTests.backends) func aKeyedSendIsThreeRoundTripsAndAnUnkeyedOneTwo(backend: String) throws {
        let fixture = try Fixture(backend: backend)
        // Calls are round trips on PostgreSQL only (SQLite runs BEGIN and COMMIT as calls of their own, in process).
        let roundTrips = backend == "postgres"
        let keyed = fixture.send(key: UUID().uuidString)
        #expect(keyed.status == 200)
        #expect(!roundTrips || keyed.flights.count == 3, "session, claim + subscriptions, answer: \(keyed.flights)")
        let unkeyed = fixture.send(key: nil)
        #expect(unkeyed.status == 200)
        #expect(!roundTrips || unkeyed.flights.count == 2, "session, subscriptions: \(unkeyed.flights)")

        // With a message.sent subscriber the claim's read is what decides: the event is written
        // with the answer, once, and a replay writes none.
        let account = Credentials.mailboxKey(of: fixture.username)
        _ = try fixture.events.createSubscription(account: account, url: "https://hooks.example/sent", events: ["message.sent"],
                                                  description: nil, now: WallClock.nowMillis())
        let key = UUID().uuidString
        let first = fixture.send(key: key)
        let replay = fixture.send(key: key)
        #expect(first.status == 200 && replay.status == 200)
        let reads = first.flights.filter { $0 == EventStore.subscriptionsQuery(account: account).sql }
        #expect(reads.count == 1, "only the answer's transaction reads the subscriptions on its own: \(first.flights)")
        #expect(!roundTrips || replay.flights.count == 2, "session, claim that finds the answer: \(replay.flights)")
        #expect(try fixture.events.events(account: account, after: 0, limit: 10).map(\.type) == ["message.sent"])
    }
}
