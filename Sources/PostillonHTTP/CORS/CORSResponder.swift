/// Puts a ``CORSPolicy`` in front of another responder: it answers preflights itself, on the
/// event loop and before any authentication (a preflight carries no credentials and costs
/// nothing), and adds the CORS headers to every other response of the inner responder.
package struct CORSResponder: HTTPResponder {
    /// The responder that answers everything but preflights (the router).
    package let inner: any HTTPResponder
    /// The origins and headers allowed.
    package let policy: CORSPolicy

    /// Wraps `inner` with `policy`.
    package init(wrapping inner: any HTTPResponder, policy: CORSPolicy) {
        self.inner = inner
        self.policy = policy
    }

    package func plan(for head: HTTPRequestHead) -> RequestPlan {
        if CORSPolicy.isPreflight(method: head.method.rawValue, headers: head.headers) {
            return RequestPlan(maxBodyBytes: 0, runsInline: true, target: .preflight)
        }
        return inner.plan(for: head)
    }

    package func respond(to request: HTTPRequest, plan: RequestPlan) -> HTTPResponse {
        let origin = request.head.headers["Origin"]
        guard plan.target == .preflight else {
            var response = inner.respond(to: request, plan: plan)
            policy.decorate(&response.headers, origin: origin)
            return response
        }
        let answer = policy.preflight(origin: origin ?? "", requestMethod: request.head.headers["Access-Control-Request-Method"] ?? "",
                                      requestHeaders: request.head.headers["Access-Control-Request-Headers"])
        switch answer {
        case .success(let headers):
            return HTTPResponse(status: .noContent, headers: headers)
        case .failure(let refusal):
            var response = refusal.problem.response(requestID: request.requestID)
            response.headers.set("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
            return response
        }
    }
}
