import PostillonHTTP

/// A mail-server failure, as the API answers it (the mapping lives in ``UpstreamErrorMapping``).
extension CurlError: ProblemConvertible {
    package var problem: Problem { UpstreamErrorMapping.curlProblem(self) }
}
