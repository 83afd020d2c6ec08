#if canImport(Glibc)
import Glibc
#endif

/// Owns a file descriptor and closes it when the last reference goes away.
final class FileDescriptor: Sendable {
    /// The descriptor.
    let fd: Int32

    /// Takes ownership of `fd`.
    init(_ fd: Int32) { self.fd = fd }

    deinit { close(fd) }
}
