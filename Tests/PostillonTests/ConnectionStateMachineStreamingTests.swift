@testable import PostillonHTTP
import Testing

/// The `streaming` state (long-lived event streams the loop writes) driven from literals, as in
/// ConnectionStateMachineTests: events in, actions out, a mock clock.
@Suite struct ConnectionStateMachineStreamingTests {
    typealias Machine = ConnectionStateMachine
    static let deadlines = ConnectionDeadlines(headerMillis: 600, bodyMillis: 1000, idleMillis: 400, writeMillis: 2000)

    /// A machine whose worker just returned an event stream at `now` (head queued, flushed).
    static func streaming(now: Int64 = 1000) -> Machine {
        var machine = Machine(now: 0, deadlines: deadlines, maxRequests: 100)
        machine.headStarted(now: 0)
        _ = machine.headParsed(now: 0, hasBody: false, expectsContinue: false, bodyBytesBuffered: false)
        #expect(machine.dispatchedToWorker() == .waitForWorker)
        #expect(machine.streamStarted(now: now) == .flush, "the head (and what the producer queued) goes out at once")
        #expect(machine.state == .streaming(blockedSince: nil))
        #expect(machine.outputFlushed(now: now) == .wait, "written: wait for the producer, not for a request")
        return machine
    }

    @Test func aStreamWritesWhatItsProducerQueuesAndNeverGoesIdle() {
        var machine = Self.streaming()
        #expect(machine.isStreaming)
        #expect(machine.requestsServed == 1)
        #expect(machine.streamDataQueued() == .flush)
        #expect(machine.outputFlushed(now: 1100) == .wait)
        #expect(machine.state == .streaming(blockedSince: nil))
        #expect(machine.tick(now: 1_000_000, shuttingDown: false) == .wait, "no idle deadline: heartbeats keep it busy")
    }

    @Test func whatTheClientSendsIsDiscardedAndItsHangUpCloses() {
        var machine = Self.streaming()
        #expect(machine.socketEvent(readable: true) == .discardInput, "a stream's client has nothing to say")
        #expect(machine.readFinished(now: 1100, received: 40, end: .drained) == .flush,
                "the event may have been writable too: write what waits")
        #expect(machine.state == .streaming(blockedSince: nil))
        #expect(machine.socketEvent(readable: true) == .discardInput)
        #expect(machine.readFinished(now: 1200, received: 0, end: .closed) == .close, "EOF or a reset ends the stream")
        #expect(machine.state == .closed)
    }

    @Test func aWritableEventWritesTheRest() {
        var machine = Self.streaming()
        #expect(machine.socketEvent(readable: false) == .flush)
    }

    @Test func aClientThatStopsReadingIsDroppedAtTheWriteDeadline() {
        var machine = Self.streaming()
        #expect(machine.streamDataQueued() == .flush)
        #expect(machine.writeBlocked(now: 1500) == .waitForWritable)
        #expect(machine.state == .streaming(blockedSince: 1500))
        #expect(machine.streamDataQueued() == .wait, "blocked: new frames wait in the (bounded) handle")
        #expect(machine.writeBlocked(now: 1800) == .waitForWritable)
        #expect(machine.state == .streaming(blockedSince: 1500), "the deadline counts from the first block")
        #expect(machine.tick(now: 3500, shuttingDown: false) == .wait)
        #expect(machine.tick(now: 3501, shuttingDown: false) == .close)
        #expect(machine.state == .closed)
    }

    @Test func aClientThatCatchesUpClearsTheWriteDeadline() {
        var machine = Self.streaming()
        #expect(machine.writeBlocked(now: 1500) == .waitForWritable)
        #expect(machine.socketEvent(readable: false) == .flush)
        #expect(machine.outputFlushed(now: 2000) == .wait)
        #expect(machine.state == .streaming(blockedSince: nil))
        #expect(machine.tick(now: 10_000, shuttingDown: false) == .wait)
    }

    @Test func anOverflowingStreamClosesAtOnce() {
        var machine = Self.streaming()
        #expect(machine.streamDropped() == .close)
        #expect(machine.state == .closed)
        #expect(machine.streamDataQueued() == .wait, "a late wake for a closed connection does nothing")
    }

    @Test func theProducerEndsTheStreamWithTheLastChunkThenLingers() {
        var machine = Self.streaming()
        // The shell took the producer's end from the handle and queued the last chunk.
        #expect(machine.streamFinished(now: 2000) == .flush)
        #expect(machine.state == .writing(since: 2000, then: .close))
        #expect(!machine.isStreaming)
        #expect(machine.outputFlushed(now: 2001) == .lingerClose)
        #expect(machine.state == .lingering(until: 2001 + Machine.lingerMillis))
    }

    @Test func aDrainingServerEndsStreamsAndTerminationClosesThem() {
        var machine = Self.streaming()
        #expect(machine.drain(unparsedBytes: 0) == .endStream)
        #expect(machine.streamFinished(now: 2000) == .flush)
        #expect(machine.drain(unparsedBytes: 0) == .wait, "already ending: the last chunk is on its way")
        var other = Self.streaming()
        #expect(other.terminate() == .close)
        #expect(other.state == .closed)
    }

    @Test func theDeadlineStageOfAStream() {
        var machine = Self.streaming()
        #expect(machine.deadlineStage == .streaming(blockedSince: nil))
        _ = machine.writeBlocked(now: 1234)
        #expect(machine.deadlineStage == .streaming(blockedSince: 1234))
        let deadlines = Self.deadlines
        #expect(deadlines.verdict(.streaming(blockedSince: nil), now: .max, shuttingDown: true) == .wait)
        #expect(deadlines.verdict(.streaming(blockedSince: 0), now: 2000, shuttingDown: false) == .wait)
        #expect(deadlines.verdict(.streaming(blockedSince: 0), now: 2001, shuttingDown: false) == .close)
    }

    @Test func aBlockedWriteOutsideAStreamChangesNothing() {
        var machine = Machine(now: 0, deadlines: Self.deadlines, maxRequests: 100)
        #expect(machine.failed(now: 10) == .flush)
        #expect(machine.writeBlocked(now: 20) == .waitForWritable)
        #expect(machine.state == .writing(since: 10, then: .close))
        #expect(machine.streamDataQueued() == .wait)
    }
}
