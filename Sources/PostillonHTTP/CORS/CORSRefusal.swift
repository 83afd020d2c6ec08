/// A refused preflight, as a problem: `403 cors_rejected` naming what was not allowed.
package struct CORSRefusal: Error, Sendable, Equatable {
    /// What the preflight asked for that is not allowed.
    package enum Reason: Sendable, Equatable {
        case origin(String)
        case method(String)
        case header(String)
    }

    /// Why the preflight was refused.
    package let reason: Reason

    /// Creates a refusal.
    package init(_ reason: Reason) { self.reason = reason }

    /// The problem answered to the preflight.
    package var problem: Problem {
        let detail: String
        switch reason {
        case .origin(let origin): detail = "Origin \(String(origin.prefix(200))) is not in --cors-origins."
        case .method(let method): detail = "Method \(String(method.prefix(40))) is not allowed cross-origin."
        case .header(let header): detail = "Request header \(String(header.prefix(80))) is not allowed cross-origin."
        }
        return Problem(.forbidden, code: "cors_rejected", detail: detail)
    }
}
