#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: the call's name and the `errno` it left, printable with `strerror`.
package struct SystemError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The name of the system call that failed, for example `"bind"`.
    package let call: String
    /// The `errno` value the call left.
    package let code: Int32

    /// Creates an error for `call` with the given `errno` value.
    package init(call: String, code: Int32) {
        self.call = call
        self.code = code
    }

    package var description: String {
        "\(call) failed: \(String(cString: strerror(code))) (errno \(code))"
    }
}

/// Runs a system call, retrying on `EINTR`, and turns `-1` into a ``SystemError``.
///
/// - Parameters:
///   - name: the call's name, kept in the error.
///   - body: the call; it returns `-1` and sets `errno` on failure.
/// - Throws: ``SystemError`` for any failure other than `EINTR`.
@discardableResult
@inline(__always)
package func syscall<T: FixedWidthInteger>(_ name: String, _ body: () -> T) throws -> T {
    while true {
        let result = body()
        if result == -1 {
            let code = errno
            if code == EINTR { continue }
            throw SystemError(call: name, code: code)
        }
        return result
    }
}
