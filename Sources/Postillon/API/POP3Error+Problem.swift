import PostillonHTTP

/// A mail-server failure, as the API answers it (the mapping lives in ``UpstreamErrorMapping``).
extension POP3Error: ProblemConvertible {
    package var problem: Problem { UpstreamErrorMapping.pop3Problem(self) }
}
