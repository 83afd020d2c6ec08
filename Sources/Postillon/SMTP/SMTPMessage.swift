import PostillonHTTP

/// The bytes of one submission, as uploaded after `DATA`: in memory, or (for a large raw message)
/// a head in memory followed by the rest of a spooled request body, read from its file and
/// CRLF-normalised while libcurl uploads it, so the message is never whole in RAM.
package struct SMTPMessage: Sendable {
    /// The first bytes: the whole message, or the rewritten header block of a spooled one (CRLF).
    package let head: [UInt8]
    /// Where the rest comes from: a spooled body, from this byte offset on (raw line endings).
    let tail: (body: SpooledBody, offset: Int)?
    /// The bytes uploaded, once normalised (for `CURLOPT_INFILESIZE_LARGE`, and so SMTP `SIZE=`).
    package let count: Int
    /// Lines of the uploaded message that start with "." after a CRLF (libcurl doubles that dot).
    let dotLines: Int

    /// A message held in memory (CRLF line endings).
    package init(_ bytes: [UInt8]) {
        var dots = 0
        if bytes.count >= 3 {
            for index in 0..<(bytes.count - 2) where bytes[index] == 0x0D && bytes[index + 1] == 0x0A && bytes[index + 2] == 0x2E {
                dots += 1
            }
        }
        head = bytes
        tail = nil
        count = bytes.count
        dotLines = dots
    }

    /// `head` followed by `body` from `offset` on, normalised to CRLF. Reads the file once to learn
    /// the normalised length (blocking: call on a worker thread).
    /// - Parameters:
    ///   - head: CRLF-normalised bytes ending with a line break (a header block).
    ///   - body: the spooled request body.
    ///   - offset: where in `body` the rest starts; never between a CR and its LF.
    /// - Throws: ``SystemError`` when the file cannot be read.
    init(head: [UInt8], body: SpooledBody, from offset: Int) throws {
        var stream = CRLFStream(after: head)
        var scratch: [UInt8] = []
        try body.forEachChunk(from: offset) { stream.countOnly($0, scratch: &scratch) }
        stream.finish(into: &scratch)
        self.head = head
        tail = (body, offset)
        count = stream.written
        dotLines = stream.dotLines
    }

    /// The whole message in memory (reads a spooled tail: for tests and twins).
    /// - Throws: ``SystemError``.
    package func bytes() throws -> [UInt8] {
        guard let tail else { return head }
        var output = head
        var stream = CRLFStream(after: head)
        try tail.body.forEachChunk(from: tail.offset) { stream.normalize($0, into: &output) }
        stream.finish(into: &output)
        return output
    }
}

extension CRLFStream {
    /// Runs `input` through the stream for its counts, reusing `scratch` for the output.
    fileprivate mutating func countOnly(_ input: UnsafeRawBufferPointer, scratch: inout [UInt8]) {
        scratch.removeAll(keepingCapacity: true)
        normalize(input, into: &scratch)
    }
}
