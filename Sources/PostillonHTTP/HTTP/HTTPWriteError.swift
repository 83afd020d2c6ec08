/// Why writing a response to a client failed.
package enum HTTPWriteError: Error, Equatable, Sendable {
    /// The client did not take the bytes before the write deadline.
    case timedOut
    /// The client closed the connection.
    case connectionClosed
    /// A streaming body wrote more or fewer bytes than its declared length.
    case lengthMismatch(declared: Int, written: Int)
}
