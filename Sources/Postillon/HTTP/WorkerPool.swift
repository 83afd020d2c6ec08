import Foundation

/// A fixed set of threads that run request handlers, which may block on upstream I/O (libcurl).
///
/// Jobs wait in a bounded FIFO queue; ``submit(_:)`` refuses new work when the queue is full so
/// the server can answer 503 instead of piling up requests.
final class WorkerPool: @unchecked Sendable {
    typealias Job = @Sendable () -> Void

    private let lock = ConditionLock()
    private var queue: [Job?] = []
    private var head = 0
    private var stopping = false
    private var threadsRunning = 0
    private let maxQueued: Int

    /// Starts `threads` worker threads with room for `maxQueued` waiting jobs.
    init(threads: Int, maxQueued: Int, name: String = "postillon-worker") {
        self.maxQueued = maxQueued
        for index in 0..<threads {
            let thread = Thread { [self] in self.work() }
            thread.name = "\(name)-\(index)"
            thread.stackSize = 1 << 20
            lock.withLock { threadsRunning += 1 }
            thread.start()
        }
    }

    /// Queues a job; returns false when the queue is full or the pool is stopping.
    func submit(_ job: @escaping Job) -> Bool {
        lock.withLock {
            if stopping || queue.count - head >= maxQueued { return false }
            queue.append(job)
            lock.signal()
            return true
        }
    }

    /// The number of jobs waiting for a thread.
    var queuedCount: Int { lock.withLock { queue.count - head } }

    /// Lets queued jobs finish, then ends the threads; waits at most until `deadlineMillis`.
    func stop(deadlineMillis: Int64) {
        lock.withLock {
            stopping = true
            lock.broadcast()
            while threadsRunning > 0 {
                if !lock.wait(untilMillis: deadlineMillis) { break }
            }
        }
    }

    private func work() {
        while true {
            let job: Job? = lock.withLock {
                while head == queue.count && !stopping { lock.wait() }
                if head == queue.count {
                    threadsRunning -= 1
                    lock.broadcast()
                    return nil
                }
                let next = queue[head]
                queue[head] = nil
                head += 1
                if head > 1024 && head * 2 > queue.count {
                    queue.removeFirst(head)
                    head = 0
                }
                return next
            }
            guard let job else { return }
            job()
        }
    }
}
