/// An incremental, pure decoder for `Transfer-Encoding: chunked` request bodies (RFC 9112 section 7.1).
///
/// Feed it the bytes after the head as they arrive; it appends decoded data to a buffer,
/// enforces the body limit and rejects bare CR/LF, oversized size lines and bad hex.
public struct ChunkedBodyDecoder: Sendable {
    enum State: Sendable, Equatable {
        case size
        case data(remaining: Int)
        case dataEnd
        case trailer
        case done
    }

    /// Longest chunk-size line (with extensions) accepted.
    static let maxSizeLineBytes = 4096
    /// Most trailer bytes accepted (trailers are read and dropped).
    static let maxTrailerBytes = 16 * 1024

    var state = State.size
    var decodedBytes = 0
    var trailerBytes = 0
    /// Largest decoded body accepted.
    package let maxBodyBytes: Int

    /// Creates a decoder that fails once the decoded body exceeds `maxBodyBytes`.
    public init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    /// Decodes as much of `input` as possible, appending body bytes to `body`.
    public mutating func decode(_ input: UnsafeBufferPointer<UInt8>, into body: inout [UInt8]) -> ChunkedDecodeResult {
        var index = 0
        while true {
            switch state {
            case .done:
                return .done(consumed: index)
            case .size:
                guard case .found(let end) = HTTPRequestParser.findLineEnd(input, from: index) else {
                    if case .incomplete = HTTPRequestParser.findLineEnd(input, from: index) {
                        // A final CR may be half of the line's CRLF: the limit must not depend on the split.
                        let pending = input.count - index - (input.last == ASCII.cr ? 1 : 0)
                        if pending > Self.maxSizeLineBytes { return .failure(.malformedChunk("chunk size line too long")) }
                        return .needMore(consumed: index)
                    }
                    return .failure(.malformedChunk("bare CR or LF in chunk size line"))
                }
                if end - index > Self.maxSizeLineBytes { return .failure(.malformedChunk("chunk size line too long")) }
                var size = 0
                var cursor = index
                while cursor < end, let digit = ASCII.hexValue(input[cursor]) {
                    if cursor - index >= 15 { return .failure(.malformedChunk("chunk size too large")) }
                    size = size * 16 + digit
                    cursor += 1
                }
                if cursor == index { return .failure(.malformedChunk("chunk size is not hexadecimal")) }
                // Only whitespace before an extension (';' ...) may follow the size.
                while cursor < end, input[cursor] == ASCII.space || input[cursor] == ASCII.tab { cursor += 1 }
                if cursor < end && input[cursor] != UInt8(ascii: ";") {
                    return .failure(.malformedChunk("unexpected characters after chunk size"))
                }
                index = end + 2
                if size == 0 {
                    state = .trailer
                } else {
                    if decodedBytes + size > maxBodyBytes { return .failure(.bodyTooLarge(limit: maxBodyBytes)) }
                    state = .data(remaining: size)
                }
            case .data(let remaining):
                let available = min(remaining, input.count - index)
                if available > 0 {
                    body.append(contentsOf: UnsafeBufferPointer(rebasing: input[index..<index + available]))
                    decodedBytes += available
                    index += available
                }
                if available == remaining {
                    state = .dataEnd
                } else {
                    state = .data(remaining: remaining - available)
                    return .needMore(consumed: index)
                }
            case .dataEnd:
                if input.count - index < 2 { return .needMore(consumed: index) }
                guard input[index] == ASCII.cr, input[index + 1] == ASCII.lf else {
                    return .failure(.malformedChunk("chunk data not followed by CRLF"))
                }
                index += 2
                state = .size
            case .trailer:
                switch HTTPRequestParser.findLineEnd(input, from: index) {
                case .incomplete:
                    if trailerBytes + input.count - index > Self.maxTrailerBytes { return .failure(.malformedChunk("trailer section too large")) }
                    return .needMore(consumed: index)
                case .bareCR, .bareLF:
                    return .failure(.malformedChunk("bare CR or LF in trailer section"))
                case .found(let end):
                    trailerBytes += end + 2 - index
                    if trailerBytes > Self.maxTrailerBytes { return .failure(.malformedChunk("trailer section too large")) }
                    if end > index, input[index] == ASCII.space || input[index] == ASCII.tab {
                        return .failure(.malformedChunk("obsolete line folding in trailer"))
                    }
                    state = end == index ? .done : .trailer
                    index = end + 2
                }
            }
        }
    }
}
