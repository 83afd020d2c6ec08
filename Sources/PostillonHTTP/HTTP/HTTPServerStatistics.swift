/// A server's load at one moment, read for gauges (``HTTPServer/statistics``).
package struct HTTPServerStatistics: Sendable, Equatable {
    /// Open client connections.
    package var openConnections: Int
    /// Requests being answered: handler running or response being written.
    package var requestsInFlight: Int
    /// Worker threads running a job.
    package var workersBusy: Int
    /// Jobs waiting for a worker thread.
    package var requestsQueued: Int
}
