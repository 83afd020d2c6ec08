import Synchronization
import PostillonHTTP

/// Counts failed logins per client address and per username; too many in a window gives 429.
public final class LoginRateLimiter: Sendable {
    struct Window: Sendable {
        var startMillis: Int64
        var failures: Int
    }

    private let windows = Mutex<[String: Window]>([:])
    private let windowMillis: Int64
    private let maxPerClient: Int
    private let maxPerUser: Int
    private let maxTracked = 100_000
    private let clock: @Sendable () -> Int64

    /// Creates a limiter.
    public init(windowSeconds: Int = 300, maxPerClient: Int = 20, maxPerUser: Int = 10,
                clock: @escaping @Sendable () -> Int64 = { MonotonicClock.nowMillis() }) {
        windowMillis = Int64(windowSeconds) * 1000
        self.maxPerClient = maxPerClient
        self.maxPerUser = maxPerUser
        self.clock = clock
    }

    /// Seconds to wait before another attempt is allowed, or nil when allowed now.
    public func retryAfter(client: String, username: String) -> Int? {
        let now = clock()
        return windows.withLock { windows in
            var wait: Int64 = 0
            for (key, limit) in [("c:" + client, maxPerClient), ("u:" + username.lowercased(), maxPerUser)] {
                if let window = windows[key], now - window.startMillis < windowMillis, window.failures >= limit {
                    wait = max(wait, window.startMillis + windowMillis - now)
                }
            }
            return wait > 0 ? Int((wait + 999) / 1000) : nil
        }
    }

    /// Records a failed login.
    public func recordFailure(client: String, username: String) {
        let now = clock()
        windows.withLock { windows in
            if windows.count >= maxTracked {
                windows = windows.filter { now - $0.value.startMillis < windowMillis }
                if windows.count >= maxTracked { windows.removeAll() }
            }
            for key in ["c:" + client, "u:" + username.lowercased()] {
                if var window = windows[key], now - window.startMillis < windowMillis {
                    window.failures += 1
                    windows[key] = window
                } else {
                    windows[key] = Window(startMillis: now, failures: 1)
                }
            }
        }
    }

    /// Clears the username's failures after a successful login.
    public func recordSuccess(username: String) {
        _ = windows.withLock { $0.removeValue(forKey: "u:" + username.lowercased()) }
    }
}
