#if canImport(Glibc)
import Glibc
#endif

/// Owns a file descriptor and closes it when the last reference goes away.
package final class FileDescriptor: Sendable {
    /// The descriptor.
    package let fd: Int32

    /// Takes ownership of `fd`.
    package init(_ fd: Int32) { self.fd = fd }

    deinit { close(fd) }
}
