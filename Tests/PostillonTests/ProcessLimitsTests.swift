import Foundation
import Postillon
import PostillonTestSupport
import Testing

#if canImport(Glibc)
import Glibc
import PostillonHTTP
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

    /// A loopback port nothing listens on right now (the kernel's choice for port 0).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw SystemError(call: "bind", code: errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary) && FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit")))
    func runningOutOfFileDescriptorsNeitherCrashesNorSpins() throws {
        let port = try Self.freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
        process.arguments = ["--nofile=64:64", Self.binary, "--listen", "127.0.0.1:\(port)", "--max-connections", "1000",
                             "--log-level", "error", "--access-log", "false", "--public-dir", NSTemporaryDirectory()]
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        var clients: [RawClient] = []
        let deadline = Date().addingTimeInterval(5)
        while clients.isEmpty && Date() < deadline {
            if let client = try? RawClient(port: port) { clients.append(client) } else { usleep(50_000) }
        }
        for _ in 0..<99 { if let client = try? RawClient(port: port) { clients.append(client) } }
        #expect(clients.count == 100, "connections queue in the backlog even when the server cannot accept them")
        usleep(300_000)
        let before = cpuTicks(process.processIdentifier)
        usleep(1_000_000)
        let used = cpuTicks(process.processIdentifier) - before
        #expect(process.isRunning)
        #expect(used >= 0 && used < 30, "the server spun while out of descriptors: \(used) ticks in 1 s")
        clients.removeAll()
        usleep(300_000)
        let probe = try RawClient(port: port)
        probe.send("GET /api/v1/health HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(probe.readResponse()?.status == 200)
    }
}
