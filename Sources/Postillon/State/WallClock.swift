#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock time in milliseconds since 1970: stored times outlive the process and are compared
/// across replicas, so they cannot use the monotonic clock.
package enum WallClock {
    /// Now, in milliseconds since the Unix epoch.
    package static func nowMillis() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
