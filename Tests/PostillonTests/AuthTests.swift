import Foundation
@testable import Postillon
import Synchronization
import Testing
@testable import PostillonHTTP

/// A clock tests move by hand.
final class ManualClock: Sendable {
    let now = Atomic<Int64>(1_000_000)
    func advance(seconds: Int64) { now.wrappingAdd(seconds * 1000, ordering: .relaxed) }
    var function: @Sendable () -> Int64 { { [self] in now.load(ordering: .relaxed) } }
}

@Suite struct AuthTests {
    func request(_ authorization: String?) -> HTTPRequest {
        var headers = HTTPHeaders()
        if let authorization { headers.add("Authorization", authorization) }
        return HTTPRequest(head: HTTPRequestHead(method: .GET, target: "/", headers: headers))
    }

    func authenticator(clock: ManualClock = ManualClock(), apiKeys: APIKeyStore = APIKeyStore()) -> Authenticator {
        Authenticator(sessions: SessionStore(idleSeconds: 60, maxAgeSeconds: 300, clock: clock.function), apiKeys: apiKeys,
                      limiter: LoginRateLimiter(clock: clock.function), mailDomain: "mail.test")
    }

    @Test func basicCredentialsPassThrough() throws {
        let principal = try authenticator().authenticate(request("Basic " + Data("alice:pa:ss".utf8).base64EncodedString()))
        #expect(principal.credentials == Credentials(username: "alice", password: "pa:ss"))
        #expect(principal.address == "alice@mail.test")
        #expect(principal.method == .basic)
        #expect(!String(describing: principal.credentials).contains("pa:ss"))
    }

    @Test func malformedOrMissingAuthorizationIs401() {
        let auth = authenticator()
        for header in [nil, "Basic !!!", "Basic " + Data("nocolon".utf8).base64EncodedString(), "Digest abc", "Bearer unknown",
                       "Basic " + Data("a\r\nb:c".utf8).base64EncodedString()] {
            #expect(throws: Problem.self) { try auth.authenticate(request(header)) }
        }
    }

    @Test func sessionsExpireWhenIdleOrTooOld() throws {
        let clock = ManualClock()
        let auth = authenticator(clock: clock)
        let session = auth.sessions.create(credentials: Credentials(username: "bob", password: "x"), address: "bob@mail.test")
        #expect(try auth.authenticate(request("Bearer \(session.token)")).method == .session)
        clock.advance(seconds: 59)
        #expect(try auth.authenticate(request("Bearer \(session.token)")).credentials.username == "bob")
        clock.advance(seconds: 61)
        #expect(throws: Problem.self) { try auth.authenticate(request("Bearer \(session.token)")) }
        let second = auth.sessions.create(credentials: Credentials(username: "bob", password: "x"), address: "bob@mail.test")
        for _ in 0..<6 {
            clock.advance(seconds: 55)
            _ = auth.sessions.lookup(token: second.token)
        }
        #expect(auth.sessions.lookup(token: second.token) == nil, "absolute lifetime of 300 s passed")
    }

    @Test func apiKeysAreMatchedByHash() throws {
        let file = NSTemporaryDirectory() + "keys-\(UUID().uuidString).json"
        try #"[{"name":"ci","keySha256":"\#(SHA256.hex(Array("s3cret-key".utf8)))","username":"carol","password":"pw","address":"ci@mail.test"}]"#
            .write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let auth = authenticator(apiKeys: try APIKeyStore(file: file))
        let principal = try auth.authenticate(request("Bearer s3cret-key"))
        #expect(principal.method == .apiKey)
        #expect(principal.address == "ci@mail.test")
        #expect(principal.credentials.username == "carol")
        try #"[{"name":"x","keySha256":"short","username":"a","password":"b","address":"c"}]"#.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try APIKeyStore(file: file) }
    }

    @Test func forwardedForIsTrustedOnlyFromProxies() throws {
        let trusted = [try #require(IPNetwork("127.0.0.1")), try #require(IPNetwork("10.1.0.0/16"))]
        func resolve(_ peer: String, _ forwarded: String?) -> String {
            ClientAddress.resolve(peer: peer, forwardedFor: forwarded, trusted: trusted)
        }
        #expect(resolve("10.0.0.9", "1.2.3.4") == "10.0.0.9", "untrusted peers cannot forge a client")
        #expect(resolve("127.0.0.1", "1.2.3.4, 5.6.7.8") == "5.6.7.8")
        #expect(resolve("10.1.7.7", "1.2.3.4, 10.1.2.3") == "1.2.3.4", "proxy chains inside the trusted network are skipped")
        #expect(resolve("127.0.0.1", "garbage") == "127.0.0.1")
        #expect(resolve("127.0.0.1", nil) == "127.0.0.1")
    }

    @Test func ipNetworksMatchByPrefix() throws {
        let v4 = try #require(IPNetwork("192.168.0.0/16"))
        #expect(v4.contains("192.168.44.3"))
        #expect(!v4.contains("192.169.0.1"))
        #expect(v4.contains("::ffff:192.168.1.1"))
        let v6 = try #require(IPNetwork("fd00::/8"))
        #expect(v6.contains("fd12::1"))
        #expect(!v6.contains("fe80::1"))
        #expect(IPNetwork("10.0.0.0/33") == nil)
        #expect(IPNetwork("host.example") == nil)
        #expect(try #require(IPNetwork("10.0.0.0/0")).contains("8.8.8.8"))
    }

    @Test func failedLoginsAreLimitedPerUserAndClient() {
        let clock = ManualClock()
        let limiter = LoginRateLimiter(windowSeconds: 60, maxPerClient: 5, maxPerUser: 3, clock: clock.function)
        for _ in 0..<3 { limiter.recordFailure(client: "1.1.1.1", username: "dave") }
        #expect(limiter.retryAfter(client: "2.2.2.2", username: "Dave") != nil, "per username, case-insensitive")
        #expect(limiter.retryAfter(client: "1.1.1.1", username: "erin") == nil)
        for _ in 0..<2 { limiter.recordFailure(client: "1.1.1.1", username: "erin") }
        #expect(limiter.retryAfter(client: "1.1.1.1", username: "frank") != nil, "per client")
        clock.advance(seconds: 61)
        #expect(limiter.retryAfter(client: "1.1.1.1", username: "dave") == nil)
    }
}
