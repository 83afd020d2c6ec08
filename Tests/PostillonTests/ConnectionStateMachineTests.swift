@testable import PostillonHTTP
import Testing

/// A connection's lifecycle driven from literals: events in, actions out, a mock clock (`now`).
/// No sockets and no sleeps; the socket-level behaviour is HTTPConnectionTests' job.
@Suite struct ConnectionStateMachineTests {
    typealias Machine = ConnectionStateMachine
    static let deadlines = ConnectionDeadlines(headerMillis: 600, bodyMillis: 1000, idleMillis: 400, writeMillis: 2000)

    static func make(now: Int64 = 1000, maxRequests: Int = 100) -> Machine {
        Machine(now: now, deadlines: deadlines, maxRequests: maxRequests)
    }

    /// A machine that parsed a head at `now` and is reading its body.
    static func readingBody(now: Int64 = 1000) -> Machine {
        var machine = make(now: now)
        machine.headStarted(now: now)
        #expect(machine.headParsed(now: now, hasBody: true, expectsContinue: false, bodyBytesBuffered: false) == .parse)
        return machine
    }

    // MARK: Reading the head

    @Test func aNewConnectionParsesThenReadsThenWaitsForBytes() {
        var machine = Self.make()
        #expect(machine.state == .idle)
        #expect(machine.socketEvent(readable: true) == .parse)
        #expect(machine.needMoreBytes() == .read, "nothing buffered yet: read the socket")
        #expect(machine.readFinished(now: 1010, received: 30, end: .drained) == .parse)
        #expect(machine.lastActivity == 1010)
        machine.headStarted(now: 1010)
        #expect(machine.state == .readingHead(requestStarted: 1010))
        #expect(machine.needMoreBytes() == .waitForReadable, "the socket is drained: wait for epoll, do not read again")
        #expect(machine.socketEvent(readable: true) == .parse, "an edge event opens the input again")
        #expect(machine.needMoreBytes() == .read)
    }

    @Test func theHeadDeadlineCountsFromItsFirstParsedByteNotFromLaterOnes() {
        var machine = Self.make(now: 0)
        machine.headStarted(now: 100)
        machine.headStarted(now: 500)
        #expect(machine.state == .readingHead(requestStarted: 100))
        #expect(machine.tick(now: 700, shuttingDown: false) == .wait)
        #expect(machine.tick(now: 701, shuttingDown: false) == .answerTimeout(.head))
    }

    @Test func aSlowHeadIsAnswered408ThenWrittenThenLingeredThenClosed() {
        var machine = Self.make(now: 0)
        machine.headStarted(now: 0)
        #expect(machine.tick(now: 601, shuttingDown: false) == .answerTimeout(.head))
        // The shell queued the 408.
        #expect(machine.failed(now: 601) == .flush)
        #expect(machine.state == .writing(since: 601, then: .close))
        #expect(machine.outputFlushed(now: 602) == .lingerClose)
        #expect(machine.state == .lingering(until: 602 + Machine.lingerMillis))
        #expect(machine.resume() == .discardInput)
        #expect(machine.readFinished(now: 603, received: 100, end: .drained) == .wait, "input is dropped until EOF")
        #expect(machine.readFinished(now: 604, received: 0, end: .closed) == .close)
        #expect(machine.state == .closed)
    }

    @Test func aBadHead431Or400IsWrittenThenTheConnectionLingers() {
        var machine = Self.make()
        machine.headStarted(now: 1000)
        // The parser failed; the shell queued its problem (400, 414, 431...).
        #expect(machine.failed(now: 1001) == .flush)
        #expect(machine.writeBlocked(now: 1001) == .waitForWritable)
        #expect(machine.socketEvent(readable: false) == .flush, "writable again: write the rest")
        #expect(machine.outputFlushed(now: 1002) == .lingerClose)
    }

    @Test func eofBeforeARequestCloses() {
        var machine = Self.make()
        #expect(machine.readFinished(now: 1000, received: 0, end: .closed) == .close)
        #expect(machine.state == .closed)
        #expect(machine.tick(now: .max, shuttingDown: true) == .wait, "a closed connection has no deadline")
        #expect(machine.socketEvent(readable: true) == .wait)
    }

    @Test func bytesThenEofAreParsedBeforeTheConnectionCloses() {
        var machine = Self.make()
        #expect(machine.readFinished(now: 1000, received: 40, end: .closed) == .parse)
        #expect(machine.input == .closed)
        #expect(machine.peerHasLeft(unparsedBytes: 0))
        #expect(!machine.peerHasLeft(unparsedBytes: 1), "pipelined bytes are still to be answered")
        machine.headStarted(now: 1000)
        #expect(machine.needMoreBytes() == .close, "a head cut by EOF can never complete")
    }

    @Test func aFullBufferWaitsWithoutMarkingTheSocketDrained() {
        var machine = Self.make()
        #expect(machine.readFinished(now: 1000, received: 0, end: .full) == .waitForReadable)
        #expect(machine.input == .open)
    }

    // MARK: Reading the body, 100-continue

    @Test func aHeadWithoutBodyGoesStraightToItsRequest() {
        var machine = Self.make()
        machine.headStarted(now: 1000)
        #expect(machine.headParsed(now: 1005, hasBody: false, expectsContinue: true, bodyBytesBuffered: false) == .parse)
        #expect(machine.state == .readingBody(requestStarted: 1000), "no 100 Continue without a body")
    }

    @Test func expectContinueGets100BeforeTheBodyAndKeepsTheRequestsStart() {
        var machine = Self.make()
        machine.headStarted(now: 1000)
        #expect(machine.headParsed(now: 1010, hasBody: true, expectsContinue: true, bodyBytesBuffered: false) == .sendContinue)
        #expect(machine.state == .writing(since: 1010, then: .body(requestStarted: 1000)))
        #expect(machine.outputFlushed(now: 1011) == .parse)
        #expect(machine.state == .readingBody(requestStarted: 1000))
    }

    @Test func expectContinueWithTheBodyAlreadyHereSkipsThe100() {
        var machine = Self.make()
        machine.headStarted(now: 1000)
        #expect(machine.headParsed(now: 1000, hasBody: true, expectsContinue: true, bodyBytesBuffered: true) == .parse)
    }

    @Test func aSlowBodyGetsTheHeaderAndTheBodyTimeThen408() {
        var machine = Self.readingBody(now: 0)
        #expect(machine.needMoreBytes() == .read)
        #expect(machine.readFinished(now: 1000, received: 10, end: .drained) == .parse)
        #expect(machine.tick(now: 1600, shuttingDown: false) == .wait)
        #expect(machine.tick(now: 1601, shuttingDown: true) == .answerTimeout(.body), "a half-sent body is answered, not dropped")
    }

    @Test func aBodyOverItsLimitIsAnswered413AndClosed() {
        var machine = Self.readingBody()
        // The chunked decoder (or the announced length) exceeded the route's limit; the shell queued 413.
        #expect(machine.failed(now: 1002) == .flush)
        #expect(machine.outputFlushed(now: 1003) == .lingerClose)
    }

    // MARK: Writing an inline response, keep-alive, pipelining

    @Test func anInlineResponseIsWrittenThenTheNextPipelinedRequestIsParsed() {
        var machine = Self.readingBody()
        #expect(machine.respondedInline(now: 1001, keepAlive: true) == .flush)
        #expect(machine.requestsServed == 1)
        #expect(machine.state == .writing(since: 1001, then: .nextRequest))
        #expect(machine.drain(unparsedBytes: 0) == .wait, "a response being written is not cut by draining")
        #expect(machine.outputFlushed(now: 1002) == .parse, "pipelined bytes wait in the buffer until the response is out")
        #expect(machine.state == .idle)
    }

    @Test func aResponseTheClientDoesNotReadIsCutAtTheWriteDeadline() {
        var machine = Self.readingBody(now: 0)
        #expect(machine.respondedInline(now: 100, keepAlive: true) == .flush)
        #expect(machine.writeBlocked(now: 1001) == .waitForWritable)
        #expect(machine.tick(now: 2100, shuttingDown: false) == .wait)
        #expect(machine.tick(now: 2101, shuttingDown: false) == .close)
        #expect(machine.state == .closed)
    }

    @Test func aFailedWriteCloses() {
        var machine = Self.readingBody()
        _ = machine.respondedInline(now: 1001, keepAlive: true)
        #expect(machine.writeFailed() == .close)
        #expect(machine.state == .closed)
        #expect(machine.input == .closed)
    }

    @Test func aConnectionCloseResponseLingersAfterItIsWritten() {
        var machine = Self.readingBody()
        _ = machine.respondedInline(now: 1001, keepAlive: false)
        #expect(machine.outputFlushed(now: 1500) == .lingerClose)
        #expect(machine.tick(now: 3499, shuttingDown: false) == .wait)
        #expect(machine.tick(now: 3500, shuttingDown: false) == .close)
    }

    @Test func theRequestLimitEndsKeepAlive() {
        var machine = Self.make(maxRequests: 3)
        #expect(machine.mayKeepAlive)
        _ = machine.dispatchedToWorker()
        _ = machine.workerFinished(now: 1001, mustClose: false)
        #expect(machine.mayKeepAlive)
        _ = machine.respondedInline(now: 1002, keepAlive: true)
        #expect(machine.requestsServed == 2)
        #expect(!machine.mayKeepAlive, "the third request is the last")
    }

    // MARK: Idle keep-alive

    @Test func anIdleKeepAliveConnectionClosesAfterTheIdleTimeoutFromItsLastActivity() {
        var machine = Self.readingBody(now: 0)
        _ = machine.respondedInline(now: 10, keepAlive: true)
        _ = machine.outputFlushed(now: 10)
        #expect(machine.readFinished(now: 300, received: 0, end: .drained) == .waitForReadable)
        #expect(machine.lastActivity == 0, "an empty read is no activity")
        #expect(machine.tick(now: 400, shuttingDown: false) == .wait)
        #expect(machine.tick(now: 401, shuttingDown: false) == .close)
    }

    // MARK: Workers and streaming with backpressure

    @Test func aWorkerOwnsTheSocketUntilItGivesTheConnectionBack() {
        var machine = Self.readingBody(now: 0)
        #expect(machine.dispatchedToWorker() == .waitForWorker)
        #expect(machine.isInWorker)
        // A stream may take long: the worker's writes have their own deadlines, the sweep sets none.
        #expect(machine.tick(now: 1_000_000, shuttingDown: true) == .wait)
        // Pipelined bytes arriving meanwhile stay queued in the buffer: nothing is parsed.
        #expect(machine.socketEvent(readable: true) == .waitForWorker)
        #expect(machine.drain(unparsedBytes: 0) == .wait, "draining lets the in-flight request finish")
        #expect(machine.workerFinished(now: 5000, mustClose: false) == .parse, "then the queued request is parsed")
        #expect(machine.state == .idle)
        #expect(machine.lastActivity == 5000, "the idle deadline counts from the worker's return")
        #expect(machine.requestsServed == 1)
    }

    @Test func anAbortedStreamOrAConnectionCloseResponseLingersAfterTheWorker() {
        var machine = Self.readingBody()
        _ = machine.dispatchedToWorker()
        #expect(machine.workerFinished(now: 2000, mustClose: true) == .lingerClose)
        #expect(machine.state == .lingering(until: 2000 + Machine.lingerMillis))
        #expect(machine.requestsServed == 1)
    }

    @Test func aBusyPoolIsAnswered503AndCloses() {
        var machine = Self.readingBody()
        // The pool refused the request; the shell queued 503.
        #expect(machine.failed(now: 1001) == .flush)
        #expect(machine.requestsServed == 0)
        #expect(machine.outputFlushed(now: 1002) == .lingerClose)
    }

    // MARK: Draining and terminating

    @Test func drainingClosesOnlyConnectionsBetweenRequestsWithNothingBuffered() {
        var idle = Self.make()
        #expect(idle.drain(unparsedBytes: 0) == .close)
        #expect(idle.state == .closed)

        var pipelined = Self.make()
        #expect(pipelined.drain(unparsedBytes: 12) == .wait, "buffered bytes are a request to answer")

        var reading = Self.make()
        reading.headStarted(now: 1000)
        #expect(reading.drain(unparsedBytes: 0) == .wait)
        #expect(reading.tick(now: 1200, shuttingDown: true) == .wait, "a head in progress keeps its own deadline")

        var quiet = Self.make(now: 1000)
        #expect(quiet.tick(now: 1001, shuttingDown: true) == .close, "an idle connection closes at the next sweep while draining")
    }

    @Test func terminatingShutsAWorkersSocketAndClosesTheRest() {
        var working = Self.readingBody()
        _ = working.dispatchedToWorker()
        #expect(working.terminate() == .shutdownSocket)
        #expect(working.isInWorker, "the worker still owns it until it gives it back")
        #expect(working.workerFinished(now: 1500, mustClose: true) == .lingerClose)

        var writing = Self.readingBody()
        _ = writing.respondedInline(now: 1001, keepAlive: true)
        #expect(writing.terminate() == .close)
    }

    // MARK: Lingering

    @Test func lingeringDiscardsInputUntilEofOrItsDeadline() {
        var machine = Self.readingBody(now: 0)
        _ = machine.respondedInline(now: 0, keepAlive: false)
        #expect(machine.outputFlushed(now: 0) == .lingerClose)
        #expect(machine.readFinished(now: 5, received: 0, end: .drained) == .wait)
        #expect(machine.socketEvent(readable: true) == .discardInput)
        #expect(machine.readFinished(now: 6, received: 4096, end: .drained) == .wait)
        #expect(machine.tick(now: 1999, shuttingDown: false) == .wait)
        #expect(machine.tick(now: 2000, shuttingDown: false) == .close)
    }
}
