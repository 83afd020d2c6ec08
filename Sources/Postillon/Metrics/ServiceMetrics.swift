import CoreMetrics
import PostillonHTTP
import Prometheus
import Synchronization

/// Postillon's metrics facade: every place that measures something calls one named function here,
/// which records through the swift-metrics API (`Counter`, `Timer`, `Meter`) into whatever
/// `MetricsSystem` was bootstrapped. ``bootstrap()`` installs swift-prometheus's factory and keeps its
/// registry for `/metrics`; without it (`--metrics false`) swift-metrics' no-op backend makes every call
/// here nearly free.
///
/// Labels are bounded: route templates, methods, status classes, phases, outcome and problem codes
/// from fixed sets. Nothing here ever takes a user name, address, message id or host.
///
/// Call sites (grep `ServiceMetrics.`): POP3 connect/login in `CurlPOP3Connector.connect`, POP3 session
/// outcome and command time in `MailboxService.withSession`, summary cache in `MailboxService.list`,
/// SMTP in `CurlSMTPClient.submit`, recipients in `SendRoutes`, upstream problem codes in
/// `ErrorMapping`, login refusals in `AppServices.rateLimited` and `SessionRoutes`, HTTP through
/// ``HTTPMetricsObserver``.
package enum ServiceMetrics {
    /// The Prometheus registry once ``bootstrap()`` ran.
    private static let installed = Mutex<PrometheusCollectorRegistry?>(nil)

    /// Histogram buckets for HTTP request durations: most answers take well under a millisecond.
    static let httpBuckets: [Duration] = [.microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5),
                                          .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                                          .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30)]
    /// Histogram buckets for mail-server phases: from a loopback login to a slow remote transfer.
    static let upstreamBuckets: [Duration] = [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                              .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
                                              .seconds(5), .seconds(10), .seconds(30), .seconds(60)]

    /// Installs the Prometheus backend for the whole process (once; later calls return the same registry).
    /// - Returns: the registry `/metrics` renders.
    @discardableResult
    package static func bootstrap() -> PrometheusCollectorRegistry {
        installed.withLock { current in
            if let current { return current }
            let registry = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: registry)
            factory.defaultDurationHistogramBuckets = upstreamBuckets
            factory.durationHistogramBuckets = [Name.httpDuration: httpBuckets]
            MetricsSystem.bootstrap(factory)
            current = registry
            // Families that should read 0 rather than be absent before their first event.
            for result in ["hit", "miss"] {
                for cache in ["summary", "message"] { Counter(label: Name.cache, dimensions: [("cache", cache), ("result", result)]).increment(by: 0) }
            }
            Counter(label: Name.loginRateLimited).increment(by: 0)
            for result in ["accepted", "rejected"] { Counter(label: Name.sendRecipients, dimensions: [("result", result)]).increment(by: 0) }
            for outcome in ["changed", "unchanged", "failed"] {
                Counter(label: Name.mailboxPolls, dimensions: [("outcome", outcome)]).increment(by: 0)
            }
            for type in ["message.new", "message.deleted", "message.sent", "flags.changed"] {
                Counter(label: Name.eventsRecorded, dimensions: [("type", type)]).increment(by: 0)
            }
            for result in ["delivered", "retry", "failed"] { Counter(label: Name.webhookAttempts, dimensions: [("result", result)]).increment(by: 0) }
            return registry
        }
    }

    /// Where the HTTP gauges are read from at scrape time (the main server).
    private static let statisticsSource = Mutex<(@Sendable () -> HTTPServerStatistics)?>(nil)

    /// Reads `server`'s connections, in-flight requests and worker pool for the gauges from now on.
    package static func watch(_ server: HTTPServer) {
        statisticsSource.withLock { $0 = { server.statistics } }
    }

    /// Where the open event streams are counted at scrape time.
    private static let eventStreamsSource = Mutex<(@Sendable () -> Int)?>(nil)

    /// Reads the number of open event streams (`GET /api/v1/events`) for its gauge from now on.
    package static func watchEventStreams(_ count: @escaping @Sendable () -> Int) {
        eventStreamsSource.withLock { $0 = count }
    }

    /// Sets the gauges that are read rather than counted; called just before a scrape renders.
    package static func refreshGauges() {
        if let streams = eventStreamsSource.withLock({ $0 }) { Meter(label: Name.eventStreams).set(streams()) }
        guard let statistics = statisticsSource.withLock({ $0 })?() else { return }
        Meter(label: Name.httpConnections).set(statistics.openConnections)
        Meter(label: Name.httpInFlight).set(statistics.requestsInFlight)
        Meter(label: Name.workersBusy).set(statistics.workersBusy)
        Meter(label: Name.workersQueued).set(statistics.requestsQueued)
    }

    /// The registry, if metrics are on.
    package static var registry: PrometheusCollectorRegistry? { installed.withLock { $0 } }

    /// Metric family names (the Grafana dashboard in Deploy/ uses them).
    enum Name {
        static let httpRequests = "postillon_http_requests_total"
        static let httpDuration = "postillon_http_request_duration_seconds"
        static let httpInFlight = "postillon_http_requests_in_flight"
        static let httpConnections = "postillon_http_connections_open"
        static let workersBusy = "postillon_worker_pool_busy"
        static let workersQueued = "postillon_worker_pool_queued"
        static let eventStreams = "postillon_event_streams_open"
        static let pop3Sessions = "postillon_pop3_sessions_total"
        static let pop3Duration = "postillon_pop3_duration_seconds"
        static let smtpSessions = "postillon_smtp_sessions_total"
        static let smtpDuration = "postillon_smtp_duration_seconds"
        static let upstreamErrors = "postillon_upstream_errors_total"
        static let cache = "postillon_cache_lookups_total"
        static let loginRateLimited = "postillon_login_rate_limited_total"
        static let sendRecipients = "postillon_send_recipients_total"
        static let readinessProbes = "postillon_readiness_probes_total"
        static let mailboxPolls = "postillon_mailbox_polls_total"
        static let eventsRecorded = "postillon_events_recorded_total"
        static let webhookAttempts = "postillon_webhook_attempts_total"
    }

    // MARK: Call sites

    /// A POP3 login finished: TCP connect, TLS (implicit or STLS) and login times from libcurl.
    package static func pop3Connected(_ phases: UpstreamPhases) {
        record(Name.pop3Duration, phases)
    }

    /// A POP3 session ended: `outcome` is `ok` or an ``UpstreamOutcome`` of the error; `commandSeconds`
    /// is the time spent on commands after login.
    package static func pop3SessionEnded(outcome: UpstreamOutcome, commandNanoseconds: Int64?) {
        Counter(label: Name.pop3Sessions, dimensions: [("outcome", outcome.rawValue)]).increment()
        if let commandNanoseconds {
            Timer(label: Name.pop3Duration, dimensions: [("phase", "command")]).recordNanoseconds(commandNanoseconds)
        }
    }

    /// An SMTP submission ended, with libcurl's phase times when a connection was made.
    package static func smtpSessionEnded(outcome: UpstreamOutcome, phases: UpstreamPhases?) {
        Counter(label: Name.smtpSessions, dimensions: [("outcome", outcome.rawValue)]).increment()
        if let phases { record(Name.smtpDuration, phases) }
    }

    /// An upstream failure reached a client as a problem with this stable `code`.
    package static func upstreamError(code: String) {
        Counter(label: Name.upstreamErrors, dimensions: [("code", code)]).increment()
    }

    /// A cache lookup: `cache` is `summary` (POP3 TOP results) or `message` (raw messages by UIDL).
    package static func cacheLookup(_ cache: String, hits: Int, misses: Int) {
        if hits > 0 { Counter(label: Name.cache, dimensions: [("cache", cache), ("result", "hit")]).increment(by: hits) }
        if misses > 0 { Counter(label: Name.cache, dimensions: [("cache", cache), ("result", "miss")]).increment(by: misses) }
    }

    /// A watched mailbox was polled: `outcome` is `changed`, `unchanged` or `failed`.
    package static func mailboxPolled(outcome: String) {
        Counter(label: Name.mailboxPolls, dimensions: [("outcome", outcome)]).increment()
    }

    /// Events written to the outbox, by type (`message.new`, `message.deleted`, `message.sent`, `flags.changed`).
    package static func eventsRecorded(type: String, count: Int = 1) {
        if count > 0 { Counter(label: Name.eventsRecorded, dimensions: [("type", type)]).increment(by: count) }
    }

    /// A webhook attempt ended: `result` is `delivered`, `retry` (failed, tried again later) or
    /// `failed` (failed for good, or 410 Gone).
    package static func webhookAttempt(result: String) {
        Counter(label: Name.webhookAttempts, dimensions: [("result", result)]).increment()
    }

    /// A request refused by the failed-login limit (429 `rate_limited`).
    package static func loginRateLimited() {
        Counter(label: Name.loginRateLimited).increment()
    }

    /// The SMTP server's verdict on a send's recipients.
    package static func sendRecipients(accepted: Int, rejected: Int) {
        if accepted > 0 { Counter(label: Name.sendRecipients, dimensions: [("result", "accepted")]).increment(by: accepted) }
        if rejected > 0 { Counter(label: Name.sendRecipients, dimensions: [("result", "rejected")]).increment(by: rejected) }
    }

    /// A readiness probe really went to a mail server (`check` is `pop3` or `smtp`).
    package static func readinessProbe(check: String, ok: Bool) {
        Counter(label: Name.readinessProbes, dimensions: [("check", check), ("result", ok ? "ok" : "failed")]).increment()
    }

    private static func record(_ name: String, _ phases: UpstreamPhases) {
        Timer(label: name, dimensions: [("phase", "connect")]).recordNanoseconds(phases.connectNanoseconds)
        if let tls = phases.tlsNanoseconds { Timer(label: name, dimensions: [("phase", "tls")]).recordNanoseconds(tls) }
        Timer(label: name, dimensions: [("phase", phases.restPhase)]).recordNanoseconds(phases.restNanoseconds)
    }
}
