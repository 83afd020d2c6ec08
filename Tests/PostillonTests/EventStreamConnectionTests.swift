#if canImport(Glibc)
import Glibc
#endif
import Foundation
import PostillonTestSupport
import Synchronization
import Testing
@testable import PostillonHTTP

/// Event streams over real sockets: the loop writes the head and the producer's frames, ends the
/// stream on the producer's close or a drain, tells the producer when the client hangs up, and
/// drops a client that does not read once the bounded buffer overflows.
@Suite(.serialized) struct EventStreamConnectionTests {
    /// A server whose `/events` route hands each new stream's handle to the test.
    final class Streams: Sendable {
        let handles = Mutex<[EventStreamHandle]>([])
        let maxBufferedBytes: Int

        init(maxBufferedBytes: Int = 256 * 1024) { self.maxBufferedBytes = maxBufferedBytes }

        var routes: [Route] {
            [
                Route(.GET, "/events") { [self] _ in
                    let handle = EventStreamHandle(maxBufferedBytes: maxBufferedBytes)
                    handle.send(Array("retry: 1000\n\n".utf8))
                    handles.withLock { $0.append(handle) }
                    return HTTPResponse(status: .ok, headers: ["X-Test": "1"], body: .eventStream(handle))
                },
                Route(.GET, "/hello") { _ in HTTPResponse(contentType: "text/plain", bytes: Array("hello".utf8)) },
            ]
        }

        /// The `index`th handle, once its route ran.
        func handle(_ index: Int = 0) throws -> EventStreamHandle {
            for _ in 0..<200 {
                if let handle = handles.withLock({ $0.count > index ? $0[index] : nil }) { return handle }
                usleep(10_000)
            }
            throw SystemError(call: "no stream", code: 0)
        }
    }

    static func waitUntil(_ condition: () -> Bool) -> Bool {
        for _ in 0..<300 {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    @Test func theLoopWritesTheHeadAndEachFrameAsAChunkThenTheLastChunk() throws {
        let streams = Streams()
        let server = try TestServer(routes: streams.routes)
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n")
        let head = try #require(client.readHead())
        #expect(head.status == 200)
        #expect(head.headers["Content-Type"] == "text/event-stream; charset=utf-8")
        #expect(head.headers["Cache-Control"] == "no-cache")
        #expect(head.headers["X-Accel-Buffering"] == "no")
        #expect(head.headers["Transfer-Encoding"] == "chunked")
        #expect(head.headers["Connection"] == "close")
        #expect(head.headers["X-Test"] == "1", "the handler's own headers stay")
        #expect(client.readChunk().map { String(decoding: $0, as: UTF8.self) } == "retry: 1000\n\n",
                "what the producer sent before the loop took the stream")
        let handle = try streams.handle()
        #expect(handle.send(Array("id: 1\nevent: ping\ndata: {}\n\n".utf8)))
        #expect(client.readChunk().map { String(decoding: $0, as: UTF8.self) } == "id: 1\nevent: ping\ndata: {}\n\n")
        // The stream held no worker: a plain request still gets one.
        let other = try RawClient(port: server.port)
        other.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(other.readResponse()?.text == "hello")
        handle.close()
        #expect(handle.isClosed)
        #expect(client.readChunk() == [], "the last chunk: a clean end")
        #expect(client.waitForClose())
    }

    @Test func aClientHangUpClosesTheStreamAndTellsTheProducer() throws {
        let streams = Streams()
        let server = try TestServer(routes: streams.routes)
        defer { server.stop() }
        var client: RawClient? = try RawClient(port: server.port)
        client?.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(client?.readHead()?.status == 200)
        let handle = try streams.handle()
        let reasons = Mutex<[EventStreamHandle.CloseReason]>([])
        handle.onClose { reason in reasons.withLock { $0.append(reason) } }
        #expect(!handle.isClosed)
        client = nil // closes the socket
        #expect(Self.waitUntil { handle.isClosed })
        #expect(handle.closeReason == .clientGone)
        #expect(reasons.withLock { $0 } == [.clientGone], "onClose runs once")
        #expect(!handle.send(Array("data: late\n\n".utf8)))
        #expect(Self.waitUntil { server.server.connectionCount == 0 })
    }

    @Test func aClientThatDoesNotReadIsDisconnectedWhenItsBufferOverflows() throws {
        let streams = Streams(maxBufferedBytes: 8 * 1024)
        let server = try TestServer(routes: streams.routes)
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n")
        let handle = try streams.handle()
        let frame = Array(("data: " + String(repeating: "x", count: 1000) + "\n\n").utf8)
        var sent = 0
        // The kernel's socket buffers take a few MB first; then frames wait in the handle, up to its bound.
        while sent < 200_000, handle.send(frame) {
            sent += 1
            if sent % 64 == 0 { usleep(200) }
        }
        #expect(handle.closeReason == .overflow)
        #expect(handle.bufferedBytes == 0, "the waiting frames are freed")
        #expect(Self.waitUntil { server.server.connectionCount == 0 }, "the loop dropped the connection")
    }

    @Test func aDrainingServerEndsStreamsPromptly() throws {
        let streams = Streams()
        let server = try TestServer(routes: streams.routes)
        let client = try RawClient(port: server.port)
        client.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(client.readHead()?.status == 200)
        #expect(client.readChunk() != nil)
        let handle = try streams.handle()
        let started = MonotonicClock.nowMillis()
        let stopper = Thread { server.stop(timeoutMillis: 10_000) }
        stopper.start()
        #expect(client.readChunk() == [], "the last chunk")
        #expect(client.waitForClose())
        #expect(MonotonicClock.nowMillis() - started < 2000)
        #expect(handle.closeReason == .shutdown)
        server.server.waitUntilStopped()
    }

    @Test func aHeadRequestGetsNoStream() throws {
        let streams = Streams()
        let server = try TestServer(routes: streams.routes)
        defer { server.stop() }
        let client = try RawClient(port: server.port)
        client.send("HEAD /events HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(client.readResponse(headRequest: true)?.status == 200)
        #expect(try streams.handle().isClosed)
    }

    @Test func chunkFraming() {
        #expect(EventStreamHandle.chunk(Array("data: x\n\n".utf8)) == Array("9\r\ndata: x\n\n\r\n".utf8))
        #expect(EventStreamHandle.chunk([UInt8](repeating: 65, count: 26)).prefix(4) == Array("1a\r\n".utf8)[...])
    }
}
