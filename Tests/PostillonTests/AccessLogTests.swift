#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
@testable import Postillon
import PostillonTestSupport
import Synchronization
import Testing
@testable import PostillonHTTP

@Suite struct AccessLogTests {
    private let entry = AccessLogEntry(requestID: "ab-1f", method: "GET", path: "/api/v1/health", status: 200, bytes: 187,
                                       durationMicros: 1234, remote: "127.0.0.1", userAgent: "wrk", account: "alice@example.org")

    @Test func timestampIsUTCInTheLoggersShape() {
        #expect(String(decoding: AccessLogLine.timestamp(epochSeconds: 0), as: UTF8.self) == "1970-01-01T00:00:00+0000")
        #expect(String(decoding: AccessLogLine.timestamp(epochSeconds: 1_764_624_788), as: UTF8.self) == "2025-12-01T21:33:08+0000")
    }

    @Test func textLineKeepsTheFieldsAndOrderOfTheOldLoggerLine() {
        var out: [UInt8] = []
        AccessLogLine.append(entry, timestamp: Array("T".utf8), format: .text, to: &out)
        #expect(String(decoding: out, as: UTF8.self)
            == "T info postillon : bytes=187 duration_ms=1.234 method=GET path=/api/v1/health remote=127.0.0.1 request.id=ab-1f status=200 request\n")
    }

    @Test func textLineCannotBeSplitByControlBytes() {
        var hostile = entry
        hostile.path = "/a\r\nforged line"
        var out: [UInt8] = []
        AccessLogLine.append(hostile, timestamp: [], format: .text, to: &out)
        let text = String(decoding: out, as: UTF8.self)
        #expect(text.filter { $0 == "\n" || $0 == "\r\n" }.count == 1)
        #expect(text.contains("path=/a??forged line "))
    }

    @Test func jsonLineHasUserAgentAccountAndEscapes() throws {
        var hostile = entry
        hostile.userAgent = "say \"hi\"\\\u{01}\n"
        hostile.account = nil
        hostile.durationMicros = 7
        var out: [UInt8] = []
        AccessLogLine.append(hostile, timestamp: Array("2026-12-01T21:33:08+0000".utf8), format: .json, to: &out)
        let text = String(decoding: out, as: UTF8.self)
        #expect(text == #"{"time":"2026-12-01T21:33:08+0000","level":"info","msg":"request","request_id":"ab-1f","method":"GET","path":"/api/v1/health","status":200,"bytes":187,"duration_ms":0.007,"remote":"127.0.0.1","user_agent":"say \"hi\"\\\u0001\n","account":null}"# + "\n")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(out)) as? [String: Any])
        #expect(object["user_agent"] as? String == "say \"hi\"\\\u{01}\n")
        #expect(object["account"] is NSNull)
        #expect(object["duration_ms"] as? Double == 0.007)
    }

    @Test func bufferWakesTheWriterAtSizeAndDropsBeyondItsBound() {
        let wakes = Atomic<Int>(0)
        let buffer = AccessLogBuffer(format: .text, flushBytes: 300, maxBytes: 600) { wakes.wrappingAdd(1, ordering: .relaxed) }
        for _ in 0..<20 { buffer.append(entry, epochSeconds: 0) }
        #expect(wakes.load(ordering: .relaxed) == 1, "one wake when crossing the flush size, not one per line")
        var taken: [UInt8] = []
        let dropped = buffer.take { taken = $0 }
        let written = taken.split(separator: UInt8(ascii: "\n")).count
        #expect(written > 0 && written < 20)
        #expect(dropped == 20 - written)
        #expect(taken.starts(with: Array("1970-01-01T00:00:00+0000 info".utf8)))
        var again: [UInt8] = [1]
        let droppedAgain = buffer.take { again = $0 }
        #expect(again.isEmpty, "taking empties the buffer")
        #expect(droppedAgain == 0, "and resets the drop count")
    }

    @Test func writerWritesEveryQueuedLineByStop() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let log = AccessLog(format: .json, fd: fds[1], intervalMillis: 5)
        log.start()
        let buffers = [log.makeBuffer(), log.makeBuffer()]
        DispatchQueue.concurrentPerform(iterations: 200) { index in
            var line = entry
            line.requestID = "r\(index)"
            buffers[index % 2].append(line)
        }
        log.stop()
        close(fds[1])
        let lines = readAll(fds[0]).split(separator: UInt8(ascii: "\n"))
        #expect(lines.count == 200)
        let ids = Set(lines.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])?["request_id"] as? String
        })
        #expect(ids == Set((0..<200).map { "r\($0)" }))
    }

    @Test func serverLogsEachRequestWithUserAgentAndAccount() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.eventLoops = 1
        configuration.workerThreads = 2
        configuration.accessLogFormat = .json
        configuration.accessLogDescriptor = fds[1]
        var logger = Logger(label: "test")
        logger.logLevel = .info
        let routes = [
            Route(.GET, "/inline", runsInline: true) { _ in HTTPResponse(contentType: "text/plain", bytes: Array("inline".utf8)) },
            Route(.GET, "/mine") { _ in
                var response = HTTPResponse(contentType: "text/plain", bytes: Array("mine".utf8))
                response.account = "alice"
                return response
            },
        ]
        let server = HTTPServer(configuration: configuration, responder: Router(routes: routes, logger: logger), logger: logger)
        try server.start()
        let client = try RawClient(port: server.port)
        client.send("GET /inline HTTP/1.1\r\nHost: t\r\nUser-Agent: probe/1\r\nAuthorization: Basic c2VjcmV0OnNlY3JldA==\r\n\r\n")
        #expect(client.readResponse()?.status == 200)
        client.send("GET /mine HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(client.readResponse()?.status == 200)
        server.shutdown(timeoutMillis: 1000)
        close(fds[1])
        let output = readAll(fds[0])
        #expect(!String(decoding: output, as: UTF8.self).contains("c2VjcmV0"), "credentials never reach the log")
        let objects = output.split(separator: UInt8(ascii: "\n")).compactMap {
            try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any]
        }
        #expect(objects.count == 2)
        #expect(objects.first?["path"] as? String == "/inline")
        #expect(objects.first?["user_agent"] as? String == "probe/1")
        #expect(objects.first?["account"] is NSNull)
        #expect(objects.last?["path"] as? String == "/mine")
        #expect(objects.last?["account"] as? String == "alice")
        #expect(objects.last?["status"] as? Int == 200)
    }

    /// Regression: a request the worker pool refused was answered 503 but never logged, so the log
    /// (and any request counter hooked where requests finish) missed exactly the overload it should show.
    @Test func aRequestTheBusyPoolRefusesIsLoggedToo() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.eventLoops = 1
        configuration.workerThreads = 1
        configuration.maxQueuedRequests = 0  // every request for a worker is refused at once
        configuration.accessLogFormat = .json
        configuration.accessLogDescriptor = fds[1]
        let logger = Logger(label: "test")
        let routes = [Route(.GET, "/work") { _ in HTTPResponse(contentType: "text/plain", bytes: Array("done".utf8)) }]
        let server = HTTPServer(configuration: configuration, responder: Router(routes: routes, logger: logger), logger: logger)
        try server.start()
        let client = try RawClient(port: server.port)
        client.send("GET /work HTTP/1.1\r\nHost: t\r\nUser-Agent: probe/2\r\n\r\n")
        let response = try #require(client.readResponse())
        #expect(response.status == 503)
        #expect(response.text.contains("server_busy"))
        #expect(client.waitForClose())
        server.shutdown(timeoutMillis: 1000)
        close(fds[1])
        let objects = readAll(fds[0]).split(separator: UInt8(ascii: "\n")).compactMap {
            try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any]
        }
        #expect(objects.count == 1)
        #expect(objects.first?["path"] as? String == "/work")
        #expect(objects.first?["status"] as? Int == 503)
        #expect(objects.first?["user_agent"] as? String == "probe/2")
    }

    @Test func logFormatIsConfigurable() throws {
        #expect(try ConfigurationLoader.load(flags: [:], environment: [:]).http.accessLogFormat == .text)
        #expect(try ConfigurationLoader.load(flags: [.logFormat: "json"], environment: [:]).http.accessLogFormat == .json)
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(flags: [.logFormat: "xml"], environment: [:]) }
    }

    private func readAll(_ fd: Int32) -> [UInt8] {
        var all: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            all.append(contentsOf: chunk[0..<count])
        }
        return all
    }
}
