@testable import Postillon
import Testing
@testable import PostillonHTTP

/// Feeds `input` to a decoder in pieces of `step` bytes, as a socket would deliver it.
func decodeChunked(_ input: String, step: Int = .max, limit: Int = 1 << 20) -> (body: String, result: ChunkedDecodeResult) {
    var decoder = ChunkedBodyDecoder(maxBodyBytes: limit)
    var body: [UInt8] = []
    let bytes = Array(input.utf8)
    var buffer: [UInt8] = []
    var offset = 0
    var result = ChunkedDecodeResult.needMore(consumed: 0)
    while offset < bytes.count {
        let end = min(bytes.count, offset + step)
        buffer.append(contentsOf: bytes[offset..<end])
        offset = end
        result = buffer.withUnsafeBufferPointer { decoder.decode($0, into: &body) }
        switch result {
        case .needMore(let consumed): buffer.removeFirst(consumed)
        case .done, .failure: return (String(decoding: body, as: UTF8.self), result)
        }
    }
    return (String(decoding: body, as: UTF8.self), result)
}

@Suite struct ChunkedBodyDecoderTests {
    @Test func decodesChunksAndStopsAtTheEnd() {
        let input = "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\nGET /next"
        let (body, result) = decodeChunked(input)
        #expect(body == "hello, world")
        #expect(result == .done(consumed: input.utf8.count - "GET /next".utf8.count))
    }

    @Test func decodesByteByByte() {
        let (body, result) = decodeChunked("a\r\n0123456789\r\n1\r\n!\r\n0\r\nX-Trailer: yes\r\n\r\n", step: 1)
        #expect(body == "0123456789!")
        if case .done = result {} else { Issue.record("expected done, got \(result)") }
    }

    @Test func rejectsMalformedChunks() {
        #expect(decodeChunked("z\r\nabc\r\n0\r\n\r\n").result == .failure(.malformedChunk("chunk size is not hexadecimal")))
        #expect(decodeChunked("3\r\nabcX\r\n0\r\n\r\n").result == .failure(.malformedChunk("chunk data not followed by CRLF")))
        #expect(decodeChunked("3\nabc\r\n0\r\n\r\n").result == .failure(.malformedChunk("bare CR or LF in chunk size line")))
        #expect(decodeChunked("3 x\r\nabc\r\n0\r\n\r\n").result == .failure(.malformedChunk("unexpected characters after chunk size")))
        #expect(decodeChunked("fffffffffffffffff\r\n").result == .failure(.malformedChunk("chunk size too large")))
    }

    @Test func enforcesTheBodyLimit() {
        #expect(decodeChunked("8\r\n12345678\r\n0\r\n\r\n", limit: 7).result == .failure(.bodyTooLarge(limit: 7)))
        #expect(decodeChunked("4\r\n1234\r\n4\r\n5678\r\n0\r\n\r\n", limit: 7).result == .failure(.bodyTooLarge(limit: 7)))
    }
}
