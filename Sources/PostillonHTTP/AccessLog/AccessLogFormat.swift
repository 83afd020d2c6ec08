/// How access-log lines are written.
package enum AccessLogFormat: String, Sendable, CaseIterable {
    /// `key=value` pairs in the shape of the other log lines (timestamp, level, label, fields, message).
    case text
    /// One JSON object a line, for log shippers (Loki, Elastic): the same fields plus
    /// `user_agent` and `account`.
    case json
}
