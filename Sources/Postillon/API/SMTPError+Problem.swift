import PostillonHTTP

/// A mail-server failure, as the API answers it (the mapping lives in ``UpstreamErrorMapping``).
extension SMTPError: ProblemConvertible {
    package var problem: Problem { UpstreamErrorMapping.smtpProblem(self) }
}
