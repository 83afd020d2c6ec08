import Foundation
#if canImport(Glibc)
import Glibc
import PostillonHTTP
#endif

/// A private temporary file (mode 0600) that is removed when the object goes away, so large
/// messages and parts never sit in memory and never outlive the request.
/// Sendable: written by one thread, then only read; hand-overs between threads go through locks.
package final class SpooledFile: @unchecked Sendable {
    /// The file's path.
    package let path: String
    private var fd: Int32
    /// Bytes written so far.
    package private(set) var size = 0

    /// Creates an empty temporary file.
    /// - Throws: ``SystemError``.
    package init() throws {
        let directory = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((directory + "/postillon-XXXXXX").utf8CString)
        fd = try syscall("mkstemp") { template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) } }
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        if fd >= 0 { close(fd) }
        unlink(path)
    }

    /// Appends bytes.
    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw SystemError(call: "write", code: errno)
            }
            offset += written
        }
        size += bytes.count
    }

    /// Closes the write side (the file stays until the object is released).
    package func finishWriting() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
    }

    /// Streams the file's contents to `sink` in 64 KiB pieces.
    package func read(into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let input = open(path, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw SystemError(call: "open", code: errno) }
        defer { close(input) }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw SystemError(call: "read", code: errno) }
            if count == 0 { return }
            try chunk.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
    }
}
