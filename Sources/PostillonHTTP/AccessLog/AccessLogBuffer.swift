#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// One event loop's access-log lines waiting for the writer thread.
///
/// Only the loop and the workers serving its connections append here, so the lock is nearly never
/// contended; the writer takes the bytes with one swap. Bounded: when the writer cannot keep up
/// (standard error blocked), lines beyond `maxBytes` are dropped and counted, never queued.
package final class AccessLogBuffer: Sendable {
    private struct State {
        var bytes: [UInt8] = []
        var spare: [UInt8] = []
        var second = -1
        var timestamp: [UInt8] = []
        var dropped = 0
    }

    private let state = Mutex(State())
    private let format: AccessLogFormat
    private let maxBytes: Int
    private let flushBytes: Int
    private let onFull: @Sendable () -> Void

    /// - Parameters:
    ///   - flushBytes: at this size the writer is woken early (`onFull`).
    ///   - maxBytes: beyond this size new lines are dropped.
    package init(format: AccessLogFormat, flushBytes: Int, maxBytes: Int, onFull: @escaping @Sendable () -> Void) {
        self.format = format
        self.flushBytes = flushBytes
        self.maxBytes = maxBytes
        self.onFull = onFull
    }

    /// Formats and queues one line; `epochSeconds` picks the (cached) timestamp.
    package func append(_ entry: AccessLogEntry, epochSeconds: Int) {
        let format = self.format
        let wake = state.withLock { state -> Bool in
            guard state.bytes.count < maxBytes else {
                state.dropped += 1
                return false
            }
            if epochSeconds != state.second {
                state.second = epochSeconds
                state.timestamp = AccessLogLine.timestamp(epochSeconds: epochSeconds)
            }
            let before = state.bytes.count
            AccessLogLine.append(entry, timestamp: state.timestamp, format: format, to: &state.bytes)
            return before < flushBytes && state.bytes.count >= flushBytes
        }
        if wake { onFull() }
    }

    /// Formats and queues one line stamped with the current wall-clock second.
    package func append(_ entry: AccessLogEntry) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        append(entry, epochSeconds: Int(now.tv_sec))
    }

    /// Takes the queued bytes (and how many lines were dropped since the last call), leaving the
    /// previous buffer's capacity behind for the next lines. `give` returns the taken array for reuse.
    package func take(_ body: (inout [UInt8]) -> Void) -> Int {
        var taken: [UInt8] = []
        let dropped = state.withLock { state -> Int in
            swap(&taken, &state.bytes)
            swap(&state.bytes, &state.spare)
            let dropped = state.dropped
            state.dropped = 0
            return dropped
        }
        body(&taken)
        taken.removeAll(keepingCapacity: taken.capacity <= 4 * flushBytes)
        state.withLock { state in
            if state.spare.capacity < taken.capacity { swap(&state.spare, &taken) }
        }
        return dropped
    }
}
