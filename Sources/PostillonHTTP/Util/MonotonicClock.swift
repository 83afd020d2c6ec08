#if canImport(Glibc)
import Glibc
#endif

/// Milliseconds on the monotonic clock: deadlines that do not jump with the wall clock.
package enum MonotonicClock {
    /// The current monotonic time in milliseconds.
    @inline(__always)
    package static func nowMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// The current monotonic time in nanoseconds, for durations in logs and benchmarks.
    @inline(__always)
    package static func nowNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
