/// ``CRLFNormalizer`` for a message that arrives in pieces (a spooled body read from its file): the
/// same output, piece by piece. Every lone LF and lone CR becomes CRLF, a CR LF pair split between
/// two pieces stays one line break, and ``finish(into:)`` ends the message with CRLF.
///
/// It also counts what libcurl's dot-stuffing adds: one byte for every "." that follows CRLF
/// (see ``SMTPUploadSource/wireCount``).
struct CRLFStream {
    /// The last raw byte was a CR, already written as CRLF: an LF right after it is dropped.
    private var afterCR = false
    /// The last two bytes written (to find CRLF "." across pieces, and whether the output ends with LF).
    private var previous: UInt8 = 0
    private var last: UInt8 = 0
    /// Bytes written so far.
    private(set) var written = 0
    /// Lines written that start with "." after a CRLF: the bytes dot-stuffing adds.
    private(set) var dotLines = 0

    /// A stream continuing after `prefix`, output already written (CRLF-normalised): its last
    /// bytes matter for dot lines and for the final CRLF.
    init(after prefix: [UInt8] = []) {
        for byte in prefix { note(byte) }
    }

    private mutating func note(_ byte: UInt8) {
        if byte == 0x2E && previous == 0x0D && last == 0x0A { dotLines += 1 }
        previous = last
        last = byte
        written += 1
    }

    /// Normalises `input`, appending to `output`.
    mutating func normalize(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        for byte in input {
            if byte == 0x0A && afterCR {
                afterCR = false
                continue
            }
            afterCR = byte == 0x0D
            if byte == 0x0D || byte == 0x0A {
                output.append(0x0D)
                output.append(0x0A)
                note(0x0D)
                note(0x0A)
            } else {
                output.append(byte)
                note(byte)
            }
        }
    }

    /// Ends the message: CRLF unless it is empty or already ends with a line break.
    mutating func finish(into output: inout [UInt8]) {
        afterCR = false
        guard written > 0, last != 0x0A else { return }
        output.append(0x0D)
        output.append(0x0A)
        note(0x0D)
        note(0x0A)
    }
}

extension CRLFStream {
    /// The CRLF-normalised header block of a raw message's first bytes, with its empty line, and the
    /// offset in `raw` where the body starts; nil when `raw` holds no empty line. The last byte of
    /// `raw` is only looked at (it may be the LF of a CR LF pair), so the offset never splits a pair
    /// and normalising the rest from there gives what ``CRLFNormalizer`` gives for the whole.
    static func headerBlock(of raw: [UInt8]) -> (header: [UInt8], bodyOffset: Int)? {
        var output: [UInt8] = []
        var index = 0
        while index < raw.count - 1 {
            let byte = raw[index]
            guard byte == 0x0D || byte == 0x0A else {
                output.append(byte)
                index += 1
                continue
            }
            index += byte == 0x0D && raw[index + 1] == 0x0A ? 2 : 1
            output.append(0x0D)
            output.append(0x0A)
            let count = output.count
            if count == 2 || (count >= 4 && output[count - 4] == 0x0D && output[count - 3] == 0x0A) { return (output, index) }
        }
        return nil
    }
}
