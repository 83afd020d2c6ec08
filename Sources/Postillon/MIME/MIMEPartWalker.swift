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
    /// Most leaves visited; the walk stops after them and sets ``truncatedParts``.
    let maxParts: Int
    private(set) var truncatedDepth = false
    private(set) var truncatedParts = false
    private var visited = 0

    init(deadlineMillis: Int64, maxParts: Int = 1000) {
        self.deadlineMillis = deadlineMillis
        self.maxParts = maxParts
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

    /// Finds the node with `partId` by following its path (one child per level), without visiting
    /// the other parts; the same ids as ``walk(_:visit:)`` lists, and nil for any other.
    func find(_ message: UnsafeMutablePointer<GMimeMessage>, partId: String) throws -> Node? {
        guard let root = g_mime_message_get_mime_part(message) else { return nil }
        let components = partId.split(separator: ".", omittingEmptySubsequences: false)
        let path = components.map { component in Int(component).flatMap { $0 >= 1 && String($0) == component ? $0 : nil } }
        guard !path.isEmpty, path.count <= Self.maxDepth, !path.contains(nil) else { return nil }
        guard cgmime_is_multipart(root) != 0 else { return partId == "1" ? Node(object: root, partId: "1", enclosing: []) : nil }
        var object = root
        var enclosing: [String] = []
        for (level, step) in path.enumerated() {
            if MonotonicClock.nowMillis() > deadlineMillis { throw MIMEError.timedOut }
            guard cgmime_is_multipart(object) != 0 else { return nil }
            let multipart = cgmime_as_multipart(object)
            guard let index = step, index <= g_mime_multipart_get_count(multipart),
                  let child = g_mime_multipart_get_part(multipart, Int32(index - 1)) else { return nil }
            enclosing.append(Self.subtype(object))
            object = child
            if level == path.count - 1 {
                return cgmime_is_multipart(child) != 0 ? nil : Node(object: child, partId: partId, enclosing: enclosing)
            }
        }
        return nil
    }

    private mutating func walkMultipart(_ object: UnsafeMutablePointer<GMimeObject>, prefix: String, enclosing: [String], depth: Int,
                                        visit: (Node) throws -> Void) throws {
        guard depth <= Self.maxDepth else {
            truncatedDepth = true
            return
        }
        let multipart = cgmime_as_multipart(object)
        let subtype = Self.subtype(object)
        let count = g_mime_multipart_get_count(multipart)
        for index in 0..<max(0, count) {
            // Per part, not per multipart: a flat multipart may hold many thousands of parts.
            if MonotonicClock.nowMillis() > deadlineMillis { throw MIMEError.timedOut }
            guard !truncatedParts else { return }
            guard let child = g_mime_multipart_get_part(multipart, index) else { continue }
            let id = prefix.isEmpty ? "\(index + 1)" : "\(prefix).\(index + 1)"
            if cgmime_is_multipart(child) != 0 {
                try walkMultipart(child, prefix: id, enclosing: enclosing + [subtype], depth: depth + 1, visit: visit)
            } else {
                guard visited < maxParts else {
                    truncatedParts = true
                    return
                }
                visited += 1
                try visit(Node(object: child, partId: id, enclosing: enclosing + [subtype]))
            }
        }
    }

    /// The subtype of a multipart (`mixed` when it has none).
    private static func subtype(_ object: UnsafeMutablePointer<GMimeObject>) -> String {
        mimeType(object).split(separator: "/").last.map(String.init) ?? "mixed"
    }

    /// `type/subtype` of an object, lower-case. A Content-Type that is not `type/subtype` (for
    /// example plain `text`) means `text/plain` (RFC 2045 section 5.2), not GMime's octet-stream.
    static func mimeType(_ object: UnsafeMutablePointer<GMimeObject>) -> String {
        if hasInvalidContentType(object) { return "text/plain" }
        guard let type = g_mime_object_get_content_type(object), let text = GMime.takeString(g_mime_content_type_get_mime_type(type)) else {
            return "application/octet-stream"
        }
        return text.lowercased()
    }

    /// Whether the object has a Content-Type field whose value is not `type/subtype`.
    static func hasInvalidContentType(_ object: UnsafeMutablePointer<GMimeObject>) -> Bool {
        guard let raw = GMime.string(g_mime_object_get_header(object, "Content-Type")) else { return false }
        let media = raw.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let parts = media.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map { String($0).trimming(" \t") }
        guard parts.count == 2 else { return true }
        let type = parts[0].utf8, subtype = parts[1].utf8.prefix(while: ASCII.isTokenChar)
        return type.isEmpty || !type.allSatisfy(ASCII.isTokenChar) || subtype.isEmpty
    }
}
