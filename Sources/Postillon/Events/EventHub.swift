import Foundation
import Logging
import PostillonHTTP
import Synchronization

/// Feeds the live event streams (`GET /api/v1/events`) from the event outbox.
///
/// One background thread (never the cooperative pool nor an event loop: the outbox read blocks on
/// SQLite or libpq) runs while the process does. While any stream is open it reads the outbox once
/// a second, and at once when woken in process (a poll recorded events, flags changed): ONE query
/// for every open stream (`seq` after the lowest stream cursor, for the accounts with streams),
/// then each stream gets the rows of its account after its own cursor, as SSE frames, through its
/// ``EventStreamHandle`` (which never blocks: the event loop writes). Because the read is periodic,
/// an event another replica wrote to the shared PostgreSQL outbox reaches a stream here within a
/// second. A stream idle for the heartbeat interval gets a `: keep-alive` comment.
///
/// PostgreSQL hands out sequence numbers at insert, not at commit: a transaction may make seq 10
/// visible after seq 11 was read and sent. Each read therefore also takes the events recorded in
/// the last ``Settings/lookbackMillis`` whatever their seq, and a stream gets such a late event once
/// (it remembers what it was sent in that window), as a frame WITHOUT `id:` so the client's
/// Last-Event-ID stays at the highest id and a reconnection repeats nothing. (SQLite has one
/// writer at a time, so there seq order is commit order and the lookback finds nothing new.)
///
/// Streams are bounded per account and in total (``open(account:lastEventID:)`` throws
/// ``EventStreamError``); a closed stream leaves the hub through its handle's `onClose`.
package final class EventHub: Sendable {
    /// Bounds and timings.
    package struct Settings: Sendable {
        /// Most open streams per account.
        package var maxPerAccount = 5
        /// Most open streams in this process.
        package var maxTotal = 2000
        /// Milliseconds without a frame after which a stream gets a heartbeat comment.
        package var heartbeatMillis: Int64 = 15_000
        /// Milliseconds between outbox reads while streams are open.
        package var pollMillis: Int64 = 1000
        /// The reconnection delay sent to clients (`retry:`), in milliseconds.
        package var retryMillis = 3000
        /// Most outbox rows read per query (a full batch is followed by another read at once).
        package var batch = 200
        /// Bytes a stream may have waiting for a slow client before it is dropped (a stream with
        /// half of it waiting gets no new rows until it catches up, so a resume never overruns it).
        package var maxBufferedBytes = 512 * 1024
        /// Whether the first stream starts the hub's thread (tests drive ``EventHub/tick(now:)`` themselves).
        package var startsThread = true
        /// How far back (wall-clock milliseconds of the writer) each read looks for events that
        /// became visible late; longer than a recording transaction lasts, plus clock skew between replicas.
        package var lookbackMillis: Int64 = 10_000

        /// The defaults.
        package init() {}
    }

    private struct Subscriber {
        let handle: EventStreamHandle
        let account: String
        /// The last sequence number this stream has been given (or was told to resume after).
        var after: Int64
        /// Where the stream started: events at or below it are never sent.
        let start: Int64
        /// Sequence numbers sent in the lookback window, with their recording time (no event twice).
        var recent: [Int64: Int64] = [:]
        /// When a frame last went out (monotonic milliseconds), for heartbeats.
        var lastWrite: Int64
    }

    private struct State {
        var subscribers: [ObjectIdentifier: Subscriber] = [:]
        var perAccount: [String: Int] = [:]
        var threadStarted = false
    }

    private let reader: any OutboxReader
    private let settings: Settings
    private let wallClock: @Sendable () -> Int64
    private let logger: Logger
    private let state = Mutex(State())
    private let signal = WakeSignal()
    /// Serialises rounds: each stream's cursor is read and moved by one round at a time.
    private let round = Mutex(())

    /// Creates a hub over `reader`; its thread starts with the first stream.
    package init(reader: any OutboxReader, settings: Settings = Settings(), logger: Logger,
                 wallClock: @escaping @Sendable () -> Int64 = { WallClock.nowMillis() }) {
        self.reader = reader
        self.settings = settings
        self.wallClock = wallClock
        self.logger = logger
    }

    /// Open streams.
    package var openStreams: Int { state.withLock { $0.subscribers.count } }

    /// Opens a stream for `account`: it gets the events after `lastEventID` (resuming without loss),
    /// or, without one, those recorded from now on. Blocks on one outbox read (worker threads only).
    /// - Returns: the handle to return as the response body (``HTTPResponseBody/eventStream(_:)``).
    /// - Throws: ``EventStreamError`` over a stream limit, ``StateStoreError`` when the outbox cannot be read.
    package func open(account: String, lastEventID: Int64?) throws -> EventStreamHandle {
        let start = try lastEventID ?? reader.latestSequence()
        let handle = EventStreamHandle(maxBufferedBytes: settings.maxBufferedBytes)
        let key = ObjectIdentifier(handle)
        let startThread = try state.withLock { state -> Bool in
            guard state.subscribers.count < settings.maxTotal else { throw EventStreamError.tooManyStreams(limit: settings.maxTotal) }
            guard state.perAccount[account, default: 0] < settings.maxPerAccount else {
                throw EventStreamError.tooManyStreamsForAccount(limit: settings.maxPerAccount)
            }
            state.subscribers[key] = Subscriber(handle: handle, account: account, after: start, start: start,
                                                lastWrite: MonotonicClock.nowMillis())
            state.perAccount[account, default: 0] += 1
            defer { state.threadStarted = true }
            return settings.startsThread && !state.threadStarted
        }
        handle.onClose { [self] _ in remove(key) }
        handle.send(ServerSentEvent.retry(millis: settings.retryMillis))
        if startThread { startThreadNow() }
        // A resumed stream gets its backlog now rather than on the next tick.
        if lastEventID != nil { wake() }
        return handle
    }

    /// Reads the outbox now (events were just recorded in this process); any thread, never blocks.
    package func wake() { signal.wake() }

    private func remove(_ key: ObjectIdentifier) {
        state.withLock { state in
            guard let subscriber = state.subscribers.removeValue(forKey: key) else { return }
            let left = state.perAccount[subscriber.account, default: 1] - 1
            state.perAccount[subscriber.account] = left > 0 ? left : nil
        }
    }

    private func startThreadNow() {
        let thread = Thread { [self] in
            while true {
                var more = false
                do {
                    more = try tick(now: MonotonicClock.nowMillis())
                } catch {
                    logger.warning("event stream read failed", metadata: ["error": "\(error)"])
                }
                if !more { _ = signal.wait(millis: settings.pollMillis) }
            }
        }
        thread.name = "postillon-event-hub"
        thread.start()
    }

    /// One round: one outbox read for every open stream, frames to each, heartbeats to the idle.
    /// - Returns: whether the read was a full batch (read again at once).
    @discardableResult
    func tick(now: Int64) throws -> Bool {
        try round.withLock { _ in try readRound(now: now) }
    }

    private func readRound(now: Int64) throws -> Bool {
        let snapshot = state.withLock { Array($0.subscribers) }
        guard !snapshot.isEmpty else { return false }
        let accounts = Set(snapshot.map(\.value.account)).sorted()
        let lowest = snapshot.map(\.value.after).min() ?? 0
        let since = wallClock() - settings.lookbackMillis
        let rows = try reader.events(accounts: accounts, after: lowest, recordedSince: since, limit: settings.batch)
            .sorted { $0.seq < $1.seq }
        let fresh = rows.filter { $0.seq > lowest }
        // The fresh part holds every visible row of these accounts from the lowest cursor up to the
        // newest row read (the limit cuts only after it): a stream that was given its rows has seen
        // everything visible up to there, so its cursor moves there and a quiet account does not
        // keep reads far back. A row that becomes visible later comes with the lookback part.
        let newest = fresh.last?.seq
        var skipped = false
        var byAccount: [String: [OutboxEvent]] = [:]
        for row in rows { byAccount[row.account, default: []].append(row) }
        var updates: [(ObjectIdentifier, after: Int64, recent: [Int64: Int64], wrote: Bool)] = []
        for (key, subscriber) in snapshot {
            // A client still reading the last round's frames (a long backlog, a slow link) gets no
            // more this round, so its bounded buffer is not overrun by catching up.
            if subscriber.handle.bufferedBytes > settings.maxBufferedBytes / 2 {
                skipped = true
                continue
            }
            var frames: [UInt8] = []
            var after = subscriber.after
            var recent = subscriber.recent.filter { $0.value >= since }
            for event in byAccount[subscriber.account] ?? [] where event.seq > subscriber.start && recent[event.seq] == nil {
                if event.seq > after {
                    frames += ServerSentEvent.frame(id: String(event.seq), event: event.type, data: event.body)
                    after = event.seq
                } else if event.createdAt >= since {
                    // Visible only now, below what was sent: no id, so Last-Event-ID stays the highest.
                    frames += ServerSentEvent.frame(event: event.type, data: event.body)
                } else {
                    continue
                }
                if event.createdAt >= since { recent[event.seq] = event.createdAt }
            }
            if let newest { after = max(after, newest) }
            if frames.isEmpty, now - subscriber.lastWrite >= settings.heartbeatMillis {
                frames = ServerSentEvent.comment("keep-alive")
            }
            if !frames.isEmpty { subscriber.handle.send(frames) }
            updates.append((key, after, recent, !frames.isEmpty))
        }
        state.withLock { state in
            for (key, after, recent, wrote) in updates {
                guard var subscriber = state.subscribers[key] else { continue }
                subscriber.after = after
                subscriber.recent = recent
                if wrote { subscriber.lastWrite = now }
                state.subscribers[key] = subscriber
            }
        }
        return fresh.count >= settings.batch && !skipped
    }
}
