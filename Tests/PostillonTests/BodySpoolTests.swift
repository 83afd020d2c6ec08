import Foundation
#if canImport(Glibc)
import Glibc
#endif
import PostillonTestSupport
import Testing
@testable import PostillonHTTP

/// Large bodies of routes that opt in (`spoolBodyOver`) go to a nameless temporary file while they
/// arrive, reach the handler intact, and leave nothing behind (issue 11, item 2).
@Suite(.serialized) struct BodySpoolTests {
    /// A fresh spool directory for one test.
    final class SpoolDirectory: Sendable {
        let path: String

        init() throws {
            path = NSTemporaryDirectory() + "postillon-spool-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }

        /// Names in the directory (a spool file must never have one that outlives its creation).
        var entries: [String] { (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] }

        /// This process's open descriptors on files in the directory (nameless files show as
        /// `<dir>/#inode (deleted)`): a spool file exists exactly while one is open.
        var openFiles: Int {
            let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            return descriptors.filter { name in
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + name) else { return false }
                return target.hasPrefix(path + "/")
            }.count
        }

        /// Waits up to `millis` for `condition`.
        func wait(millis: Int = 2000, until condition: () -> Bool) -> Bool {
            for _ in 0..<(millis / 10) {
                if condition() { return true }
                usleep(10_000)
            }
            return condition()
        }
    }

    /// FNV-1a over `bytes`, to compare a large body without echoing it.
    static func checksum(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    static func body(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }

    /// A server whose `/upload` spools bodies over 1 MiB into `directory` and answers
    /// "file|memory <count> <checksum> <open spool files while the handler ran>".
    func makeServer(_ directory: SpoolDirectory) throws -> TestServer {
        try TestServer(configure: { $0.bodySpoolDirectory = directory.path }, routes: [
            Route(.POST, "/upload", maxBodyBytes: 8 << 20, spoolBodyOver: 1 << 20) { context in
                let request = context.request
                let bytes = try request.bodyBytes()
                let kind = request.spooledBody == nil ? "memory" : "file"
                let text = "\(kind) \(request.bodyCount) \(Self.checksum(bytes)) \(directory.openFiles)"
                return HTTPResponse(contentType: "text/plain", bytes: Array(text.utf8))
            },
        ])
    }

    @Test func contentLengthBodyOverTheThresholdReachesTheHandlerFromAFile() throws {
        let directory = try SpoolDirectory()
        let server = try makeServer(directory)
        defer { server.stop() }
        let body = Self.body(3 << 20)
        let client = try RawClient(port: server.port)
        client.send(Array("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
        let response = try #require(client.readResponse())
        #expect(response.text == "file \(body.count) \(Self.checksum(body)) 1")
        #expect(directory.wait { directory.openFiles == 0 }, "the spool file is closed once the request is done")
        #expect(directory.entries.isEmpty)

        // The same connection serves a small body from memory afterwards.
        let small = Self.body(100_000)
        client.send(Array("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: \(small.count)\r\n\r\n".utf8) + small)
        #expect(client.readResponse()?.text == "memory \(small.count) \(Self.checksum(small)) 0")
    }

    @Test func chunkedBodyOverTheThresholdReachesTheHandlerFromAFile() throws {
        let directory = try SpoolDirectory()
        let server = try makeServer(directory)
        defer { server.stop() }
        let body = Self.body(3 << 20)
        let client = try RawClient(port: server.port)
        client.send("POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        var offset = 0
        var size = 1
        while offset < body.count {
            // Chunk sizes from 1 byte to 96 KiB, so chunk boundaries fall everywhere.
            let length = min(size, body.count - offset)
            client.send(Array("\(String(length, radix: 16))\r\n".utf8) + body[offset..<offset + length] + [13, 10])
            offset += length
            size = size * 3 % 98_304 + 1
        }
        client.send("0\r\n\r\n")
        let response = try #require(client.readResponse())
        #expect(response.text == "file \(body.count) \(Self.checksum(body)) 1")
        #expect(directory.wait { directory.openFiles == 0 })
        #expect(directory.entries.isEmpty)
    }

    @Test func clientThatDisconnectsMidBodyLeavesNoFile() throws {
        let directory = try SpoolDirectory()
        let server = try makeServer(directory)
        defer { server.stop() }
        for chunked in [false, true] {
            let client = try RawClient(port: server.port)
            let part = Self.body(1_500_000)
            if chunked {
                client.send(Array("POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n\(String(part.count, radix: 16))\r\n".utf8) + part)
            } else {
                client.send(Array("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 4000000\r\n\r\n".utf8) + part)
            }
            // The body is being spooled: the file exists (open, nameless) while the upload lasts ...
            #expect(directory.wait { directory.openFiles == 1 }, "spooling started (chunked: \(chunked))")
            #expect(directory.entries.isEmpty, "the file never has a name")
            // ... and goes with the connection.
            shutdown(client.fd, Int32(SHUT_RDWR))
            #expect(directory.wait { directory.openFiles == 0 }, "no spool file left after a disconnect (chunked: \(chunked))")
        }
        #expect(directory.entries.isEmpty)
    }

    /// Regression: when the last bytes and the FIN arrived in one epoll event, the short read was
    /// taken for an empty socket and the connection (and its spool file) waited for the body deadline.
    @Test func clientThatHangsUpWithItsLastBytesIsClosedAtOnce() throws {
        let directory = try SpoolDirectory()
        let server = try makeServer(directory)
        defer { server.stop() }
        for _ in 0..<20 {
            let client = try RawClient(port: server.port, timeoutMillis: 3000)
            // Head and a few body bytes, then the FIN at once: usually one event on the loop.
            client.send(Array("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 4000000\r\n\r\n".utf8) + Self.body(100))
            shutdown(client.fd, Int32(SHUT_WR))
            #expect(client.waitForClose(), "the server closed the connection (not at its 60 s body deadline)")
            #expect(directory.wait { directory.openFiles == 0 })
        }
    }

    @Test func bodyOverTheLimitAnswers413AndLeavesNoFile() throws {
        let directory = try SpoolDirectory()
        let server = try makeServer(directory)
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send("POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = Self.body(1 << 20)
        for _ in 0..<9 { client.send(Array("100000\r\n".utf8) + chunk + [13, 10]) }
        #expect(client.readResponse()?.status == 413)
        #expect(directory.wait { directory.openFiles == 0 })
        #expect(directory.entries.isEmpty)
    }

    @Test func shutdownMidBodyLeavesNoFile() throws {
        let directory = try SpoolDirectory()
        let server = try makeServer(directory)
        let client = try RawClient(port: server.port)
        client.send(Array("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 4000000\r\n\r\n".utf8) + Self.body(1_500_000))
        #expect(directory.wait { directory.openFiles == 1 })
        server.stop(timeoutMillis: 300)
        #expect(directory.wait { directory.openFiles == 0 })
        #expect(directory.entries.isEmpty)
    }

    @Test func unwritableSpoolDirectoryAnswers503() throws {
        let server = try TestServer(configure: { $0.bodySpoolDirectory = "/nonexistent-postillon-spool" }, routes: [
            Route(.POST, "/upload", maxBodyBytes: 8 << 20, spoolBodyOver: 1 << 20) { _ in HTTPResponse(contentType: "text/plain", bytes: []) },
        ])
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\n")
        let response = try #require(client.readResponse())
        #expect(response.status == 503)
        #expect(response.text.contains("server_busy"))
    }
}
