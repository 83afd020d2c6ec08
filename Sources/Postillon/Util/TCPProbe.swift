#if canImport(Glibc)
import Glibc
#endif
import CLinux
import PostillonHTTP

/// Checks whether a TCP server accepts connections, within a deadline.
public enum TCPProbe {
    /// Connects to `host:port` and closes again.
    /// - Returns: nil when a connection was accepted, otherwise why not.
    public static func check(host: String, port: Int, timeoutMillis: Int) -> String? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            return "cannot resolve \(host): \(String(decoding: UnsafeRawBufferPointer(start: gai_strerror(status), count: strlen(gai_strerror(status))), as: UTF8.self))"
        }
        defer { freeaddrinfo(list) }
        let deadline = MonotonicClock.nowMillis() + Int64(timeoutMillis)
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            if fd < 0 { continue }
            defer { close(fd) }
            if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return nil }
            guard errno == EINPROGRESS else {
                lastError = SystemError(call: "connect", code: errno).description
                continue
            }
            let left = max(0, deadline - MonotonicClock.nowMillis())
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&descriptor, 1, Int32(left))
            if ready <= 0 {
                lastError = "timed out after \(timeoutMillis) ms"
                continue
            }
            var code: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length)
            if code == 0 { return nil }
            lastError = SystemError(call: "connect", code: code).description
        }
        return lastError
    }
}
