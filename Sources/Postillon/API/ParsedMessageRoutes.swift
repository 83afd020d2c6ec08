import PostillonHTTP
/// `GET /api/v1/messages/{id}` (parsed) and `GET /api/v1/messages/{id}/attachments/{partId}` (decoded bytes).
enum ParsedMessageRoutes {
    /// Image types a browser may show inline without risk (no SVG: it can carry script).
    static let inlineSafeTypes: Set<String> = ["image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp"]

    static func routes(_ services: AppServices) -> [Route] {
        let mailbox = services.mailbox
        let maxBytes = services.configuration.maxParseBytes
        let parser = MessageParser()
        return [
            Route(.GET, "/api/v1/messages/{id}") { context in
                try services.authorized(context) { principal in
                    let id = context.parameter("id")
                    // Parsed once per UIDL; the flags, which do change, are added on every request.
                    var (message, uidl) = try mailbox.parsed(principal.credentials, id: id, maxBytes: maxBytes, arrivedMillis: context.request.arrivedMillis,
                                                             cost: { (message: ParsedMessage) in message.summary.size * 2 + 4096 }) { file, listing in
                        try parser.parse(file: file.path, id: id, size: listing.size)
                    }
                    message.summary.id = id
                    let flags = try services.flags.flags(account: principal.credentials.mailboxKey, uidl: uidl)
                    message.summary.seen = flags.seen
                    message.summary.flagged = flags.flagged
                    return JSONBody.response(message, headers: ["Cache-Control": "private, no-store"])
                }
            },
            Route(.GET, "/api/v1/messages/{id}/attachments/{partId}") { context in
                let partId = context.parameter("partId")
                guard partId.utf8.count <= 64, partId.split(separator: ".", omittingEmptySubsequences: false)
                    .allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else {
                    throw MIMEError.partNotFound(partId)
                }
                let inlineParameter = context.query("inline") ?? "0"
                guard inlineParameter == "0" || inlineParameter == "1" else {
                    throw Problem(.badRequest, code: "invalid_parameter", detail: "inline must be 0 or 1.")
                }
                let wantsInline = inlineParameter == "1"
                return try services.authorized(context) { principal in
                    let spooled = try mailbox.spool(principal.credentials, id: context.parameter("id"), maxBytes: maxBytes,
                                                    arrivedMillis: context.request.arrivedMillis)
                    let output = try SpooledFile()
                    output.finishWriting()
                    let info = try parser.extract(file: spooled.file.path, partId: partId, to: output.path)
                    let type = Self.safeContentType(info.contentType)
                    let inline = wantsInline && inlineSafeTypes.contains(type)
                    let headers: HTTPHeaders = [
                        "Content-Type": type,
                        "Content-Disposition": ContentDisposition.value(inline ? "inline" : "attachment", filename: info.filename),
                        "X-Content-Type-Options": "nosniff",
                        "Content-Security-Policy": "sandbox; default-src 'none'",
                        "Cache-Control": "private, no-store",
                    ]
                    return HTTPResponse(status: .ok, headers: headers, body: .stream(length: info.size) { writer in
                        try output.read { try writer.write($0) }
                    })
                }
            },
        ]
    }

    /// The part's type if it is a plain `type/subtype` token pair, else `application/octet-stream`.
    static func safeContentType(_ type: String) -> String {
        let parts = type.split(separator: "/")
        guard parts.count == 2, parts.allSatisfy({ ASCII.isToken(String($0)) }) else { return "application/octet-stream" }
        return type
    }
}
