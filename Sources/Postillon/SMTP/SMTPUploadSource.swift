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
    }

    /// The number of bytes in the message, for `CURLOPT_INFILESIZE_LARGE` (and so SMTP `SIZE=`).
    var count: Int { bytes.count }

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
