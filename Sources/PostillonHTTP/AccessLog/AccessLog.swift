#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The access log: each event loop formats into its own ``AccessLogBuffer``; one writer thread
/// writes every buffer to a file descriptor every few milliseconds, or sooner when one fills up.
///
/// The loops never wait for the write, never share a lock with each other, and never format dates
/// per line (the timestamp text is cached per second and buffer).
package final class AccessLog: Sendable {
    private struct State {
        var buffers: [AccessLogBuffer] = []
        var stopping = false
        var pendingWake = false
        var running = false
    }

    private let fd: Int32
    private let format: AccessLogFormat
    private let intervalMillis: Int64
    private let flushBytes: Int
    private let maxBytes: Int
    private let lock = ConditionLock()
    private let state = Mutex(State())
    private let done = ConditionLock()
    private let finished = Mutex(false)

    /// - Parameters:
    ///   - fd: where lines go (standard error by default); not closed here.
    ///   - intervalMillis: the longest a line waits before it is written.
    ///   - flushBytes: a buffer this full wakes the writer at once.
    ///   - maxBytes: a buffer this full drops further lines until written (counted, reported).
    package init(format: AccessLogFormat, fd: Int32 = 2, intervalMillis: Int64 = 5, flushBytes: Int = 64 * 1024,
                 maxBytes: Int = 4 * 1024 * 1024) {
        self.fd = fd
        self.format = format
        self.intervalMillis = intervalMillis
        self.flushBytes = flushBytes
        self.maxBytes = maxBytes
    }

    /// A new buffer for one event loop, written by this log's thread.
    package func makeBuffer() -> AccessLogBuffer {
        let buffer = AccessLogBuffer(format: format, flushBytes: flushBytes, maxBytes: maxBytes) { [self] in wake() }
        state.withLock { $0.buffers.append(buffer) }
        return buffer
    }

    /// Starts the writer thread.
    package func start() {
        let alreadyRunning = state.withLock { state -> Bool in
            defer { state.running = true }
            return state.running
        }
        guard !alreadyRunning else { return }
        let context = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            let log = Unmanaged<AccessLog>.fromOpaque(argument!).takeRetainedValue()
            log.run()
            return nil
        }, context)
        if result == 0 {
            pthread_detach(thread)
        } else {
            // No thread: lines are written by `stop()` only; better than losing them.
            Unmanaged<AccessLog>.fromOpaque(context).release()
            finished.withLock { $0 = true }
        }
    }

    /// Writes what is queued, ends the writer thread and waits for it (at most about a second).
    package func stop() {
        let wasRunning = state.withLock { state -> Bool in
            state.stopping = true
            return state.running
        }
        lock.withLock { lock.signal() }
        if wasRunning {
            let deadline = MonotonicClock.nowMillis() + 1000
            done.withLock {
                while !finished.withLock({ $0 }) {
                    if !done.wait(untilMillis: deadline) { break }
                }
            }
        }
        flushAll()
    }

    /// Writes every buffer now (the writer thread's work; also used by `stop`); returns the bytes written.
    @discardableResult
    package func flushAll() -> Int {
        let buffers = state.withLock { $0.buffers }
        var total = 0
        for buffer in buffers {
            let dropped = buffer.take { bytes in
                total += bytes.count
                writeAll(bytes)
            }
            if dropped > 0 {
                writeAll(Array("access log: \(dropped) lines dropped (the log output could not keep up)\n".utf8))
            }
        }
        return total
    }

    private func wake() {
        lock.withLock {
            state.withLock { $0.pendingWake = true }
            lock.signal()
        }
    }

    /// Flushes every `intervalMillis` while lines come in; after a round with nothing to write it
    /// waits up to 100 ms (a new line then waits at most that long), so an idle server does not
    /// wake 200 times a second. A full buffer wakes it at once either way.
    private func run() {
        var quiet = false
        while true {
            let stopping = lock.withLock { () -> Bool in
                let (stopping, woken) = state.withLock { state -> (Bool, Bool) in
                    defer { state.pendingWake = false }
                    return (state.stopping, state.pendingWake)
                }
                if !stopping && !woken { _ = lock.wait(untilMillis: MonotonicClock.nowMillis() + (quiet ? max(intervalMillis, 100) : intervalMillis)) }
                return state.withLock { $0.stopping }
            }
            quiet = flushAll() == 0
            if stopping { break }
        }
        done.withLock {
            finished.withLock { $0 = true }
            done.broadcast()
        }
    }

    private func writeAll(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return  // the log output is gone; requests go on
                }
            }
        }
    }
}
