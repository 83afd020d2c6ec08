import Postillon
import Testing

/// `CharsetDecoder` from byte literals: every result is valid UTF-8, wrong labels fall back.
@Suite struct CharsetDecoderTests {
    @Test func utf8IsKept() {
        let result = CharsetDecoder.decode(Array("Grüße 🎉".utf8), charset: "UTF-8")
        #expect(result.text == "Grüße 🎉")
        #expect(result.warning == nil)
    }

    @Test func invalidUTF8FallsBackToWindows1252WithAWarning() {
        let result = CharsetDecoder.decode([0x47, 0x72, 0xFC, 0xDF, 0x65], charset: "utf-8")
        #expect(result.text == "Grüße")
        #expect(result.warning == "text declared UTF-8 is not valid UTF-8; decoded as windows-1252")
    }

    @Test func latin1LabelsReadWindows1252Characters() {
        // „ “ € – as windows-1252 sends them; strict ISO-8859-1 would give C1 control characters.
        for label in ["iso-8859-1", "ISO-8859-1", "\"latin1\"", "windows-1252", "cp1252"] {
            let result = CharsetDecoder.decode([0x84, 0x61, 0x93, 0x20, 0x80, 0x20, 0x96, 0x20, 0xE4], charset: label)
            #expect(result.text == "„a“ € – ä", "label \(label)")
            #expect(result.warning == nil)
        }
    }

    @Test func undefinedWindows1252BytesStayValidUTF8() {
        let result = CharsetDecoder.decode([0x81, 0x8D, 0x8F, 0x90, 0x9D], charset: "iso-8859-1")
        #expect(result.text.unicodeScalars.map(\.value) == [0x81, 0x8D, 0x8F, 0x90, 0x9D])
    }

    @Test func missingLabel() {
        #expect(CharsetDecoder.decode(Array("plain".utf8), charset: nil) == ("plain", nil))
        #expect(CharsetDecoder.decode(Array("Grüße".utf8), charset: nil).text == "Grüße")
        #expect(CharsetDecoder.decode([0x47, 0x72, 0xFC], charset: "us-ascii").text == "Grü")
    }

    @Test func otherCharsetsGoThroughIconv() {
        #expect(CharsetDecoder.decode([0x47, 0x72, 0xFC, 0xDF, 0x65, 0x20, 0xA4], charset: "iso-8859-15") == ("Grüße €", nil))
        #expect(CharsetDecoder.decode([0xC0, 0xD2, 0xD4], charset: "koi8-r") == ("юрт", nil))
        #expect(CharsetDecoder.decode([0x93, 0xFA, 0x96, 0x7B], charset: "Shift_JIS") == ("日本", nil))
    }

    @Test func unknownLabelFallsBackWithAWarning() {
        let latin = CharsetDecoder.decode([0x47, 0x72, 0xFC, 0xDF, 0x65], charset: "x-unknown-42")
        #expect(latin.text == "Grüße")
        #expect(latin.warning == "unknown or unusable charset 'x-unknown-42'; decoded as windows-1252")
        let utf8 = CharsetDecoder.decode(Array("Grüße".utf8), charset: "x-unknown-42")
        #expect(utf8.text == "Grüße")
        #expect(utf8.warning == "unknown or unusable charset 'x-unknown-42'; decoded as UTF-8")
        let hostile = CharsetDecoder.decode([0x41], charset: "../../etc/passwd")
        #expect(hostile.text == "A")
        #expect(hostile.warning != nil)
    }

    @Test func bytesInvalidInTheirCharsetFallBack() {
        // 0xFF 0xFF is not valid Shift_JIS.
        let result = CharsetDecoder.decode([0x41, 0xFF, 0xFF], charset: "shift_jis")
        #expect(result.text == "Aÿÿ")
        #expect(result.warning != nil)
    }
}
