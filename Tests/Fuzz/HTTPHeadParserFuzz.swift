// libFuzzer target for the HTTP request head parser and the chunked body decoder: the same bytes
// are parsed whole and split at every byte the input's first byte chooses (the result must not
// depend on how TCP splits them). Built and run by Tests/Fuzz/run.sh.
#if canImport(PostillonHTTP)
import PostillonHTTP
#else
import Postillon
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPHeadParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    // Small limits, so that inputs of a few hundred bytes reach every limit and every split around it.
    let limits = HTTPParserLimits(maxRequestLineBytes: 40, maxHeaderBytes: 256, maxHeaderCount: 8)
    let whole = HTTPRequestParser.parseHead(bytes, limits: limits)
    switch whole {
    case .head(let head, let consumed):
        precondition(consumed <= size, "consumed more than given")
        precondition(head.path.hasPrefix("/") || head.path == "*", "path must be origin-form or *")
        // A strict prefix of a complete head is incomplete: never a head, never a failure (a limit
        // must not depend on where TCP splits the bytes, for example between CR and LF).
        let cut = Int(bytes[0]) % consumed
        if cut > 0 {
            switch HTTPRequestParser.parseHead(UnsafeBufferPointer(rebasing: bytes[0..<cut]), limits: limits) {
            case .needMore: break
            case .head: preconditionFailure("a strict prefix of a head parsed as a head")
            case .failure(let error): preconditionFailure("a strict prefix of a valid head failed: \(error)")
            }
        }
        // The chunked decoder: the whole rest at once, or split where the second byte says, must
        // give the same body and the same outcome (limits must not depend on the split).
        let rest = Array(bytes[consumed...])
        var whole = ChunkedBodyDecoder(maxBodyBytes: 4096)
        var wholeBody: [UInt8] = []
        let wholeResult = rest.withUnsafeBufferPointer { whole.decode($0, into: &wholeBody) }
        precondition(wholeBody.count <= 4096, "chunked body over its limit")
        let split = size > 1 ? Int(bytes[1]) % (rest.count + 1) : 0
        var pieces = ChunkedBodyDecoder(maxBodyBytes: 4096)
        var piecesBody: [UInt8] = []
        var piecesResult = rest[..<split].withUnsafeBufferPointer { pieces.decode($0, into: &piecesBody) }
        if case .needMore(let used) = piecesResult {
            piecesResult = rest[used...].withUnsafeBufferPointer { pieces.decode($0, into: &piecesBody) }
            if case .needMore(let more) = piecesResult { piecesResult = .needMore(consumed: used + more) }
            if case .done(let more) = piecesResult { piecesResult = .done(consumed: used + more) }
        }
        switch (wholeResult, piecesResult) {
        case (.failure, .failure): break
        case (.done(let a), .done(let b)): precondition(a == b && wholeBody == piecesBody, "split changed the chunked body")
        case (.needMore, .needMore): precondition(wholeBody == piecesBody, "split changed the chunked body")
        default: preconditionFailure("split changed the chunked outcome: \(wholeResult) vs \(piecesResult)")
        }
    case .needMore:
        break
    case .failure:
        // A failure on the whole input must not be a head on a shorter one. (Which error is
        // reported may differ: a line both over the limit and holding a bare CR is 414 or 400
        // depending on which the bytes show first; both reject it. Found by this target.)
        let cut = Int(bytes[0]) % size
        if cut > 0, case .head = HTTPRequestParser.parseHead(UnsafeBufferPointer(rebasing: bytes[0..<cut]), limits: limits) {
            preconditionFailure("a prefix of an invalid head parsed as a head")
        }
    }
    return 0
}
