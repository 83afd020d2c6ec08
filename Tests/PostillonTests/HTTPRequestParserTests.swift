@testable import Postillon
import Testing
@testable import PostillonHTTP

/// Parses a request head from a string literal.
func parse(_ text: String, limits: HTTPParserLimits = HTTPParserLimits()) -> HTTPHeadParseResult {
    Array(text.utf8).withUnsafeBufferPointer { HTTPRequestParser.parseHead($0, limits: limits) }
}

func parsedHead(_ text: String) -> (HTTPRequestHead, Int)? {
    if case .head(let head, let consumed) = parse(text) { return (head, consumed) }
    return nil
}

func parseError(_ text: String, limits: HTTPParserLimits = HTTPParserLimits()) -> HTTPParseError? {
    if case .failure(let error) = parse(text, limits: limits) { return error }
    return nil
}

func needsMore(_ text: String, limits: HTTPParserLimits = HTTPParserLimits()) -> Bool {
    if case .needMore = parse(text, limits: limits) { return true }
    return false
}

@Suite struct HTTPRequestParserTests {
    @Test func simpleGet() throws {
        let (head, consumed) = try #require(parsedHead("GET /api/v1/health?x=1 HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\nNEXT"))
        #expect(head.method == .GET)
        #expect(head.path == "/api/v1/health")
        #expect(head.query == "x=1")
        #expect(head.minorVersion == 1)
        #expect(head.keepAlive)
        #expect(head.framing == .none)
        #expect(head.headers["accept"] == "*/*")
        #expect(consumed == "GET /api/v1/health?x=1 HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n".utf8.count)
    }

    @Test func incompleteHeadNeedsMore() {
        #expect(needsMore("GET / HTTP/1.1\r\nHost: a\r\n"))
        #expect(needsMore("GET / HTTP/1.1\r\nHost: a\r\n\r"))
        #expect(needsMore("GET / HT"))
        #expect(needsMore(""))
    }

    @Test func headerValuesAreTrimmedAndNamesCaseInsensitive() throws {
        let (head, _) = try #require(parsedHead("POST /x HTTP/1.1\r\nhost: a\r\nX-Thing: \t value with  spaces \t\r\n\r\n"))
        #expect(head.headers["x-thing"] == "value with  spaces")
        #expect(head.headers["HOST"] == "a")
    }

    @Test func leadingEmptyLinesAreIgnored() throws {
        let (head, _) = try #require(parsedHead("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(head.path == "/")
    }

    @Test func contentLengthAndChunkedFraming() throws {
        #expect(try #require(parsedHead("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n")).0.framing == .length(12))
        #expect(try #require(parsedHead("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n")).0.framing == .none)
        #expect(try #require(parsedHead("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n")).0.framing == .chunked)
    }

    // MARK: Request smuggling

    @Test func contentLengthWithTransferEncodingIsRejected() {
        #expect(parseError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n")
                == .ambiguousFraming("both Content-Length and Transfer-Encoding"))
        #expect(parseError("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n")?.status == .badRequest)
    }

    @Test func duplicateOrConflictingContentLengthIsRejected() {
        #expect(parseError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n")
                == .ambiguousFraming("several Content-Length fields"))
        #expect(parseError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n")?.status == .badRequest)
        #expect(parseError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n")?.status == .badRequest)
        #expect(parseError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n")?.status == .badRequest)
        #expect(parseError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n")?.status == .badRequest)
        #expect(parseError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n")?.status == .badRequest)
    }

    @Test func unknownTransferCodingIsRejected() {
        #expect(parseError("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n") == .unsupportedTransferCoding("gzip"))
        #expect(parseError("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")?.status == .badRequest)
        #expect(parseError("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n")?.status == .badRequest)
        #expect(parseError("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n")?.status == .badRequest)
        #expect(parseError("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n")?.status == .badRequest)
        #expect(parseError("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n")?.status == .badRequest)
    }

    @Test func obsoleteLineFoldingIsRejected() {
        #expect(parseError("GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n two\r\n\r\n") == .malformed("obsolete line folding"))
        #expect(parseError("GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n\ttwo\r\n\r\n") == .malformed("obsolete line folding"))
    }

    @Test func bareCRorLFIsRejected() {
        #expect(parseError("GET / HTTP/1.1\nHost: a\r\n\r\n") == .malformed("bare LF in request line"))
        #expect(parseError("GET / HTTP/1.1\rHost: a\r\n\r\n") == .malformed("bare CR in request line"))
        #expect(parseError("GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n") == .malformed("bare LF in header block"))
        #expect(parseError("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n") == .malformed("bare CR in header block"))
        #expect(parseError("GET / HTTP/1.1\r\nHost: a\r\n\n") == .malformed("bare LF in header block"))
    }

    @Test func controlCharactersAndBadNamesAreRejected() {
        #expect(parseError("GET / HTTP/1.1\r\nHost: a\r\nX-A: a\u{0}b\r\n\r\n")?.status == .badRequest)
        #expect(parseError("GET / HTTP/1.1\r\nHost: a\r\nX-A : b\r\n\r\n")?.status == .badRequest)
        #expect(parseError("GET / HTTP/1.1\r\nHost: a\r\nX(A): b\r\n\r\n")?.status == .badRequest)
        #expect(parseError("GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n")?.status == .badRequest)
        #expect(parseError("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n")?.status == .badRequest)
    }

    @Test func malformedRequestLines() {
        #expect(parseError("GET  / HTTP/1.1\r\nHost: a\r\n\r\n")?.status == .badRequest)
        #expect(parseError("GET / HTTP/1.1 extra\r\nHost: a\r\n\r\n")?.status == .badRequest)
        #expect(parseError("G(T / HTTP/1.1\r\nHost: a\r\n\r\n")?.status == .badRequest)
        #expect(parseError("GET nopath HTTP/1.1\r\nHost: a\r\n\r\n")?.status == .badRequest)
        #expect(parseError("GET /\u{7f} HTTP/1.1\r\nHost: a\r\n\r\n")?.status == .badRequest)
        #expect(parseError("GET / FTP/1.1\r\nHost: a\r\n\r\n")?.status == .badRequest)
        #expect(parseError("GET / HTTP/2.0\r\nHost: a\r\n\r\n") == .unsupportedVersion)
    }

    @Test func hostIsRequiredOnceForHTTP11() {
        #expect(parseError("GET / HTTP/1.1\r\n\r\n") == .malformed("missing Host header"))
        #expect(parseError("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == .malformed("several Host headers"))
        #expect(parsedHead("GET / HTTP/1.0\r\n\r\n") != nil)
    }

    @Test func absoluteFormBecomesOriginForm() throws {
        let (head, _) = try #require(parsedHead("GET http://example.test/api/v1/health?a=b HTTP/1.1\r\nHost: example.test\r\n\r\n"))
        #expect(head.target == "/api/v1/health?a=b")
    }

    @Test func connectionSemantics() throws {
        #expect(try #require(parsedHead("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")).0.keepAlive == false)
        #expect(try #require(parsedHead("GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, Close\r\n\r\n")).0.keepAlive == false)
        #expect(try #require(parsedHead("GET / HTTP/1.0\r\n\r\n")).0.keepAlive == false)
        #expect(try #require(parsedHead("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")).0.keepAlive == true)
    }

    @Test func expectations() throws {
        #expect(try #require(parsedHead("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n")).0.expectsContinue)
        #expect(parseError("POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n") == .unsupportedExpectation)
    }

    // MARK: Limits

    @Test func requestLineLimitGives414() {
        let limits = HTTPParserLimits(maxRequestLineBytes: 64, maxHeaderBytes: 1024, maxHeaderCount: 10)
        let long = "GET /" + String(repeating: "a", count: 100) + " HTTP/1.1\r\nHost: a\r\n\r\n"
        #expect(parseError(long, limits: limits) == .requestLineTooLong)
        // Even before the line ends, too many bytes without CRLF is already 414.
        #expect(parseError("GET /" + String(repeating: "a", count: 100), limits: limits) == .requestLineTooLong)
        #expect(HTTPParseError.requestLineTooLong.status.code == 414)
    }

    @Test func headerBytesLimitGives431() {
        let limits = HTTPParserLimits(maxRequestLineBytes: 64, maxHeaderBytes: 256, maxHeaderCount: 10)
        let big = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + String(repeating: "b", count: 300) + "\r\n\r\n"
        #expect(parseError(big, limits: limits) == .headersTooLarge)
        #expect(parseError("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + String(repeating: "b", count: 300), limits: limits) == .headersTooLarge)
        #expect(HTTPParseError.headersTooLarge.status.code == 431)
    }

    @Test func headerCountLimitGives431() {
        let limits = HTTPParserLimits(maxRequestLineBytes: 64, maxHeaderBytes: 4096, maxHeaderCount: 3)
        let many = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"
        #expect(parseError(many, limits: limits) == .headersTooLarge)
        #expect(parsedHead("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n") != nil)
    }
}
