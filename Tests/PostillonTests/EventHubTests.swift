import Foundation
import Logging
@testable import Postillon
@testable import PostillonHTTP
import Synchronization
import Testing

/// SSE framing from literals, and the hub's rounds over an in-memory outbox: one read per round for
/// every stream, resumption after a Last-Event-ID without loss or duplicates, limits, heartbeats.
@Suite struct EventHubTests {
    /// The outbox as an array; counts the reads.
    final class MemoryOutbox: OutboxReader {
        let rows = Mutex<[OutboxEvent]>([])
        /// Sequence numbers inserted but not committed yet (invisible to reads).
        let uncommitted = Mutex<Set<Int64>>([])
        let reads = Atomic<Int>(0)

        func append(_ account: String, _ type: String, at millis: Int64 = 0) {
            rows.withLock {
                $0.append(OutboxEvent(seq: Int64($0.count + 1), account: account, type: type, body: "{\"n\":\($0.count + 1)}",
                                      createdAt: millis))
            }
        }

        func latestSequence() throws -> Int64 { rows.withLock { $0.last?.seq ?? 0 } }

        func events(accounts: [String], after: Int64, recordedSince: Int64, limit: Int) throws -> [OutboxEvent] {
            reads.wrappingAdd(1, ordering: .relaxed)
            let hidden = uncommitted.withLock { $0 }
            let visible = rows.withLock { $0.filter { !hidden.contains($0.seq) && accounts.contains($0.account) } }
            return Array(visible.filter { $0.seq > after }.prefix(limit))
                + Array(visible.filter { $0.seq <= after && $0.createdAt >= recordedSince }.prefix(limit))
        }
    }

    static func hub(_ outbox: MemoryOutbox, _ configure: (inout EventHub.Settings) -> Void = { _ in },
                    wallClock: @escaping @Sendable () -> Int64 = { 1_000_000 }) -> EventHub {
        var settings = EventHub.Settings()
        settings.startsThread = false // the tests drive the rounds themselves
        configure(&settings)
        return EventHub(reader: outbox, settings: settings, logger: Logger(label: "test"), wallClock: wallClock)
    }

    /// What a handle has queued so far, without chunk framing.
    static func drain(_ handle: EventStreamHandle) -> String {
        var bytes = handle.take().bytes[...]
        var text = ""
        while let end = bytes.firstIndex(of: 13) {
            let size = Int(String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self), radix: 16) ?? 0
            let start = end + 2
            text += String(decoding: bytes[start..<start + size], as: UTF8.self)
            bytes = bytes[(start + size + 2)...]
        }
        return text
    }

    // MARK: Framing

    @Test func aFrameHasIdEventAndOneDataLinePerLine() {
        #expect(ServerSentEvent.frame(id: "7", event: "message.new", data: "{\"a\":1}")
            == Array("id: 7\nevent: message.new\ndata: {\"a\":1}\n\n".utf8))
        #expect(ServerSentEvent.frame(data: "one\ntwo\r\nthree\rfour") == Array("data: one\ndata: two\ndata: three\ndata: four\n\n".utf8))
        #expect(ServerSentEvent.frame(data: "") == Array("data: \n\n".utf8))
        #expect(ServerSentEvent.frame(id: "1\n2\0", event: "a\r\nb", data: "x") == Array("id: 12\nevent: ab\ndata: x\n\n".utf8),
                "a field cannot be split or carry NUL")
        #expect(ServerSentEvent.comment("keep-alive") == Array(": keep-alive\n\n".utf8))
        #expect(ServerSentEvent.retry(millis: 3000) == Array("retry: 3000\n\n".utf8))
    }

    // MARK: The hub

    @Test func aNewStreamStartsFromNowAndGetsLaterEventsOfItsAccountOnly() throws {
        let outbox = MemoryOutbox()
        outbox.append("frank", "message.new")
        let hub = Self.hub(outbox)
        let handle = try hub.open(account: "frank", lastEventID: nil)
        #expect(Self.drain(handle) == "retry: 3000\n\n")
        outbox.append("frank", "message.new")
        outbox.append("grace", "message.new")
        outbox.append("frank", "flags.changed")
        try hub.tick(now: 0)
        #expect(Self.drain(handle) == "id: 2\nevent: message.new\ndata: {\"n\":2}\n\nid: 4\nevent: flags.changed\ndata: {\"n\":4}\n\n")
        try hub.tick(now: 1)
        #expect(Self.drain(handle) == "", "nothing twice")
    }

    @Test func aResumedStreamGetsExactlyTheEventsAfterItsLastEventID() throws {
        let outbox = MemoryOutbox()
        for _ in 0..<5 { outbox.append("frank", "message.new") }
        let hub = Self.hub(outbox)
        let handle = try hub.open(account: "frank", lastEventID: 3)
        _ = Self.drain(handle)
        try hub.tick(now: 0)
        #expect(Self.drain(handle) == "id: 4\nevent: message.new\ndata: {\"n\":4}\n\nid: 5\nevent: message.new\ndata: {\"n\":5}\n\n")
    }

    @Test func oneReadPerRoundServesEveryStream() throws {
        let outbox = MemoryOutbox()
        let hub = Self.hub(outbox) { $0.maxPerAccount = 100 }
        let handles = try (0..<50).map { index in try hub.open(account: "user\(index % 10)", lastEventID: nil) }
        outbox.append("user3", "message.deleted")
        try hub.tick(now: 0)
        #expect(outbox.reads.load(ordering: .relaxed) == 1)
        let got = handles.filter { Self.drain($0).contains("event: message.deleted") }.count
        #expect(got == 5)
    }

    @Test func aLongBacklogComesInBatchesWithoutLossOrDuplicates() throws {
        let outbox = MemoryOutbox()
        for index in 0..<25 { outbox.append(index % 2 == 0 ? "frank" : "grace", "message.new") }
        let hub = Self.hub(outbox) { $0.batch = 4 }
        let handle = try hub.open(account: "frank", lastEventID: 0)
        _ = Self.drain(handle)
        var text = ""
        while try hub.tick(now: 0) { text += Self.drain(handle) }
        text += Self.drain(handle)
        let ids = text.split(separator: "\n").filter { $0.hasPrefix("id: ") }.map { Int($0.dropFirst(4))! }
        #expect(ids == Array(stride(from: 1, through: 25, by: 2)))
    }

    @Test func anEventThatBecomesVisibleLateIsSentOnceWithoutAnId() throws {
        let outbox = MemoryOutbox()
        let now = Atomic<Int64>(1_000_000)
        let hub = Self.hub(outbox, wallClock: { now.load(ordering: .relaxed) })
        let handle = try hub.open(account: "frank", lastEventID: nil)
        _ = Self.drain(handle)
        // Two transactions: seq 1 inserted first but committed after seq 2 (PostgreSQL).
        outbox.append("frank", "message.new", at: 999_000)
        outbox.append("frank", "flags.changed", at: 999_500)
        outbox.uncommitted.withLock { _ = $0.insert(1) }
        try hub.tick(now: 0)
        #expect(Self.drain(handle) == "id: 2\nevent: flags.changed\ndata: {\"n\":2}\n\n")
        outbox.uncommitted.withLock { $0.removeAll() }
        try hub.tick(now: 1)
        #expect(Self.drain(handle) == "event: message.new\ndata: {\"n\":1}\n\n", "late, without id: Last-Event-ID stays 2")
        try hub.tick(now: 2)
        #expect(Self.drain(handle) == "", "the lookback does not repeat what was sent")
        now.store(2_000_000, ordering: .relaxed)
        try hub.tick(now: 3)
        #expect(Self.drain(handle) == "")
    }

    @Test func limitsPerAccountAndInTotalAndAClosedStreamFreesItsPlace() throws {
        let outbox = MemoryOutbox()
        let hub = Self.hub(outbox) {
            $0.maxPerAccount = 2
            $0.maxTotal = 3
        }
        let first = try hub.open(account: "frank", lastEventID: nil)
        _ = try hub.open(account: "frank", lastEventID: nil)
        #expect(throws: EventStreamError.tooManyStreamsForAccount(limit: 2)) { try hub.open(account: "frank", lastEventID: nil) }
        _ = try hub.open(account: "grace", lastEventID: nil)
        #expect(throws: EventStreamError.tooManyStreams(limit: 3)) { try hub.open(account: "heidi", lastEventID: nil) }
        first.detach()
        #expect(hub.openStreams == 2)
        _ = try hub.open(account: "frank", lastEventID: nil)
        #expect(EventStreamError.tooManyStreamsForAccount(limit: 2).problem.status.code == 429)
        #expect(EventStreamError.tooManyStreams(limit: 3).problem.code == "event_streams_exhausted")
    }

    @Test func anIdleStreamGetsAHeartbeat() throws {
        let outbox = MemoryOutbox()
        let hub = Self.hub(outbox) { $0.heartbeatMillis = 15_000 }
        let handle = try hub.open(account: "frank", lastEventID: nil)
        _ = Self.drain(handle)
        let opened = MonotonicClock.nowMillis()
        try hub.tick(now: opened + 14_000)
        #expect(Self.drain(handle) == "")
        try hub.tick(now: opened + 15_000)
        #expect(Self.drain(handle) == ": keep-alive\n\n")
        try hub.tick(now: opened + 16_000)
        #expect(Self.drain(handle) == "", "the heartbeat counts as a write")
    }
}

/// `flags.changed` is written with the flags, in one transaction, and reaches the stream's reader.
@Suite struct FlagEventTests {
    @Test func aFlagChangeAppendsFlagsChangedToTheOutboxWithoutAWebhookDelivery() throws {
        let store = try EventTests.store()
        let state = SQLStateStore(database: store.database)
        let before = try store.latestSequence()
        try state.updateFlags(account: "alice", uidls: ["u2", "u1", "u2"], seen: true, flagged: nil, now: 1_764_547_200_000)
        let events = try store.events(accounts: ["alice"], after: before, recordedSince: .max, limit: 10)
        #expect(events.map(\.type) == ["flags.changed"])
        let body = try #require(try JSONSerialization.jsonObject(with: Data(events[0].body.utf8)) as? [String: Any])
        #expect(body["type"] as? String == "flags.changed")
        #expect(body["timestamp"] as? String == "2025-12-01T00:00:00Z")
        let data = try #require(body["data"] as? [String: Any])
        #expect(data["ids"] as? [String] == ["u1", "u2"].map(MessageIdentifier.encode))
        #expect(data["seen"] as? Bool == true)
        #expect(data["flagged"] == nil, "a flag left as it was is absent")
        let deliveries = try store.database.withConnection { try $0.query("SELECT COUNT(*) FROM webhook_deliveries", []) }
        #expect(deliveries.first?.integer(0) == 0)
        try state.updateFlags(account: "alice", uidls: ["u1"], seen: nil, flagged: nil, now: 1)
        #expect(try store.latestSequence() == events[0].seq, "no change, no event")
    }
}
