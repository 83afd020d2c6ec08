#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// A request body being written to a temporary file as it arrives, so a large upload costs its
/// connection a read buffer, not its size in RAM (issue 11, item 2).
///
/// The file has no name from the start: `O_TMPFILE` in the spool directory, or, where the file
/// system lacks it, `mkstemp` (mode 0600) followed at once by `unlink`. Nothing is left on disk
/// whatever happens to the request (413, a client that disconnects mid-body, shutdown, a crash):
/// the space is freed when the descriptor closes, which this object (or the ``SpooledBody`` it
/// becomes) does in `deinit`. The disk space in use is bounded by the server's ``BodyBudget``,
/// which reserves a spooled body's bytes like any other.
///
/// Written only by the event loop that owns the connection, with plain `write(2)` calls to a local
/// file (small sequential writes, which the page cache absorbs; the loop never waits on the client).
final class BodySpool {
    private var fd: Int32
    /// Bytes written so far.
    private(set) var count = 0

    private init(fd: Int32) { self.fd = fd }

    deinit { if fd >= 0 { close(fd) } }

    /// Creates an empty, nameless file in `directory`.
    /// - Throws: ``SystemError`` when the directory cannot hold one.
    static func create(in directory: String) throws -> BodySpool {
        let fd = clinux_open_tmpfile(directory, 0o600)
        if fd >= 0 { return BodySpool(fd: fd) }
        let code = errno
        // EOPNOTSUPP/EISDIR/EINVAL: the file system (or an old kernel) has no O_TMPFILE.
        guard code == EOPNOTSUPP || code == EISDIR || code == EINVAL else { throw SystemError(call: "open(O_TMPFILE)", code: code) }
        var template = Array((directory.hasSuffix("/") ? directory : directory + "/").utf8) + Array("postillon-body.XXXXXX".utf8) + [0]
        let named = try template.withUnsafeMutableBufferPointer { buffer in
            try syscall("mkstemp") { mkstemp(UnsafeMutableRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)) }
        }
        _ = fcntl(named, F_SETFD, FD_CLOEXEC)
        let spool = BodySpool(fd: named)
        _ = template.withUnsafeBufferPointer { buffer in
            unlink(UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self))
        }
        return spool
    }

    /// Appends `bytes` to the file.
    /// - Throws: ``SystemError`` (a full disk: `ENOSPC`).
    func append(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = try syscall("write") { write(fd, bytes.baseAddress! + offset, bytes.count - offset) }
            offset += written
        }
        count += bytes.count
    }

    /// Appends `bytes` to the file.
    func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try append($0) }
    }

    /// The complete body, which now owns the descriptor (this object is spent).
    func finish() -> SpooledBody {
        let body = SpooledBody(fd: fd, count: count)
        fd = -1
        return body
    }
}
