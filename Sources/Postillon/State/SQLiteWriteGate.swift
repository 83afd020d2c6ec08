import PostillonHTTP

/// Lets one of a process's SQLite connections write at a time, so writers queue here, in order and
/// without delay, instead of inside SQLite.
///
/// SQLite allows one writer per database file. Without the gate, a connection that finds another
/// one writing gets `SQLITE_BUSY` and its busy handler sleeps (1, 2, 5, 10 … ms) before trying
/// again, often long after the lock was free: with four clients sending with an `Idempotency-Key`
/// (a claim and a finish, two writes per send) that sleeping cost keyed sends about 40 % of their
/// throughput (issue 17). Reads (`SELECT`) never take the gate: in WAL mode they run beside the writer.
/// Other processes on the same file still meet SQLite's busy timeout.
///
/// Held across calls (from `BEGIN` to `COMMIT`/`ROLLBACK`), so it is a binary semaphore on a
/// condition variable rather than a scoped mutex. Sendable: `held` is only touched under `lock`.
final class SQLiteWriteGate: @unchecked Sendable {
    private let lock = ConditionLock()
    private var held = false

    /// Waits until no other connection writes, then holds the gate.
    func enter() {
        lock.withLock {
            while held { lock.wait() }
            held = true
        }
    }

    /// Releases the gate for the next writer.
    func leave() {
        lock.withLock {
            held = false
            lock.signal()
        }
    }
}
