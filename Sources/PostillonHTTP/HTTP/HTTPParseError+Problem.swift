extension HTTPParseError: ProblemConvertible {
    /// The problem answered before the connection closes.
    package var problem: Problem { Problem(status, code: code, detail: detail) }
}
