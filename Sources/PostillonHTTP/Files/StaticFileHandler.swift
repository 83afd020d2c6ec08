#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Serves files from the public directory with validators, caching headers and no way out of the directory.
///
/// Traversal is closed twice: segments are percent-decoded one by one and `.`/`..`, encoded
/// slashes, backslashes and NUL bytes are refused before touching the file system; then the
/// candidate is resolved with `realpath` (following symlinks) and must still lie inside the root.
package final class StaticFileHandler: Sendable {
    /// The resolved root directory, without a trailing slash.
    package let root: String
    /// Files up to this size are read into memory; larger ones are streamed.
    let bufferLimit = 1 << 20
    /// Files up to this size are kept in memory between requests (validated by `stat` each time).
    static let cacheFileLimit = 256 * 1024
    /// Most cached files.
    static let cacheEntryLimit = 512
    private let cache = Mutex<[String: CachedFile]>([:])

    /// A small file kept in memory with the metadata that proves it is still current.
    struct CachedFile: Sendable {
        let resolved: String
        let size: Int
        let modifiedSeconds: Int
        let modifiedNanos: Int
        let response: HTTPResponse
    }

    /// Creates a handler for `directory`.
    /// - Throws: ``SystemError`` when the directory does not exist.
    package init(directory: String) throws {
        guard let resolved = Self.realPath(directory) else { throw SystemError(call: "realpath(\(directory))", code: errno) }
        var info = stat()
        guard stat(resolved, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { throw SystemError(call: "stat(\(directory))", code: ENOTDIR) }
        root = resolved
    }

    /// Whether `rawPath` can be answered from memory without blocking (so on the event loop).
    package func isCached(rawPath: Substring) -> Bool {
        cache.withLock { $0[String(rawPath)] != nil }
    }

    /// Answers a `GET` or `HEAD` for `rawPath` (still percent-encoded).
    package func respond(rawPath: Substring, headers: HTTPHeaders) throws -> HTTPResponse {
        let key = String(rawPath)
        if let cached = cache.withLock({ $0[key] }) {
            var info = stat()
            if stat(cached.resolved, &info) == 0, Int(info.st_size) == cached.size, Int(info.st_mtim.tv_sec) == cached.modifiedSeconds,
               Int(info.st_mtim.tv_nsec) == cached.modifiedNanos {
                if Self.notModified(headers: headers, etag: cached.response.headers["ETag"] ?? "", modified: cached.modifiedSeconds) {
                    return HTTPResponse(status: .notModified, headers: cached.response.headers, body: .empty)
                }
                return cached.response
            }
            _ = cache.withLock { $0.removeValue(forKey: key) }
        }
        let response = try load(rawPath: rawPath, headers: headers)
        return response
    }

    private func load(rawPath: Substring, headers: HTTPHeaders) throws -> HTTPResponse {
        guard let relative = Self.safeRelativePath(rawPath) else { throw notFound() }
        var candidate = relative.isEmpty ? root : root + "/" + relative
        if relative.isEmpty || rawPath.hasSuffix("/") { candidate += "/index.html" }
        guard let resolved = Self.realPath(candidate), resolved.hasPrefix(root + "/") else { throw notFound() }
        var info = stat()
        guard stat(resolved, &info) == 0 else { throw notFound() }
        if info.st_mode & S_IFMT == S_IFDIR {
            // One leading slash: `//js/` would be a protocol-relative URL to the host `js`.
            return HTTPResponse(status: HTTPStatus(301), headers: ["Location": "/" + rawPath.drop { $0 == "/" } + "/"], body: .empty)
        }
        guard info.st_mode & S_IFMT == S_IFREG else { throw notFound() }

        let size = Int(info.st_size)
        let modified = Int(info.st_mtim.tv_sec)
        let etag = "\"\(String(size, radix: 16))-\(String(modified, radix: 16))-\(String(Int(info.st_mtim.tv_nsec), radix: 16))\""
        var responseHeaders: HTTPHeaders = [
            "Content-Type": MediaType.forFileName(resolved),
            "ETag": etag,
            "Last-Modified": HTTPDate.format(epochSeconds: modified),
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
        ]
        if resolved.hasSuffix(".html") {
            responseHeaders.add("Content-Security-Policy", Self.pageSecurityPolicy)
            responseHeaders.add("Referrer-Policy", "no-referrer")
            responseHeaders.add("X-Frame-Options", "DENY")
        }
        if Self.notModified(headers: headers, etag: etag, modified: modified) {
            return HTTPResponse(status: .notModified, headers: responseHeaders, body: .empty)
        }
        let fd = open(resolved, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw notFound() }
        if size <= bufferLimit {
            defer { close(fd) }
            var bytes = [UInt8](repeating: 0, count: size)
            var offset = 0
            while offset < size {
                let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + offset, size - offset) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                offset += count
            }
            if offset < size { bytes.removeLast(size - offset) }
            let response = HTTPResponse(status: .ok, headers: responseHeaders, body: .bytes(bytes))
            if size <= Self.cacheFileLimit && offset == size {
                let entry = CachedFile(resolved: resolved, size: size, modifiedSeconds: modified,
                                       modifiedNanos: Int(info.st_mtim.tv_nsec), response: response)
                cache.withLock { entries in
                    if entries.count >= Self.cacheEntryLimit { entries.removeAll() }
                    entries[String(rawPath)] = entry
                }
            }
            return response
        }
        let descriptor = FileDescriptor(fd)
        return HTTPResponse(status: .ok, headers: responseHeaders, body: .stream(length: size) { writer in
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            var left = size
            while left > 0 {
                let count = chunk.withUnsafeMutableBytes { read(descriptor.fd, $0.baseAddress, min($0.count, left)) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { throw SystemError(call: "read", code: errno) }
                try chunk.withUnsafeBytes { try writer.write(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                left -= count
            }
        })
    }

    /// The Content-Security-Policy for our own pages. Message HTML is shown in a sandboxed
    /// `srcdoc` iframe, which inherits this policy and adds its own stricter one.
    static let pageSecurityPolicy =
        "default-src 'self'; img-src 'self' data: blob: http: https:; style-src 'self' 'unsafe-inline'; "
        + "frame-src 'self' blob: data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// Checks `If-None-Match`, then `If-Modified-Since` (RFC 9110 section 13.2.2).
    static func notModified(headers: HTTPHeaders, etag: String, modified: Int) -> Bool {
        if let match = headers["If-None-Match"] {
            return match.split(separator: ",").contains { tag in
                let tag = tag.trimming(" \t")
                return tag == "*" || tag == etag || tag == "W/" + etag
            }
        }
        if let since = headers["If-Modified-Since"], let time = HTTPDate.parse(since) {
            return modified <= time
        }
        return false
    }

    /// Decodes a raw request path into a relative file path, or nil if it tries to escape or is malformed.
    static func safeRelativePath(_ rawPath: Substring) -> String? {
        guard rawPath.hasPrefix("/") else { return nil }
        var parts: [String] = []
        for segment in rawPath.split(separator: "/", omittingEmptySubsequences: true) {
            guard let decoded = PercentDecoding.decode(segment) else { return nil }
            if decoded == "." || decoded == ".." || decoded.isEmpty { return nil }
            if decoded.contains("/") || decoded.contains("\\") || decoded.contains("\0") { return nil }
            if decoded.hasPrefix(".") { return nil }  // no dotfiles
            parts.append(decoded)
        }
        return parts.joined(separator: "/")
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        let length = strlen(resolved)
        return String(decoding: UnsafeRawBufferPointer(start: resolved, count: length), as: UTF8.self)
    }

    private func notFound() -> Problem {
        Problem(.notFound, code: "not_found", detail: "No such file.")
    }
}
