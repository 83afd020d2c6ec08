/// One Server-Sent Events frame (the WHATWG `text/event-stream` format) as bytes: pure, so every
/// framing rule is tested from literals.
///
/// Each field is one line; a multi-line `data` becomes one `data:` line per line (the client joins
/// them with `\n`); a blank line ends the frame. CR, LF and NUL cannot occur inside `id` or `event`
/// (they would end the field early, or an id with NUL is ignored by browsers): they are removed.
package enum ServerSentEvent {
    /// A frame with an optional `id`, an optional `event` type and the `data`.
    package static func frame(id: String? = nil, event: String? = nil, data: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.utf8.count + 64)
        if let id { field(&out, "id", id) }
        if let event { field(&out, "event", event) }
        var line: [UInt8] = []
        var previous: UInt8 = 0
        for byte in data.utf8 {
            if byte == ASCII.lf && previous == ASCII.cr {
                previous = byte
                continue
            }
            previous = byte
            if byte == ASCII.cr || byte == ASCII.lf {
                dataLine(&out, line)
                line.removeAll(keepingCapacity: true)
            } else {
                line.append(byte)
            }
        }
        dataLine(&out, line)
        out.append(ASCII.lf)
        return out
    }

    /// A comment line (`: text`), which clients ignore: a heartbeat that keeps proxies and the
    /// connection from timing out.
    package static func comment(_ text: String) -> [UInt8] {
        var out: [UInt8] = [ASCII.colon, ASCII.space]
        out.append(contentsOf: text.utf8.filter { $0 != ASCII.cr && $0 != ASCII.lf })
        out.append(ASCII.lf)
        out.append(ASCII.lf)
        return out
    }

    /// The reconnection delay a client should use, in milliseconds (`retry:`).
    package static func retry(millis: Int) -> [UInt8] {
        Array("retry: \(max(0, millis))\n\n".utf8)
    }

    private static func field(_ out: inout [UInt8], _ name: String, _ value: String) {
        out.append(contentsOf: name.utf8)
        out.append(ASCII.colon)
        out.append(ASCII.space)
        out.append(contentsOf: value.utf8.filter { $0 != ASCII.cr && $0 != ASCII.lf && $0 != 0 })
        out.append(ASCII.lf)
    }

    private static func dataLine(_ out: inout [UInt8], _ line: [UInt8]) {
        out.append(contentsOf: "data: ".utf8)
        out.append(contentsOf: line)
        out.append(ASCII.lf)
    }
}
