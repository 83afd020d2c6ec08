import Foundation
import PostillonHTTP

/// The JSON body of an event as delivered (Standard Webhooks: `{type, timestamp, data}`); built once
/// when the event is recorded, so every retry and every replica sends the same bytes.
enum EventBody {
    private struct Body: Encodable {
        let type: String
        let timestamp: String
        let data: DataPart
    }

    private struct DataPart: Encodable {
        let account: String
        let id: String
        let summary: MessageSummary?
    }

    private struct FlagsBody: Encodable {
        let type: String
        let timestamp: String
        let data: FlagsData
    }

    private struct FlagsData: Encodable {
        let account: String
        let ids: [String]
        let seen: Bool?
        let flagged: Bool?
    }

    /// The `flags.changed` body: the messages' API ids and the flags set on them (a flag left as it
    /// was is absent), recorded at `millis`.
    static func flagsChanged(account: String, uidls: [String], seen: Bool?, flagged: Bool?, millis: Int64) -> String {
        let body = FlagsBody(type: "flags.changed", timestamp: ISO8601.format(epochSeconds: millis / 1000, offsetSeconds: 0),
                             data: FlagsData(account: account, ids: uidls.map(MessageIdentifier.encode), seen: seen, flagged: flagged))
        return encode(body)
    }

    private static func encode(_ body: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(body)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// The body for `event` of `account`, recorded at `millis`.
    static func encode(_ event: MailEvent, account: String, millis: Int64) -> String {
        let body = Body(type: event.type, timestamp: ISO8601.format(epochSeconds: millis / 1000, offsetSeconds: 0),
                        data: DataPart(account: account, id: MessageIdentifier.encode(event.uidl), summary: event.summary))
        return encode(body)
    }
}
