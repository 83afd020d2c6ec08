import Foundation
import PostillonHTTP

/// The JSON body of an event as delivered (Standard Webhooks: `{type, timestamp, data}`); built once
/// when the event is recorded, so every retry and every replica sends the same bytes.
enum EventBody {
    /// Every event's envelope.
    private struct Envelope<Payload: Encodable>: Encodable {
        let type: String
        let timestamp: String
        let data: Payload
    }

    private struct MessageData: Encodable {
        let account: String
        let id: String
        let summary: MessageSummary?
    }

    private struct FlagsData: Encodable {
        let account: String
        let ids: [String]
        let seen: Bool?
        let flagged: Bool?
    }

    /// `{type, timestamp, data}` as JSON (keys sorted, slashes unescaped), recorded at `millis`.
    static func encode(type: String, data: some Encodable, millis: Int64) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = Envelope(type: type, timestamp: ISO8601.format(epochSeconds: millis / 1000, offsetSeconds: 0), data: data)
        return (try? encoder.encode(body)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// The `flags.changed` body: the messages' API ids and the flags set on them (a flag left as it
    /// was is absent), recorded at `millis`.
    static func flagsChanged(account: String, uidls: [String], seen: Bool?, flagged: Bool?, millis: Int64) -> String {
        encode(type: "flags.changed", data: FlagsData(account: account, ids: uidls.map(MessageIdentifier.encode), seen: seen, flagged: flagged),
               millis: millis)
    }

    /// The body for `event` of `account`, recorded at `millis`.
    static func encode(_ event: MailEvent, account: String, millis: Int64) -> String {
        encode(type: event.type, data: MessageData(account: account, id: MessageIdentifier.encode(event.uidl), summary: event.summary),
               millis: millis)
    }
}
