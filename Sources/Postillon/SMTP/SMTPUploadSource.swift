/// The message bytes libcurl reads for `DATA`, handed out by the read callback in chunks.
///
/// libcurl gets this object through `CURLOPT_READDATA` as an unretained pointer while
/// `curl_easy_perform` runs; the caller keeps it alive with `withExtendedLifetime`.
final class SMTPUploadSource {
    private let bytes: [UInt8]
    private var offset = 0

    /// A source for `bytes` (CRLF line endings; libcurl dot-stuffs them).
    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var stuffed = 0
        if bytes.count >= 3 {
            for index in 0..<(bytes.count - 2) where bytes[index] == 0x0D && bytes[index + 1] == 0x0A && bytes[index + 2] == 0x2E {
                stuffed += 1
            }
        }
        wireCount = bytes.count + stuffed
    }

    /// The number of bytes in the message, for `CURLOPT_INFILESIZE_LARGE` (and so SMTP `SIZE=`).
    var count: Int { bytes.count }

    /// The bytes libcurl writes for the message once dot-stuffed: one more for every line that starts
    /// with "." (libcurl turns CRLF "." into CRLF ".."). When this many went out, the whole message
    /// did; the final CRLF "." CRLF follows. A leading "." on the very first line is not counted, so
    /// the figure errs low (towards "the message may have gone out"), never high.
    let wireCount: Int

    /// Whether the last read handed out the final bytes.
    var isExhausted: Bool { offset == bytes.count }

    /// Copies the next chunk into `buffer`; returns its length, 0 at the end.
    func read(into buffer: UnsafeMutableRawPointer, capacity: Int) -> Int {
        let length = min(capacity, bytes.count - offset)
        guard length > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: source.baseAddress! + offset, byteCount: length)
        }
        offset += length
        return length
    }
}
