/// Turns a response's status and headers into the bytes of an HTTP/1.1 response head.
package enum HTTPResponseSerializer {
    /// How the body of a serialized response is framed.
    package enum Framing: Equatable, Sendable {
        /// `Content-Length: n`.
        case length(Int)
        /// `Transfer-Encoding: chunked`.
        case chunked
        /// No body and no length header (1xx, 204, 304).
        case none
    }

    /// Serializes a response head.
    ///
    /// Header values are written without CR, LF or NUL, so no handler can split a response.
    /// Framing and connection headers set by handlers are replaced by the server's own.
    package static func head(
        status: HTTPStatus, headers: HTTPHeaders, framing: Framing, keepAlive: Bool, date: String, requestID: String
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        out.append(contentsOf: "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n".utf8)
        for field in headers {
            if HTTPHeaders.equalNames(field.name, "Content-Length") || HTTPHeaders.equalNames(field.name, "Transfer-Encoding")
                || HTTPHeaders.equalNames(field.name, "Connection") || HTTPHeaders.equalNames(field.name, "Date")
                || HTTPHeaders.equalNames(field.name, "X-Request-Id") { continue }
            guard ASCII.isToken(field.name) else { continue }
            appendField(&out, field.name, field.value)
        }
        appendField(&out, "Date", date)
        appendField(&out, "X-Request-Id", requestID)
        switch framing {
        case .length(let length): appendField(&out, "Content-Length", String(length))
        case .chunked: appendField(&out, "Transfer-Encoding", "chunked")
        case .none: break
        }
        if !keepAlive { appendField(&out, "Connection", "close") }
        out.append(ASCII.cr)
        out.append(ASCII.lf)
        return out
    }

    @inline(__always)
    private static func appendField(_ out: inout [UInt8], _ name: String, _ value: String) {
        out.append(contentsOf: name.utf8)
        out.append(ASCII.colon)
        out.append(ASCII.space)
        for byte in value.utf8 where byte != ASCII.cr && byte != ASCII.lf && byte != 0 {
            out.append(byte)
        }
        out.append(ASCII.cr)
        out.append(ASCII.lf)
    }
}
