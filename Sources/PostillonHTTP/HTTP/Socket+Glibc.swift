#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// Socket system calls used by the server, wrapped with typed errors.
enum Socket {
    /// Creates a non-blocking listening TCP socket bound to `host:port`.
    /// - Returns: the descriptor and the port actually bound (useful with port 0).
    /// - Throws: ``SystemError`` when the address is invalid or in use.
    static func listen(host: String, port: Int, backlog: Int32 = 4096) throws -> (fd: Int32, port: Int) {
        let literal = host == "localhost" ? "127.0.0.1" : host
        var storage = sockaddr_storage()
        var length: socklen_t
        let family: Int32
        if literal.contains(":") {
            family = AF_INET6
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET6, literal, &address.sin6_addr) == 1 else { throw SystemError(call: "inet_pton(\(host))", code: EINVAL) }
            withUnsafeMutableBytes(of: &storage) { raw in withUnsafeBytes(of: address) { raw.copyMemory(from: $0) } }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        } else {
            family = AF_INET
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET, literal, &address.sin_addr) == 1 else { throw SystemError(call: "inet_pton(\(host))", code: EINVAL) }
            withUnsafeMutableBytes(of: &storage) { raw in withUnsafeBytes(of: address) { raw.copyMemory(from: $0) } }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
        }
        let fd = try syscall("socket") { socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        do {
            var one: Int32 = 1
            try syscall("setsockopt(SO_REUSEADDR)") { setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) }
            _ = try withUnsafePointer(to: &storage) { pointer in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    try syscall("bind(\(host):\(port))") { bind(fd, address, length) }
                }
            }
            try syscall("listen") { Glibc.listen(fd, backlog) }
            var bound = sockaddr_storage()
            length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            _ = try withUnsafeMutablePointer(to: &bound) { pointer in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    try syscall("getsockname") { getsockname(fd, address, &length) }
                }
            }
            return (fd, portOf(bound))
        } catch {
            close(fd)
            throw error
        }
    }

    /// The port in a socket address.
    static func portOf(_ storage: sockaddr_storage) -> Int {
        var storage = storage
        let family = storage.ss_family
        return withUnsafePointer(to: &storage) { pointer in
            if family == sa_family_t(AF_INET6) {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }

    /// The IP address in a socket address as text (IPv4-mapped IPv6 shown as IPv4).
    static func addressText(_ storage: sockaddr_storage) -> String {
        var storage = storage
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = storage.ss_family
        func decoded() -> String {
            String(decoding: text.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return withUnsafePointer(to: &storage) { pointer -> String in
            if family == sa_family_t(AF_INET6) {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address -> String in
                    var raw = address.pointee.sin6_addr
                    inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count))
                    let string = decoded()
                    return string.hasPrefix("::ffff:") && string.contains(".") ? String(string.dropFirst(7)) : string
                }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address -> String in
                var raw = address.pointee.sin_addr
                inet_ntop(AF_INET, &raw, &text, socklen_t(text.count))
                return decoded()
            }
        }
    }

    /// Turns off Nagle's algorithm so small responses leave at once.
    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Writes all of `bytes` to a non-blocking socket, waiting with `poll` while the peer is slow.
    ///
    /// - Parameter deadlineMillis: monotonic deadline; passing it throws ``HTTPWriteError/timedOut``.
    /// - Throws: ``HTTPWriteError`` or ``SystemError``.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, deadlineMillis: Int64) throws {
        guard var base = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = send(fd, base, remaining, Int32(MSG_NOSIGNAL))
            if written > 0 {
                base += written
                remaining -= written
                continue
            }
            let code = errno
            switch code {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                try waitWritable(fd, deadlineMillis: deadlineMillis)
            case EPIPE, ECONNRESET, ENOTCONN, EBADF: throw HTTPWriteError.connectionClosed
            default: throw SystemError(call: "send", code: code)
            }
        }
    }

    /// Waits until `fd` is writable or the deadline passes.
    static func waitWritable(_ fd: Int32, deadlineMillis: Int64) throws {
        while true {
            let left = deadlineMillis - MonotonicClock.nowMillis()
            if left <= 0 { throw HTTPWriteError.timedOut }
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(left, 1000)))
            if ready > 0 {
                if descriptor.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 && descriptor.revents & Int16(POLLOUT) == 0 {
                    throw HTTPWriteError.connectionClosed
                }
                return
            }
            if ready < 0 && errno != EINTR { throw SystemError(call: "poll", code: errno) }
        }
    }
}
