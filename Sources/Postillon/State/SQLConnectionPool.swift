import PostillonHTTP

/// A bounded set of connections handed out one caller at a time; broken connections are closed and
/// replaced on next use.
final class SQLConnectionPool: @unchecked Sendable {
    // Invariant: `idle`, `open` are only touched with `lock` held; a connection is used by one
    // thread at a time (taken out of `idle` while in use), which makes the class safe to share.
    private let lock = ConditionLock()
    private var idle: [any SQLConnection] = []
    private var open = 0
    private let size: Int
    private let connect: @Sendable () throws -> any SQLConnection

    init(size: Int, connect: @escaping @Sendable () throws -> any SQLConnection) {
        self.size = max(1, size)
        self.connect = connect
    }

    func withConnection<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        let connection = try checkOut()
        var healthy = true
        defer { checkIn(connection, healthy: healthy) }
        do {
            return try body(connection)
        } catch {
            healthy = connection.isHealthy
            throw error
        }
    }

    private func checkOut() throws -> any SQLConnection {
        let reuse: (any SQLConnection)? = lock.withLock {
            while idle.isEmpty && open >= size { _ = lock.wait(untilMillis: MonotonicClock.nowMillis() + 1_000) }
            if let connection = idle.popLast() { return connection }
            open += 1
            return nil
        }
        if let reuse { return reuse }
        do {
            return try connect()
        } catch {
            lock.withLock {
                open -= 1
                lock.signal()
            }
            throw error
        }
    }

    private func checkIn(_ connection: any SQLConnection, healthy: Bool) {
        lock.withLock {
            if healthy && connection.isHealthy {
                idle.append(connection)
            } else {
                open -= 1
            }
            lock.signal()
        }
    }
}
