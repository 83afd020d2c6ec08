import PostillonHTTP

/// The message bytes libcurl reads for `DATA`, handed out by the read callback in chunks: the
/// message's head from memory, then a spooled tail read from its file and normalised piece by
/// piece (see ``SMTPMessage``), so a large raw message costs one read buffer here.
///
/// libcurl gets this object through `CURLOPT_READDATA` as an unretained pointer while
/// `curl_easy_perform` runs; the caller keeps it alive with `withExtendedLifetime`.
final class SMTPUploadSource {
    private let message: SMTPMessage
    /// Bytes handed out so far.
    private var handedOut = 0
    /// Where the next read of the spooled tail starts.
    private var fileOffset: Int
    private var stream: CRLFStream
    /// Normalised tail bytes not handed out yet, from `pendingIndex`.
    private var pending: [UInt8] = []
    private var pendingIndex = 0
    private var tailFinished: Bool
    private var raw = [UInt8]()
    /// Set when the spooled file could not be read; the upload was aborted.
    private(set) var readError: (any Error)?

    /// A source for `message` (CRLF line endings; libcurl dot-stuffs them).
    init(_ message: SMTPMessage) {
        self.message = message
        fileOffset = message.tail?.offset ?? 0
        stream = CRLFStream(after: message.tail == nil ? [] : message.head)
        tailFinished = message.tail == nil
        wireCount = message.count + message.dotLines
    }

    /// A source for bytes in memory.
    convenience init(_ bytes: [UInt8]) { self.init(SMTPMessage(bytes)) }

    /// The number of bytes in the message, for `CURLOPT_INFILESIZE_LARGE` (and so SMTP `SIZE=`).
    var count: Int { message.count }

    /// The bytes libcurl writes for the message once dot-stuffed: one more for every line that starts
    /// with "." (libcurl turns CRLF "." into CRLF ".."). When this many went out, the whole message
    /// did; the final CRLF "." CRLF follows. A leading "." on the very first line is not counted, so
    /// the figure errs low (towards "the message may have gone out"), never high.
    let wireCount: Int

    /// Whether the last read handed out the final bytes.
    var isExhausted: Bool { handedOut >= message.count && tailFinished && pendingIndex == pending.count }

    /// Copies the next chunk into `buffer`; returns its length, 0 at the end, or
    /// `CURL_READFUNC_ABORT`'s value (`abort`) when the spooled file cannot be read.
    func read(into buffer: UnsafeMutableRawPointer, capacity: Int, abort: Int = 0x1000_0000) -> Int {
        let head = message.head
        if handedOut < head.count {
            let length = min(capacity, head.count - handedOut)
            head.withUnsafeBytes { source in
                buffer.copyMemory(from: source.baseAddress! + handedOut, byteCount: length)
            }
            handedOut += length
            return length
        }
        // Refill from the file (a piece may normalise to nothing: the LF of a CR LF split between reads).
        while pendingIndex == pending.count {
            guard !tailFinished, let tail = message.tail else { return 0 }
            pending.removeAll(keepingCapacity: true)
            pendingIndex = 0
            do {
                if raw.isEmpty { raw = [UInt8](repeating: 0, count: 64 * 1024) }
                let got = try raw.withUnsafeMutableBytes { try tail.body.read(at: fileOffset, into: $0) }
                fileOffset += got
                raw.withUnsafeBytes { stream.normalize(UnsafeRawBufferPointer(rebasing: $0[0..<got]), into: &pending) }
                if got == 0 {
                    stream.finish(into: &pending)
                    tailFinished = true
                }
            } catch {
                readError = error
                return abort
            }
        }
        let length = min(capacity, pending.count - pendingIndex)
        pending.withUnsafeBytes { source in
            buffer.copyMemory(from: source.baseAddress! + pendingIndex, byteCount: length)
        }
        pendingIndex += length
        handedOut += length
        return length
    }
}
