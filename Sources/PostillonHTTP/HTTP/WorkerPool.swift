import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// A fixed set of threads that run request handlers, which may block on upstream I/O (libcurl).
///
/// Jobs wait in a bounded FIFO queue; ``submit(_:)`` refuses new work when the queue is full so
/// the server can answer 503 instead of piling up requests.
///
/// Sendable: the queue and counters are only touched under `lock`; `threads` only in `init` and the single `stop` call.
final class WorkerPool: @unchecked Sendable {
    typealias Job = @Sendable () -> Void

    private let lock = ConditionLock()
    private var queue: [Job?] = []
    private var head = 0
    private var stopping = false
    private var threadsRunning = 0
    private var busy = 0
    private let maxQueued: Int

    /// The threads, joined by ``stop(deadlineMillis:)`` so none is still exiting afterwards.
    private var threads: [pthread_t] = []

    /// Starts `threads` worker threads with room for `maxQueued` waiting jobs.
    init(threads count: Int, maxQueued: Int, name: String = "postillon-w") {
        self.maxQueued = maxQueued
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setstacksize(&attributes, 1 << 20)
        defer { pthread_attr_destroy(&attributes) }
        for index in 0..<count {
            var thread = pthread_t()
            lock.withLock { threadsRunning += 1 }
            let context = Unmanaged.passRetained(self).toOpaque()
            let result = pthread_create(&thread, &attributes, { argument in
                let pool = Unmanaged<WorkerPool>.fromOpaque(argument!).takeRetainedValue()
                pool.work()
                return nil
            }, context)
            guard result == 0 else {
                Unmanaged<WorkerPool>.fromOpaque(context).release()
                lock.withLock { threadsRunning -= 1 }
                continue
            }
            clinux_set_thread_name(thread, String("\(name)-\(index)".prefix(15)))
            threads.append(thread)
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

    /// Threads running a job and jobs waiting, read together (for gauges).
    var load: (busy: Int, queued: Int) { lock.withLock { (busy, queue.count - head) } }

    /// Lets queued jobs finish, then ends the threads; waits at most until `deadlineMillis`.
    func stop(deadlineMillis: Int64) {
        let finished = lock.withLock {
            stopping = true
            lock.broadcast()
            while threadsRunning > 0 {
                if !lock.wait(untilMillis: deadlineMillis) { break }
            }
            return threadsRunning == 0
        }
        // Join, so thread-local destructors (OpenSSL's among them) have run before anyone exits;
        // threads still busy past the deadline are left to the process's end.
        let threads = self.threads
        self.threads = []
        for thread in threads {
            if finished { pthread_join(thread, nil) } else { pthread_detach(thread) }
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
                busy += 1
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
            lock.withLock { busy -= 1 }
        }
    }
}
