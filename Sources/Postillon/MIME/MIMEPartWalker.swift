import CGMime
import PostillonHTTP

/// Walks a GMime tree with IMAP-style part ids (RFC 3501 section 6.4.5): a single-part message's
/// body is `1`; children of a multipart are `1`, `2`, ... and their children `2.1`, `2.2`, ...
/// Attached messages (`message/rfc822`) are leaves: their inner parts are not listed.
struct MIMEPartWalker {
    /// Deepest nesting walked; deeper parts are reported in a warning and skipped.
    static let maxDepth = 100

    /// One visited node.
    struct Node {
        let object: UnsafeMutablePointer<GMimeObject>
        let partId: String
        /// The multipart subtypes enclosing this node, innermost last.
        let enclosing: [String]
    }

    let deadlineMillis: Int64
    private(set) var truncatedDepth = false

    init(deadlineMillis: Int64) {
        self.deadlineMillis = deadlineMillis
    }

    /// Visits every leaf (parts and attached messages) in order.
    mutating func walk(_ message: UnsafeMutablePointer<GMimeMessage>, visit: (Node) throws -> Void) throws {
        guard let root = g_mime_message_get_mime_part(message) else { return }
        if cgmime_is_multipart(root) != 0 {
            try walkMultipart(root, prefix: "", enclosing: [], depth: 1, visit: visit)
        } else {
            try visit(Node(object: root, partId: "1", enclosing: []))
        }
    }

    /// Finds the node with `partId`.
    mutating func find(_ message: UnsafeMutablePointer<GMimeMessage>, partId: String) throws -> Node? {
        var found: Node?
        try walk(message) { node in
            if found == nil && node.partId == partId { found = node }
        }
        return found
    }

    private mutating func walkMultipart(_ object: UnsafeMutablePointer<GMimeObject>, prefix: String, enclosing: [String], depth: Int,
                                        visit: (Node) throws -> Void) throws {
        if MonotonicClock.nowMillis() > deadlineMillis { throw MIMEError.timedOut }
        guard depth <= Self.maxDepth else {
            truncatedDepth = true
            return
        }
        let multipart = cgmime_as_multipart(object)
        let subtype = Self.mimeType(object).split(separator: "/").last.map(String.init) ?? "mixed"
        let count = g_mime_multipart_get_count(multipart)
        for index in 0..<max(0, count) {
            guard let child = g_mime_multipart_get_part(multipart, index) else { continue }
            let id = prefix.isEmpty ? "\(index + 1)" : "\(prefix).\(index + 1)"
            if cgmime_is_multipart(child) != 0 {
                try walkMultipart(child, prefix: id, enclosing: enclosing + [subtype], depth: depth + 1, visit: visit)
            } else {
                try visit(Node(object: child, partId: id, enclosing: enclosing + [subtype]))
            }
        }
    }

    /// `type/subtype` of an object, lower-case.
    static func mimeType(_ object: UnsafeMutablePointer<GMimeObject>) -> String {
        guard let type = g_mime_object_get_content_type(object), let text = GMime.takeString(g_mime_content_type_get_mime_type(type)) else {
            return "application/octet-stream"
        }
        return text.lowercased()
    }
}
