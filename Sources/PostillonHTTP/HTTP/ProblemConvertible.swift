/// An error that knows the problem response it becomes.
///
/// The router and the event loop ask this protocol, never a switch over every error type: each layer
/// that owns an error type decides its meaning by adopting it in a file of its own (the way
/// Hummingbird's errors adopt `HTTPResponseError`).
package protocol ProblemConvertible: Error {
    /// The RFC 9457 problem this error is answered with.
    var problem: Problem { get }
}

extension Problem: ProblemConvertible {
    package var problem: Problem { self }
}
