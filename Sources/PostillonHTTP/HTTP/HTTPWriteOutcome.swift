/// What writing one response came to, for the access log and the connection's fate.
struct HTTPWriteOutcome: Equatable {
    /// The status the client received: a streaming body that failed before its first byte is
    /// answered with its error's problem instead of the handler's status.
    var status: Int
    /// Bytes written, head included.
    var bytes: Int
    /// The head went out but the body did not finish (the producer or the client failed): the
    /// connection must close, and the access log says so instead of a plain status.
    var aborted: Bool
}
