import PostillonHTTP

/// A mail-server failure, as the API answers it (the mapping lives in UpstreamErrorMapping);
/// the router asks once per failed request, which is where the upstream-error metric counts it.
extension POP3Error: ProblemConvertible {
    package var problem: Problem {
        let problem = UpstreamErrorMapping.pop3Problem(self)
        ServiceMetrics.upstreamError(code: problem.code)
        return problem
    }
}
