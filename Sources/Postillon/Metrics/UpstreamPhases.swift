/// How long the parts of one libcurl exchange took: TCP connect, TLS handshake (implicit or after
/// STLS/STARTTLS), and the rest (POP3: CAPA and login; SMTP: the whole transaction).
package struct UpstreamPhases: Sendable, Equatable {
    /// TCP connect.
    package var connectNanoseconds: Int64
    /// TLS handshake, nil without TLS.
    package var tlsNanoseconds: Int64?
    /// Everything after TLS.
    package var restNanoseconds: Int64
    /// The label of the rest: `login` for POP3, `transaction` for SMTP.
    package var restPhase: String

    /// Phases from libcurl's cumulative times in microseconds (`CURLINFO_CONNECT_TIME_T`,
    /// `CURLINFO_APPCONNECT_TIME_T` — 0 without TLS —, `CURLINFO_TOTAL_TIME_T`).
    package init(connectMicros: Int64, appConnectMicros: Int64, totalMicros: Int64, restPhase: String) {
        connectNanoseconds = max(0, connectMicros) * 1000
        tlsNanoseconds = appConnectMicros > 0 ? max(0, appConnectMicros - connectMicros) * 1000 : nil
        restNanoseconds = max(0, totalMicros - max(connectMicros, appConnectMicros)) * 1000
        self.restPhase = restPhase
    }
}
