@testable import Postillon
import Testing
@testable import PostillonHTTP

/// A small deterministic generator (SplitMix64), so fuzz failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random and mutated inputs through every pure parser: none may crash, hang or break an invariant.
@Suite struct FuzzTests {
    /// Pieces that make inputs look like HTTP, so mutations reach deep parser states.
    static let tokens: [String] = ["GET ", "POST ", "/", " HTTP/1.1", "\r\n", "\n", "\r", "Host: a", "Content-Length: ", "Transfer-Encoding: chunked",
                                   "0", "5", "ff", ";x=y", ": ", " ", "\t", "\u{0}", "%2e", "..", "Expect: 100-continue", "Connection: close",
                                   "\u{7f}", "é", "0\r\n\r\n", "a\r\nhello world\r\n", "..\r\n", ".\r\n", "+OK", "-ERR [IN-USE] x"]

    func randomInput(_ generator: inout SplitMix64) -> [UInt8] {
        var bytes: [UInt8] = []
        for _ in 0..<Int.random(in: 0...24, using: &generator) {
            if Bool.random(using: &generator) {
                bytes += Array(Self.tokens.randomElement(using: &generator)!.utf8)
            } else {
                bytes += (0..<Int.random(in: 1...8, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            }
        }
        return bytes
    }

    @Test func requestParserSurvivesRandomInput() {
        var generator = SplitMix64(state: 0x5EED)
        let limits = HTTPParserLimits(maxRequestLineBytes: 256, maxHeaderBytes: 1024, maxHeaderCount: 20)
        for _ in 0..<30_000 {
            let input = randomInput(&generator)
            let result = input.withUnsafeBufferPointer { HTTPRequestParser.parseHead($0, limits: limits) }
            if case .head(let head, let consumed) = result {
                #expect(consumed <= input.count)
                #expect(head.path.hasPrefix("/") || head.path == "*")
                if case .length(let length) = head.framing { #expect(length > 0) }
            }
        }
    }

    @Test func chunkedDecoderSurvivesRandomInputAndRespectsItsLimit() {
        var generator = SplitMix64(state: 0xC0FFEE)
        for _ in 0..<30_000 {
            var decoder = ChunkedBodyDecoder(maxBodyBytes: 64)
            var body: [UInt8] = []
            let input = randomInput(&generator)
            let result = input.withUnsafeBufferPointer { decoder.decode($0, into: &body) }
            #expect(body.count <= 64)
            switch result {
            case .needMore(let consumed), .done(let consumed): #expect(consumed <= input.count)
            case .failure: break
            }
        }
    }

    @Test func pop3DecodersSurviveRandomInput() {
        var generator = SplitMix64(state: 0xB0B)
        for _ in 0..<30_000 {
            let input = randomInput(&generator)
            var decoder = MultilineDecoder()
            var output = 0
            let used = input.withUnsafeBytes { raw in decoder.decode(raw) { output += $0.count } }
            #expect(output <= input.count)
            if let used { #expect(used <= input.count) }
            let text = String(decoding: input, as: UTF8.self)
            _ = POP3Status.parse(text)
            _ = try? POP3Parser.uidl(POP3Parser.lines(input))
            _ = try? POP3Parser.list(POP3Parser.lines(input))
        }
    }

    @Test func idAndCursorDecodersNeverAcceptGarbageThatDoesNotRoundTrip() {
        var generator = SplitMix64(state: 0x1D)
        for _ in 0..<20_000 {
            let text = String(decoding: randomInput(&generator), as: UTF8.self)
            if let uidl = MessageIdentifier.decode(text) { #expect(MessageIdentifier.encode(uidl) == text) }
            if let cursor = PageCursor.decode(text) { #expect(!cursor.next.isEmpty && !cursor.last.isEmpty) }
            _ = PercentDecoding.decode(text)
            if let path = StaticFileHandler.safeRelativePath(Substring(text)) { #expect(!path.split(separator: "/").contains("..")) }
        }
    }
}
