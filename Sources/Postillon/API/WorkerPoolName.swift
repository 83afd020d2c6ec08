import PostillonHTTP

/// The worker pools routes run on besides the shared one, so one kind of upstream cannot starve
/// the others (a stalled POP3 server holding every worker must not delay sends or readiness).
enum WorkerPoolName {
    /// `POST /api/v1/send`: waits on the SMTP server only.
    static let smtp = "smtp"
    /// `GET /api/v1/ready`: short TCP probes, answered even when every other worker is stuck.
    static let probe = "probe"

    /// The pools and their thread counts for `workers` shared threads: a quarter (at least 4) for
    /// SMTP, 2 for readiness probes.
    static func pools(workers: Int) -> [String: Int] {
        [smtp: max(4, workers / 4), probe: 2]
    }
}
