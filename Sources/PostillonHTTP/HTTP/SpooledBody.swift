#if canImport(Glibc)
import Glibc
#endif

/// A complete request body held in a nameless temporary file (see ``BodySpool``) rather than in
/// memory; ``HTTPRequest/spooledBody`` carries it to the handler. Reading blocks on the disk, so
/// read it from a worker thread, never on an event loop.
///
/// The descriptor closes, and the disk space is freed, when the last reference goes away: when the
/// request's handler returned, or when a request that never reached one is dropped.
package final class SpooledBody: Sendable {
    private let fd: Int32
    /// The body's length in bytes.
    package let count: Int

    init(fd: Int32, count: Int) {
        self.fd = fd
        self.count = count
    }

    deinit { close(fd) }

    /// A body spooled from `bytes` into a new file in `directory` (for tests and tools).
    /// - Throws: ``SystemError``.
    package static func make(_ bytes: [UInt8], in directory: String = SpooledBody.defaultDirectory) throws -> SpooledBody {
        let spool = try BodySpool.create(in: directory)
        try spool.append(bytes)
        return spool.finish()
    }

    /// The directory for spooled bodies: `$TMPDIR`, else `/tmp`.
    package static var defaultDirectory: String {
        if let value = getenv("TMPDIR"), value.pointee != 0 { return String(cString: value) }
        return "/tmp"
    }

    /// Reads up to `buffer.count` bytes at `offset`; returns how many (0 at the end).
    /// - Throws: ``SystemError``.
    package func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard offset < count, buffer.count > 0 else { return 0 }
        let length = min(buffer.count, count - offset)
        return try syscall("pread") { pread(fd, buffer.baseAddress, length, off_t(offset)) }
    }

    /// `length` bytes from `offset` (fewer at the end of the body).
    /// - Throws: ``SystemError``.
    package func bytes(at offset: Int = 0, length: Int) throws -> [UInt8] {
        let wanted = max(0, min(length, count - offset))
        var result = [UInt8](repeating: 0, count: wanted)
        var filled = 0
        try result.withUnsafeMutableBytes { buffer in
            while filled < wanted {
                let got = try read(at: offset + filled, into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
                if got == 0 { break }
                filled += got
            }
        }
        if filled < wanted { result.removeLast(wanted - filled) }
        return result
    }

    /// Calls `body` with the file's bytes from `offset` on, in pieces of at most `chunkBytes`.
    /// - Throws: ``SystemError``, or what `body` throws.
    package func forEachChunk(from offset: Int = 0, chunkBytes: Int = 64 * 1024, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var buffer = [UInt8](repeating: 0, count: chunkBytes)
        var position = offset
        while position < count {
            let got = try buffer.withUnsafeMutableBytes { try read(at: position, into: $0) }
            if got == 0 { break }
            try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
            position += got
        }
    }
}
