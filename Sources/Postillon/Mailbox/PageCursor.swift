/// An opaque cursor for the newest-first message list that names UIDLs, not positions, so it
/// survives deletions: the next page starts at `next` if it still exists, else right after `last`.
package struct PageCursor: Sendable, Equatable {
    /// UIDL of the first message of the next page.
    package let next: String
    /// UIDL of the last message of the previous page.
    package let last: String

    /// Creates a cursor.
    package init(next: String, last: String) {
        self.next = next
        self.last = last
    }

    /// The cursor as URL-safe text.
    package var encoded: String { Base64URL.encode(Array("1\n\(next)\n\(last)".utf8)) }

    /// Parses cursor text; nil when it was not made by ``encoded``.
    package static func decode(_ text: String) -> PageCursor? {
        guard text.utf8.count <= 400, let bytes = Base64URL.decode(text), let string = String(validating: bytes, as: UTF8.self) else { return nil }
        let parts = string.split(separator: "\n", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "1", !parts[1].isEmpty, !parts[2].isEmpty else { return nil }
        return PageCursor(next: String(parts[1]), last: String(parts[2]))
    }

    /// Where the page after this cursor starts in `uidlsNewestFirst`.
    /// - Returns: nil when neither named message exists any more.
    package func startIndex(in uidlsNewestFirst: [String]) -> Int? {
        if let index = uidlsNewestFirst.firstIndex(of: next) { return index }
        if let index = uidlsNewestFirst.firstIndex(of: last) { return index + 1 }
        return nil
    }
}
