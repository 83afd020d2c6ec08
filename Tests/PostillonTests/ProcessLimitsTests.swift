import Foundation
import Postillon
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The real `postillon` binary under a tiny open-file limit: running out of descriptors must
/// neither crash it nor make it spin, and it must serve again once descriptors are free.
@Suite(.serialized) struct ProcessLimitsTests {
    static let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/postillon").path

    /// CPU ticks (user + system) a process has used.
    func cpuTicks(_ pid: Int32) -> Int {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return -1 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary) && FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit")))
    func runningOutOfFileDescriptorsNeitherCrashesNorSpins() throws {
        let port = 18_300 + Int.random(in: 0..<90)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
        process.arguments = ["--nofile=64:64", Self.binary, "--listen", "127.0.0.1:\(port)", "--max-connections", "1000",
                             "--log-level", "error", "--access-log", "false", "--public-dir", NSTemporaryDirectory()]
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        var clients: [RawSocket] = []
        let deadline = Date().addingTimeInterval(5)
        while clients.isEmpty && Date() < deadline {
            if let socket = RawSocket(port: port) { clients.append(socket) } else { usleep(50_000) }
        }
        for _ in 0..<99 { if let socket = RawSocket(port: port) { clients.append(socket) } }
        #expect(clients.count == 100, "connections queue in the backlog even when the server cannot accept them")
        usleep(300_000)
        let before = cpuTicks(process.processIdentifier)
        usleep(1_000_000)
        let used = cpuTicks(process.processIdentifier) - before
        #expect(process.isRunning)
        #expect(used >= 0 && used < 30, "the server spun while out of descriptors: \(used) ticks in 1 s")
        clients.removeAll()
        usleep(300_000)
        let probe = try #require(RawSocket(port: port))
        #expect(probe.request("GET /api/v1/health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").hasPrefix("HTTP/1.1 200"))
    }
}

/// A minimal blocking client socket that closes itself.
final class RawSocket {
    let fd: Int32

    init?(port: Int) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if result != 0 {
            close(fd)
            return nil
        }
        var timeout = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Sends a request and returns what arrives until the server closes (or the timeout).
    func request(_ text: String) -> String {
        _ = Array(text.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }
}
