/// Where a streaming response writes its body.
package protocol HTTPBodyWriter: AnyObject {
    /// Writes `bytes` to the client, blocking until they are accepted by the socket.
    /// - Throws: ``SystemError`` or ``HTTPWriteError`` when the client is gone or too slow.
    func write(_ bytes: UnsafeRawBufferPointer) throws
}

extension HTTPBodyWriter {
    /// Writes an array of bytes.
    package func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
}
