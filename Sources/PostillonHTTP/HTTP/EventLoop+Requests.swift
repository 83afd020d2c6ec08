#if canImport(Glibc)
import Glibc
#endif

extension EventLoop {
    /// What one parsing step achieved.
    enum StepResult {
        case progress
        case needBytes
        case handedOff
        case closed
    }

    /// Drives a connection as far as its bytes allow: flush output, parse, run or dispatch requests.
    func service(_ connection: Connection) {
        while connections[connection.fd] != nil, !connection.inWorker, connection.lingerUntilMillis == nil {
            if connection.hasPendingOutput {
                guard flush(connection) else { return }
                if connection.closeWhenFlushed {
                    lingerClose(connection)
                    return
                }
            }
            switch step(connection) {
            case .progress:
                continue
            case .handedOff, .closed:
                return
            case .needBytes:
                if !connection.drained && !connection.peerClosed {
                    let before = connection.unconsumed
                    readAvailable(connection)
                    if connection.unconsumed > before { continue }
                }
                if connection.peerClosed {
                    closeConnection(connection)
                }
                connection.compact()
                return
            }
        }
    }

    /// Parses the next piece of the current request and acts on it.
    private func step(_ connection: Connection) -> StepResult {
        switch connection.phase {
        case .head:
            guard connection.unconsumed > 0 else { return .needBytes }
            if connection.requestStartedMillis == nil { connection.requestStartedMillis = MonotonicClock.nowMillis() }
            let result = connection.buffer.withUnsafeBufferPointer { all in
                HTTPRequestParser.parseHead(UnsafeBufferPointer(rebasing: all[connection.readIndex...]), limits: context.configuration.parserLimits)
            }
            switch result {
            case .needMore:
                return .needBytes
            case .failure(let error):
                fail(connection, error.problem)
                return .closed
            case .head(let head, let consumed):
                connection.readIndex += consumed
                return begin(connection, head: head)
            }
        case .body(let head, let plan, let state, let requestID):
            switch state {
            case .none:
                return complete(connection, head: head, plan: plan, body: [], requestID: requestID)
            case .length(let length):
                guard connection.unconsumed >= length else { return .needBytes }
                let body = Array(connection.buffer[connection.readIndex..<connection.readIndex + length])
                connection.readIndex += length
                return complete(connection, head: head, plan: plan, body: body, requestID: requestID)
            case .chunked(var decoder, var body):
                guard connection.unconsumed > 0 else { return .needBytes }
                let result = connection.buffer.withUnsafeBufferPointer { all in
                    decoder.decode(UnsafeBufferPointer(rebasing: all[connection.readIndex...]), into: &body)
                }
                switch result {
                case .needMore(let consumed):
                    connection.readIndex += consumed
                    connection.phase = .body(head, plan, .chunked(decoder, body), requestID: requestID)
                    return .needBytes
                case .done(let consumed):
                    connection.readIndex += consumed
                    return complete(connection, head: head, plan: plan, body: body, requestID: requestID)
                case .failure(let error):
                    if case .bodyTooLarge = error, let problem = plan.bodyLimitProblem {
                        fail(connection, problem)
                    } else {
                        fail(connection, error.problem)
                    }
                    return .closed
                }
            }
        }
    }

    /// Starts reading a request's body once its head is known.
    private func begin(_ connection: Connection, head: HTTPRequestHead) -> StepResult {
        connection.requestStartNanos = MonotonicClock.nowNanos()
        let requestID = Self.validRequestID(head.headers["X-Request-Id"]) ?? nextRequestID()
        let plan = context.responder.plan(for: head)
        let state: Connection.BodyState
        switch head.framing {
        case .none:
            state = .none
        case .length(let length):
            if length > plan.maxBodyBytes {
                fail(connection, plan.bodyLimitProblem ?? Problem(.payloadTooLarge, code: "payload_too_large",
                                         detail: "The request body is \(length) bytes; this route accepts at most \(plan.maxBodyBytes)."))
                return .closed
            }
            state = .length(length)
        case .chunked:
            state = .chunked(ChunkedBodyDecoder(maxBodyBytes: plan.maxBodyBytes), [])
        }
        // Reserve the body's bytes (a chunked body may grow to its limit) before any is buffered.
        if head.framing != .none {
            let announced = if case .length(let length) = head.framing { length } else { plan.maxBodyBytes }
            guard let reservation = context.bodyBudget.reserve(announced) else {
                fail(connection, Problem(.serviceUnavailable, code: "server_busy",
                                         detail: "Too many large request bodies are being received; retry shortly.", headers: ["Retry-After": "5"]))
                return .closed
            }
            connection.bodyReservation = reservation
        }
        if head.expectsContinue, head.framing != .none, connection.unconsumed == 0 {
            enqueue(connection, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
        connection.phase = .body(head, plan, state, requestID: requestID)
        return .progress
    }

    /// Runs or dispatches a complete request.
    private func complete(_ connection: Connection, head: HTTPRequestHead, plan: RequestPlan, body: [UInt8], requestID: String) -> StepResult {
        // The body's reservation lasts until its request was answered (the handler holds the bytes).
        let reservation = connection.bodyReservation
        connection.bodyReservation = nil
        connection.phase = .head
        connection.requestStartedMillis = nil
        connection.compact()
        let context = self.context
        var incoming = HTTPRequest(head: head, body: body, remoteAddress: connection.remoteAddress, requestID: requestID)
        if !context.configuration.trustedProxies.isEmpty {
            // Every X-Forwarded-For line, in order: a proxy may append its own line (RFC 9110 section 5.3).
            let forwardedFor = head.headers.values("X-Forwarded-For")
            incoming.clientAddress = ClientAddress.resolve(peer: connection.remoteAddress,
                                                           forwardedFor: forwardedFor.isEmpty ? nil : forwardedFor.joined(separator: ","),
                                                           trusted: context.configuration.trustedProxies)
        }
        let request = incoming
        let client = request.clientAddress
        let keepAliveAllowed = connection.requestsServed + 1 < context.configuration.maxRequestsPerConnection

        if plan.runsInline {
            context.inFlight.wrappingAdd(1, ordering: .relaxed)
            defer { context.inFlight.wrappingSubtract(1, ordering: .relaxed) }
            var response = context.responder.respond(to: request, plan: plan)
            if case .stream = response.body {
                response = Problem(.internalServerError, code: "internal_error", detail: "Inline handlers cannot stream.").response(requestID: requestID)
            }
            let keepAlive = head.keepAlive && keepAliveAllowed && !context.isShuttingDown && !peerClosedCleanly(connection)
            let bytes = serialize(response, isHead: head.method == .HEAD, keepAlive: keepAlive, requestID: requestID)
            enqueue(connection, bytes)
            connection.requestsServed += 1
            logAccess(requestID: requestID, method: head.method, path: head.path, status: response.status.code, bytes: bytes.count,
                      startNanos: connection.requestStartNanos, remote: client, userAgent: head.headers["User-Agent"], account: response.account)
            context.observer?.requestFinished(route: plan.routeLabel, method: head.method, status: response.status.code,
                                              nanoseconds: MonotonicClock.nowNanos() &- connection.requestStartNanos)
            if !keepAlive { connection.closeWhenFlushed = true }
            return .progress
        }

        connection.inWorker = true
        connection.closeAfterWorker = false
        let startNanos = connection.requestStartNanos
        context.inFlight.wrappingAdd(1, ordering: .relaxed)
        let accepted = context.pool(for: plan).submit { [self] in
            defer { context.inFlight.wrappingSubtract(1, ordering: .relaxed) }
            let response = context.responder.respond(to: request, plan: plan)
            let keepAlive = head.keepAlive && keepAliveAllowed && !context.isShuttingDown
            var outcome = HTTPWriteOutcome(status: response.status.code, bytes: 0, aborted: true)
            do {
                outcome = try HTTPServer.write(response, to: connection.fd, isHead: head.method == .HEAD, keepAlive: keepAlive,
                                               requestID: requestID, writeTimeoutMillis: context.configuration.writeTimeoutMillis,
                                               logger: context.logger)
                if !keepAlive || outcome.aborted { connection.closeAfterWorker = true }
            } catch {
                connection.closeAfterWorker = true
                context.logger.debug("response write failed", metadata: ["request.id": .string(requestID), "error": .string("\(error)")])
            }
            self.logAccess(requestID: requestID, method: head.method, path: head.path, status: outcome.status, bytes: outcome.bytes,
                           startNanos: startNanos, remote: client, userAgent: head.headers["User-Agent"], account: response.account,
                           aborted: outcome.aborted)
            context.observer?.requestFinished(route: plan.routeLabel, method: head.method, status: outcome.status,
                                              nanoseconds: MonotonicClock.nowNanos() &- startNanos)
            withExtendedLifetime(reservation) {}
            self.giveBack(connection)
        }
        if !accepted {
            context.inFlight.wrappingSubtract(1, ordering: .relaxed)
            connection.inWorker = false
            let problem = Problem(.serviceUnavailable, code: "server_busy",
                                  detail: "Too many requests are waiting for a worker; retry shortly.", headers: ["Retry-After": "1"])
            let bytes = serialize(problem.response(requestID: requestID), isHead: false, keepAlive: false, requestID: requestID)
            enqueue(connection, bytes)
            connection.closeWhenFlushed = true
            return .progress
        }
        return .handedOff
    }

    /// Whether the peer already half-closed (then we close after answering).
    private func peerClosedCleanly(_ connection: Connection) -> Bool {
        connection.peerClosed && connection.unconsumed == 0
    }

    /// A client-sent request id if it is short and made of safe characters.
    static func validRequestID(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.utf8.count <= 128 else { return nil }
        let safe = value.utf8.allSatisfy { byte in
            ASCII.isTokenChar(byte) && byte != UInt8(ascii: "%") || byte == UInt8(ascii: ":")
        }
        return safe ? value : nil
    }
}
