import Foundation

/// The MIME fixtures of `Tests/Fixtures/mime` (small messages kept as literal bytes) and the ones
/// made at run time (deep nesting, a large attachment), shared by unit and integration tests.
package enum MIMEFixtures {
    /// The fixture directory.
    package static let directory = MailServerEnvironment.repositoryRoot + "/Tests/Fixtures/mime"

    /// Path of fixture `name` (for example `latin1-qp.eml`).
    package static func path(_ name: String) -> String { directory + "/" + name }

    /// Bytes of fixture `name`.
    package static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }

    /// A message whose body is `depth` multipart/mixed levels deep, with a text part at the bottom.
    package static func deeplyNested(depth: Int) -> [UInt8] {
        var text = "From: Deep <deep@example.net>\r\nTo: dave@mail.test\r\nSubject: Nested \(depth) deep\r\n"
            + "Date: Sat, 14 Mar 2026 14:14:14 +0000\r\nMessage-ID: <nested-\(depth)@fixtures.postillon.test>\r\nMIME-Version: 1.0\r\n"
        for level in 0..<depth {
            text += "Content-Type: multipart/mixed; boundary=\"b\(level)\"\r\n\r\n--b\(level)\r\n"
        }
        text += "Content-Type: text/plain; charset=us-ascii\r\n\r\nThe bottom.\r\n"
        for level in (0..<depth).reversed() {
            text += "--b\(level)--\r\n"
        }
        return Array(text.utf8)
    }

    /// Broken inputs that must never crash the parser: empty, NULs, invalid base64, a multipart
    /// without boundary, an empty attached message, stray 8-bit bytes.
    package static let malformedInputs: [[UInt8]] = [
        [],
        [0, 0, 0, 0],
        Array("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not*base64***\r\n".utf8),
        Array("Subject: \u{0}nul\r\nContent-Type: multipart/mixed\r\n\r\n--\r\n".utf8),
        Array("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: message/rfc822\r\n\r\n".utf8),
        [0xFF, 0xFE, 0x0D, 0x0A, 0x0D, 0x0A, 0x80, 0x81],
        Array("Content-Type: text/plain; charset=\"\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=\r\n=F=\u{0}=ZZ\r\n".utf8),
    ]

    /// `size` deterministic pseudo-random bytes (a large attachment's content).
    package static func largeAttachment(size: Int) -> [UInt8] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var bytes = [UInt8](repeating: 0, count: size)
        bytes.withUnsafeMutableBufferPointer { buffer in
            for index in 0..<buffer.count {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                buffer[index] = UInt8(truncatingIfNeeded: state >> 33)
            }
        }
        return bytes
    }

    /// Writes to `path` a multipart/mixed message with a short text body and `attachment` as a
    /// base64 part named `big.bin` (76-character lines, CRLF).
    package static func writeLargeAttachmentMessage(to path: String, attachment: [UInt8]) throws {
        let head = "From: Big <big@example.net>\r\nTo: dave@mail.test\r\nSubject: Large attachment\r\n"
            + "Date: Sun, 15 Mar 2026 15:15:15 +0000\r\nMessage-ID: <large-\(attachment.count)@fixtures.postillon.test>\r\n"
            + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"big\"\r\n\r\n--big\r\n"
            + "Content-Type: text/plain; charset=us-ascii\r\n\r\nA large attachment follows.\r\n--big\r\n"
            + "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"big.bin\"\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\n"
        let encoded = Data(attachment).base64EncodedData(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        var data = Data(head.utf8)
        data.append(encoded)
        data.append(Data("\r\n--big--\r\n".utf8))
        try data.write(to: URL(fileURLWithPath: path))
    }
}
