import Foundation

/// RFC 2047 encoded-words joined before GMime decodes them.
///
/// Senders such as Outlook Express split a header into several encoded-words at a byte count, so
/// one multibyte character (GB2312, GBK, Shift_JIS...) can start in one word and end in the next.
/// GMime converts each word on its own and drops the rest of the text after such a split. Words
/// separated only by whitespace are one text (RFC 2047 section 6.2), so adjacent words with the
/// same charset are decoded to bytes, concatenated and written back as one `B` word.
enum EncodedWords {
    private struct Word {
        let range: Range<Int>
        let charset: String
        let bytes: [UInt8]
    }

    /// `value` with every run of adjacent same-charset encoded-words merged into one word; text
    /// without such runs is returned unchanged.
    static func mergeAdjacent(_ value: String) -> String {
        let bytes = Array(value.utf8)
        guard bytes.count >= 8, value.contains("?=") else { return value }
        var words: [Word] = []
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: "="), bytes[index + 1] == UInt8(ascii: "?"), let word = parseWord(bytes, at: index) {
                words.append(word)
                index = word.range.upperBound
            } else {
                index += 1
            }
        }
        guard words.count >= 2 else { return value }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var position = 0
        var runStart = 0
        var changed = false
        while runStart < words.count {
            var runEnd = runStart + 1
            while runEnd < words.count, words[runEnd].charset == words[runStart].charset,
                  bytes[words[runEnd - 1].range.upperBound..<words[runEnd].range.lowerBound].allSatisfy(isLinearWhitespace) {
                runEnd += 1
            }
            if runEnd - runStart >= 2 {
                output += bytes[position..<words[runStart].range.lowerBound]
                let joined = words[runStart..<runEnd].flatMap(\.bytes)
                output += Array("=?\(words[runStart].charset)?B?\(Data(joined).base64EncodedString())?=".utf8)
                position = words[runEnd - 1].range.upperBound
                changed = true
            }
            runStart = runEnd
        }
        guard changed else { return value }
        output += bytes[position...]
        return String(decoding: output, as: UTF8.self)
    }

    private static func isLinearWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }

    /// Parses `=?charset?B|Q?text?=` at `start`; nil when the bytes there are not an encoded-word.
    private static func parseWord(_ bytes: [UInt8], at start: Int) -> Word? {
        let question = UInt8(ascii: "?")
        var index = start + 2
        let charsetStart = index
        while index < bytes.count, bytes[index] != question {
            if bytes[index] <= 0x20 || bytes[index] >= 0x7F || index - charsetStart > 64 { return nil }
            index += 1
        }
        guard index + 3 < bytes.count, index > charsetStart, bytes[index + 2] == question else { return nil }
        // RFC 2231 adds an optional `*language` to the charset; it does not change the bytes.
        let charset = String(decoding: bytes[charsetStart..<index], as: UTF8.self).split(separator: "*").first.map { $0.lowercased() } ?? ""
        let encoding = bytes[index + 1] | 0x20
        let textStart = index + 3
        index = textStart
        while index + 1 < bytes.count, !(bytes[index] == question && bytes[index + 1] == UInt8(ascii: "=")) {
            if bytes[index] <= 0x20 || bytes[index] >= 0x7F { return nil }
            index += 1
        }
        guard index + 1 < bytes.count, !charset.isEmpty else { return nil }
        let text = bytes[textStart..<index]
        let decoded: [UInt8]?
        switch encoding {
        case UInt8(ascii: "b"): decoded = decodeBase64(text)
        case UInt8(ascii: "q"): decoded = decodeQ(text)
        default: decoded = nil
        }
        guard let decoded else { return nil }
        return Word(range: start..<(index + 2), charset: charset, bytes: decoded)
    }

    private static func decodeBase64(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        var padded = String(decoding: text.filter { $0 != UInt8(ascii: "=") }, as: UTF8.self)
        while padded.utf8.count % 4 != 0 { padded += "=" }
        return Data(base64Encoded: padded).map { Array($0) }
    }

    private static func decodeQ(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        var output: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let byte = text[index]
            if byte == UInt8(ascii: "_") {
                output.append(0x20)
            } else if byte == UInt8(ascii: "=") {
                guard index + 2 < text.endIndex, let high = hex(text[index + 1]), let low = hex(text[index + 2]) else { return nil }
                output.append(high << 4 | low)
                index += 2
            } else {
                output.append(byte)
            }
            index += 1
        }
        return output
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
