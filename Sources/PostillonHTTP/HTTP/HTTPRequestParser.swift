/// A strict, pure parser for HTTP/1.1 request heads (RFC 9112).
///
/// Strict where leniency enables request smuggling: bare CR or LF, obsolete line folding,
/// several or conflicting `Content-Length`s, `Content-Length` together with `Transfer-Encoding`,
/// and any transfer coding other than a lone `chunked` are all rejected.
public enum HTTPRequestParser {
    /// How many empty lines may precede a request line (RFC 9112 section 2.2 allows ignoring some).
    static let maxLeadingEmptyLines = 4

    /// Parses a request head from the start of `bytes`.
    ///
    /// - Parameters:
    ///   - bytes: everything received so far for this request.
    ///   - limits: request-line, header-byte and header-count limits.
    /// - Returns: `.needMore`, a complete head with the number of bytes it used, or the error to answer.
    public static func parseHead(_ bytes: UnsafeBufferPointer<UInt8>, limits: HTTPParserLimits) -> HTTPHeadParseResult {
        var start = 0
        var skipped = 0
        while start + 1 < bytes.count, bytes[start] == ASCII.cr, bytes[start + 1] == ASCII.lf, skipped < maxLeadingEmptyLines {
            start += 2
            skipped += 1
        }

        // The request line.
        let requestLineEnd: Int
        switch findLineEnd(bytes, from: start) {
        case .found(let end): requestLineEnd = end
        case .bareCR: return .failure(.malformed("bare CR in request line"))
        case .bareLF: return .failure(.malformed("bare LF in request line"))
        case .incomplete:
            return bytes.count - start > limits.maxRequestLineBytes ? .failure(.requestLineTooLong) : .needMore
        }
        if requestLineEnd - start > limits.maxRequestLineBytes { return .failure(.requestLineTooLong) }

        // Header lines, up to the empty line.
        var fields: [(nameStart: Int, nameEnd: Int, valueStart: Int, valueEnd: Int)] = []
        var lineStart = requestLineEnd + 2
        var headEnd = -1
        while headEnd < 0 {
            if lineStart - start > limits.maxHeaderBytes { return .failure(.headersTooLarge) }
            switch findLineEnd(bytes, from: lineStart) {
            case .bareCR: return .failure(.malformed("bare CR in header block"))
            case .bareLF: return .failure(.malformed("bare LF in header block"))
            case .incomplete:
                return bytes.count - start > limits.maxHeaderBytes ? .failure(.headersTooLarge) : .needMore
            case .found(let lineEnd):
                if lineEnd + 2 - start > limits.maxHeaderBytes { return .failure(.headersTooLarge) }
                if lineEnd == lineStart {
                    headEnd = lineEnd + 2
                    break
                }
                if fields.count >= limits.maxHeaderCount { return .failure(.headersTooLarge) }
                let first = bytes[lineStart]
                if first == ASCII.space || first == ASCII.tab { return .failure(.malformed("obsolete line folding")) }
                var colon = lineStart
                while colon < lineEnd, bytes[colon] != ASCII.colon {
                    guard ASCII.isTokenChar(bytes[colon]) else { return .failure(.malformed("invalid character in header name")) }
                    colon += 1
                }
                if colon == lineEnd || colon == lineStart { return .failure(.malformed("header line without a name and colon")) }
                var valueStart = colon + 1
                var valueEnd = lineEnd
                while valueStart < valueEnd, bytes[valueStart] == ASCII.space || bytes[valueStart] == ASCII.tab { valueStart += 1 }
                while valueEnd > valueStart, bytes[valueEnd - 1] == ASCII.space || bytes[valueEnd - 1] == ASCII.tab { valueEnd -= 1 }
                for index in valueStart..<valueEnd {
                    let byte = bytes[index]
                    if (byte < 0x20 && byte != ASCII.tab) || byte == 0x7F {
                        return .failure(.malformed("control character in header value"))
                    }
                }
                fields.append((lineStart, colon, valueStart, valueEnd))
                lineStart = lineEnd + 2
            }
        }

        // Request line: method SP target SP version.
        guard let firstSpace = firstIndex(of: ASCII.space, in: bytes, from: start, to: requestLineEnd),
              let secondSpace = firstIndex(of: ASCII.space, in: bytes, from: firstSpace + 1, to: requestLineEnd)
        else { return .failure(.malformed("request line is not 'method target version'")) }
        if firstIndex(of: ASCII.space, in: bytes, from: secondSpace + 1, to: requestLineEnd) != nil {
            return .failure(.malformed("request line is not 'method target version'"))
        }
        guard firstSpace > start, (start..<firstSpace).allSatisfy({ ASCII.isTokenChar(bytes[$0]) }) else {
            return .failure(.malformed("invalid method"))
        }
        guard secondSpace > firstSpace + 1,
              (firstSpace + 1..<secondSpace).allSatisfy({ bytes[$0] > 0x20 && bytes[$0] < 0x7F })
        else { return .failure(.malformed("invalid request target")) }

        let minorVersion: Int
        switch string(bytes, secondSpace + 1, requestLineEnd) {
        case "HTTP/1.1": minorVersion = 1
        case "HTTP/1.0": minorVersion = 0
        case let other where other.hasPrefix("HTTP/"): return .failure(.unsupportedVersion)
        default: return .failure(.malformed("invalid HTTP version"))
        }
        let method = HTTPMethod(string(bytes, start, firstSpace))
        guard let target = originForm(string(bytes, firstSpace + 1, secondSpace), method: method) else {
            return .failure(.malformed("invalid request target"))
        }

        var headers = HTTPHeaders()
        for field in fields {
            headers.add(string(bytes, field.nameStart, field.nameEnd), string(bytes, field.valueStart, field.valueEnd))
        }
        switch interpret(headers: headers, minorVersion: minorVersion) {
        case .failure(let error):
            return .failure(error)
        case .success(let semantics):
            let head = HTTPRequestHead(
                method: method, target: target, minorVersion: minorVersion, headers: headers,
                framing: semantics.framing, expectsContinue: semantics.expectsContinue, keepAlive: semantics.keepAlive)
            return .head(head, consumed: headEnd)
        }
    }

    /// What the headers say about framing and the connection.
    struct Semantics {
        var framing: HTTPBodyFraming
        var expectsContinue: Bool
        var keepAlive: Bool
    }

    /// Applies RFC 9112's framing rules and reads `Connection`, `Host` and `Expect`.
    static func interpret(headers: HTTPHeaders, minorVersion: Int) -> Result<Semantics, HTTPParseError> {
        let lengths = headers.values("Content-Length")
        let codings = headers.values("Transfer-Encoding")
        if !lengths.isEmpty && !codings.isEmpty {
            return .failure(.ambiguousFraming("both Content-Length and Transfer-Encoding"))
        }
        if lengths.count > 1 { return .failure(.ambiguousFraming("several Content-Length fields")) }

        var framing = HTTPBodyFraming.none
        if let length = lengths.first {
            guard !length.isEmpty, length.utf8.count <= 15, length.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                  let value = Int(length)
            else { return .failure(.ambiguousFraming("invalid Content-Length '\(length.prefix(20))'")) }
            framing = value > 0 ? .length(value) : .none
        }
        if !codings.isEmpty {
            let list = codings.flatMap { $0.split(separator: ",") }
                .map { $0.trimming(" \t").lowercased() }
            guard minorVersion == 1, list == ["chunked"] else {
                return .failure(.unsupportedTransferCoding(list.joined(separator: ", ")))
            }
            framing = .chunked
        }

        let hosts = headers.values("Host")
        if minorVersion == 1 && hosts.count != 1 {
            return .failure(.malformed(hosts.isEmpty ? "missing Host header" : "several Host headers"))
        }

        var keepAlive = minorVersion == 1
        for value in headers.values("Connection") {
            for token in value.split(separator: ",") {
                switch token.trimming(" \t").lowercased() {
                case "close": keepAlive = false
                case "keep-alive" where minorVersion == 0: keepAlive = true
                default: break
                }
            }
        }

        var expectsContinue = false
        if let expect = headers["Expect"] {
            guard expect.lowercased() == "100-continue" else { return .failure(.unsupportedExpectation) }
            expectsContinue = minorVersion == 1
        }
        return .success(Semantics(framing: framing, expectsContinue: expectsContinue, keepAlive: keepAlive))
    }

    /// Turns the request target into origin form; absolute form keeps its path and query.
    static func originForm(_ target: String, method: HTTPMethod) -> String? {
        if target.hasPrefix("/") { return target }
        if target == "*" { return method == .OPTIONS ? target : nil }
        for scheme in ["http://", "https://"] where target.lowercased().hasPrefix(scheme) {
            let rest = target.dropFirst(scheme.count)
            guard let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return "/" }
            let tail = String(rest[slash...])
            return tail.hasPrefix("/") ? tail : "/" + tail
        }
        return nil
    }

    /// Where a line ends, looking for CRLF from `from`.
    enum LineEnd { case found(Int), incomplete, bareCR, bareLF }

    @inline(__always)
    static func findLineEnd(_ bytes: UnsafeBufferPointer<UInt8>, from: Int) -> LineEnd {
        var index = from
        while index < bytes.count {
            let byte = bytes[index]
            if byte == ASCII.lf { return .bareLF }
            if byte == ASCII.cr {
                if index + 1 >= bytes.count { return .incomplete }
                return bytes[index + 1] == ASCII.lf ? .found(index) : .bareCR
            }
            index += 1
        }
        return .incomplete
    }

    @inline(__always)
    static func firstIndex(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from: Int, to end: Int) -> Int? {
        var index = from
        while index < end {
            if bytes[index] == byte { return index }
            index += 1
        }
        return nil
    }

    @inline(__always)
    static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self)
    }
}
