import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Postillon
import PostillonHTTP

/// A raw HTTP/1.1 client over a blocking socket, for connection tests that need exact bytes.
/// A raw HTTP/1.1 client over a blocking socket.
package final class RawClient {
    /// A parsed response.
    package struct Response {
        package var status: Int
        package var headers: HTTPHeaders
        package var body: [UInt8]
        package var text: String { String(decoding: body, as: UTF8.self) }
    }

    package let fd: Int32
    private var buffer: [UInt8] = []

    /// Connects to 127.0.0.1:port.
    package init(port: Int, timeoutMillis: Int = 5000) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if result != 0 { throw SystemError(call: "connect", code: errno) }
        setTimeout(millis: timeoutMillis)
    }

    deinit { close(fd) }

    package func setTimeout(millis: Int) {
        var tv = timeval(tv_sec: millis / 1000, tv_usec: (millis % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    package func send(_ text: String) { send(Array(text.utf8)) }

    package func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { return }
            offset += count
        }
    }

    /// Reads more bytes; false on EOF, error or timeout.
    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count <= 0 { return false }
        buffer.append(contentsOf: chunk[0..<count])
        return true
    }

    /// Reads one response; nil on EOF or timeout before a complete one.
    package func readResponse(headRequest: Bool = false) -> Response? {
        var headEnd: Int?
        while headEnd == nil {
            headEnd = find([13, 10, 13, 10], in: buffer)
            if headEnd == nil && !fill() { return nil }
        }
        let headText = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
        buffer.removeFirst(headEnd! + 4)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        var headers = HTTPHeaders()
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.add(String(line[..<colon]), String(line[line.index(after: colon)...].drop(while: { $0 == " " })))
        }
        var body: [UInt8] = []
        if headRequest || status == 204 || status == 304 || status < 200 {
            return Response(status: status, headers: headers, body: [])
        }
        if let length = headers["Content-Length"].flatMap(Int.init) {
            while buffer.count < length { if !fill() { return nil } }
            body = Array(buffer[0..<length])
            buffer.removeFirst(length)
        } else if headers["Transfer-Encoding"] == "chunked" {
            while true {
                var lineEnd = find([13, 10], in: buffer)
                while lineEnd == nil { if !fill() { return nil }; lineEnd = find([13, 10], in: buffer) }
                let size = Int(String(decoding: buffer[0..<lineEnd!], as: UTF8.self), radix: 16) ?? 0
                buffer.removeFirst(lineEnd! + 2)
                while buffer.count < size + 2 { if !fill() { return nil } }
                body.append(contentsOf: buffer[0..<size])
                buffer.removeFirst(size + 2)
                if size == 0 { break }
            }
        } else {
            while fill() {}
            body = buffer
            buffer = []
        }
        return Response(status: status, headers: headers, body: body)
    }

    /// Reads a response head only (for a streamed body read with ``readChunk()``); nil on EOF or timeout.
    package func readHead() -> Response? { readResponse(headRequest: true) }

    /// Reads one chunk of a chunked body: its bytes (empty for the last chunk); nil on EOF or timeout.
    package func readChunk() -> [UInt8]? {
        var lineEnd = find([13, 10], in: buffer)
        while lineEnd == nil { if !fill() { return nil }; lineEnd = find([13, 10], in: buffer) }
        guard let size = Int(String(decoding: buffer[0..<lineEnd!], as: UTF8.self), radix: 16) else { return nil }
        buffer.removeFirst(lineEnd! + 2)
        while buffer.count < size + 2 { if !fill() { return nil } }
        let chunk = Array(buffer[0..<size])
        buffer.removeFirst(size + 2)
        return chunk
    }

    /// Whether the server closed the connection (EOF) within the receive timeout.
    package func waitForClose() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }

    private func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where haystack[index] == needle[0] {
            if Array(haystack[index..<index + needle.count]) == needle { return index }
        }
        return nil
    }
}
