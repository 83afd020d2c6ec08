@testable import PostillonHTTP
import Testing

/// Every connection timeout, decided from literal times (a mock clock): no sockets, no sleeps.
@Suite struct ConnectionDeadlinesTests {
    let deadlines = ConnectionDeadlines(headerMillis: 600, bodyMillis: 1000, idleMillis: 400, writeMillis: 2000)

    @Test func slowHeadIsCutStrictlyAfterTheHeaderTimeout() {
        let stage = ConnectionDeadlines.Stage.readingHead(requestStarted: 10_000)
        #expect(deadlines.verdict(stage, now: 10_300, shuttingDown: false) == .wait)
        #expect(deadlines.verdict(stage, now: 10_600, shuttingDown: false) == .wait)
        #expect(deadlines.verdict(stage, now: 10_601, shuttingDown: false) == .headTimedOut)
        #expect(deadlines.verdict(stage, now: 10_601, shuttingDown: true) == .headTimedOut, "a half-sent head is answered, not dropped")
    }

    @Test func bodyGetsTheHeaderAndTheBodyTime() {
        let stage = ConnectionDeadlines.Stage.readingBody(requestStarted: 0)
        #expect(deadlines.verdict(stage, now: 1600, shuttingDown: false) == .wait)
        #expect(deadlines.verdict(stage, now: 1601, shuttingDown: false) == .bodyTimedOut)
    }

    @Test func idleKeepAliveClosesAfterTheIdleTimeoutOrAtOnceWhenDraining() {
        let stage = ConnectionDeadlines.Stage.idle(lastActivity: 5000)
        #expect(deadlines.verdict(stage, now: 5400, shuttingDown: false) == .wait)
        #expect(deadlines.verdict(stage, now: 5401, shuttingDown: false) == .close)
        #expect(deadlines.verdict(stage, now: 5001, shuttingDown: true) == .close)
    }

    @Test func writingCutsAClientThatDoesNotRead() {
        let stage = ConnectionDeadlines.Stage.writing(outputStarted: 100)
        #expect(deadlines.verdict(stage, now: 2100, shuttingDown: true) == .wait, "pending output is not cut by draining")
        #expect(deadlines.verdict(stage, now: 2101, shuttingDown: false) == .close)
    }

    @Test func lingeringClosesAtItsDeadlineAndWorkersAreNeverSwept() {
        #expect(deadlines.verdict(.lingering(until: 700), now: 699, shuttingDown: false) == .wait)
        #expect(deadlines.verdict(.lingering(until: 700), now: 700, shuttingDown: false) == .close)
        #expect(deadlines.verdict(.inWorker, now: .max, shuttingDown: true) == .wait)
    }

    @Test func aConnectionReportsTheStageOfItsState() {
        var machine = ConnectionStateMachine(now: 42, deadlines: deadlines, maxRequests: 100)
        #expect(machine.deadlineStage == .idle(lastActivity: 42))
        machine.headStarted(now: 50)
        #expect(machine.deadlineStage == .readingHead(requestStarted: 50))
        _ = machine.failed(now: 60)
        #expect(machine.deadlineStage == .writing(outputStarted: 60), "pending output counts before reading")
        _ = machine.outputFlushed(now: 60)
        #expect(machine.deadlineStage == .lingering(until: 2060))
        var working = ConnectionStateMachine(now: 0, deadlines: deadlines, maxRequests: 100)
        _ = working.dispatchedToWorker()
        #expect(working.deadlineStage == .inWorker)
    }
}
