#if canImport(Glibc)
import Glibc
#endif
import CGMime

/// Process-wide GMime set-up: `g_mime_init` exactly once, before any thread parses or composes.
public enum GMime {
    private static let initialized: Bool = {
        g_mime_init()
        // Undeclared 8-bit text is tried as UTF-8 first, then as windows-1252 (a superset of
        // ISO-8859-1 that real-world mail mislabels most often).
        cgmime_set_fallback_charsets(g_mime_parser_options_get_default(), "UTF-8", "windows-1252")
        return true
    }()

    /// Initializes GMime (idempotent; call at start-up before worker threads run).
    public static func initialize() {
        _ = initialized
    }

    /// A Swift string from a C string owned by GMime (not freed).
    static func string(_ pointer: UnsafePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)), as: UTF8.self)
    }

    /// Decoded header text from GMime (not freed), with mislabelled windows-1252 characters repaired
    /// (see ``CharsetDecoder/repairingC1(_:)``).
    static func headerText(_ pointer: UnsafePointer<CChar>?) -> String? {
        string(pointer).map(CharsetDecoder.repairingC1)
    }

    /// A Swift string from a C string we own, which is freed with `g_free`.
    static func takeString(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        defer { g_free(pointer) }
        return string(pointer)
    }
}
