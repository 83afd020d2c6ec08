#if canImport(Glibc)
import Glibc
#endif

extension EventLoop {
    /// Parses the next piece of the current request and acts on it; returns the machine's next action.
    func step(_ connection: Connection) -> ConnectionStateMachine.Action {
        guard var pending = connection.pendingBody else {
            guard connection.unconsumed > 0 else { return connection.machine.needMoreBytes() }
            // The clock is read once per request, not on every partial head.
            if connection.machine.state == .idle { connection.machine.headStarted(now: MonotonicClock.nowMillis()) }
            let result = connection.buffer.withUnsafeBufferPointer { all in
                HTTPRequestParser.parseHead(UnsafeBufferPointer(rebasing: all[connection.readIndex...]), limits: context.configuration.parserLimits)
            }
            switch result {
            case .needMore:
                return connection.machine.needMoreBytes()
            case .failure(let error):
                return fail(connection, error.problem)
            case .head(let head, let consumed):
                connection.readIndex += consumed
                return begin(connection, head: head)
            }
        }
        switch pending.state {
        case .none:
            return complete(connection, pending, body: [])
        case .length(let length):
            guard connection.unconsumed >= length else { return connection.machine.needMoreBytes() }
            let body = Array(connection.buffer[connection.readIndex..<connection.readIndex + length])
            connection.readIndex += length
            return complete(connection, pending, body: body)
        case .spooling(let remaining, let spool):
            let available = min(connection.unconsumed, remaining)
            guard available > 0 else { return connection.machine.needMoreBytes() }
            do {
                try connection.buffer.withUnsafeBytes { all in
                    try spool.append(UnsafeRawBufferPointer(rebasing: all[connection.readIndex..<connection.readIndex + available]))
                }
            } catch {
                return spoolFailed(connection, error)
            }
            connection.readIndex += available
            if available == remaining { return complete(connection, pending, body: [], spooled: spool.finish()) }
            pending.state = .spooling(remaining: remaining - available, spool)
            connection.pendingBody = pending
            // Drop the consumed bytes now: a fast sender keeps the loop reading without a pause.
            connection.compact()
            return connection.machine.needMoreBytes()
        case .chunked(var decoder, var body, var spool):
            guard connection.unconsumed > 0 else { return connection.machine.needMoreBytes() }
            // Free the stored copy so decoding appends to a uniquely held array.
            pending.state = .none
            connection.pendingBody = nil
            let result = connection.buffer.withUnsafeBufferPointer { all in
                decoder.decode(UnsafeBufferPointer(rebasing: all[connection.readIndex...]), into: &body)
            }
            // Past the route's threshold the decoded bytes go to the spool, so memory stays at one read's worth.
            if let threshold = pending.plan.spoolBodyOver, spool != nil || body.count > threshold, !body.isEmpty {
                do {
                    if spool == nil { spool = try BodySpool.create(in: context.configuration.bodySpoolDirectory) }
                    try spool!.append(body)
                } catch {
                    return spoolFailed(connection, error)
                }
                body.removeAll(keepingCapacity: body.capacity <= 256 * 1024)
            }
            pending.state = .chunked(decoder, body, spool)
            connection.pendingBody = pending
            switch result {
            case .needMore(let consumed):
                connection.readIndex += consumed
                connection.compact()
                return connection.machine.needMoreBytes()
            case .done(let consumed):
                connection.readIndex += consumed
                return complete(connection, pending, body: body, spooled: spool?.finish())
            case .failure(let error):
                if case .bodyTooLarge = error, let problem = pending.plan.bodyLimitProblem {
                    return fail(connection, problem)
                }
                return fail(connection, error.problem)
            }
        }
    }

    /// Starts reading a request's body once its head is known.
    private func begin(_ connection: Connection, head: HTTPRequestHead) -> ConnectionStateMachine.Action {
        connection.requestStartNanos = MonotonicClock.nowNanos()
        let requestID = Self.validRequestID(head.headers["X-Request-Id"]) ?? nextRequestID()
        let plan = context.responder.plan(for: head)
        if case .length(let length) = head.framing, length > plan.maxBodyBytes {
            return fail(connection, plan.bodyLimitProblem ?? Problem(.payloadTooLarge, code: "payload_too_large",
                                     detail: "The request body is \(length) bytes; this route accepts at most \(plan.maxBodyBytes)."))
        }
        // Reserve the body's bytes (a chunked body may grow to its limit) before any is buffered
        // or spooled: the budget bounds memory and disk alike.
        if head.framing != .none {
            let announced = if case .length(let length) = head.framing { length } else { plan.maxBodyBytes }
            guard let reservation = context.bodyBudget.reserve(announced) else {
                return fail(connection, Problem(.serviceUnavailable, code: "server_busy",
                                                detail: "Too many large request bodies are being received; retry shortly.", headers: ["Retry-After": "5"]))
            }
            connection.bodyReservation = reservation
        }
        let state: Connection.BodyState
        switch head.framing {
        case .none:
            state = .none
        case .length(let length):
            if let threshold = plan.spoolBodyOver, length > threshold {
                do {
                    state = .spooling(remaining: length, try BodySpool.create(in: context.configuration.bodySpoolDirectory))
                } catch {
                    connection.pendingBody = Connection.PendingBody(head: head, plan: plan, state: .none, requestID: requestID)
                    return spoolFailed(connection, error)
                }
            } else {
                state = .length(length)
            }
        case .chunked:
            state = .chunked(ChunkedBodyDecoder(maxBodyBytes: plan.maxBodyBytes), [], nil)
        }
        connection.pendingBody = Connection.PendingBody(head: head, plan: plan, state: state, requestID: requestID)
        return connection.machine.headParsed(now: MonotonicClock.nowMillis(), hasBody: head.framing != .none,
                                             expectsContinue: head.expectsContinue, bodyBytesBuffered: connection.unconsumed > 0)
    }

    /// Runs or dispatches a complete request.
    private func complete(_ connection: Connection, _ pending: Connection.PendingBody, body: [UInt8],
                          spooled: SpooledBody? = nil) -> ConnectionStateMachine.Action {
        let head = pending.head
        let plan = pending.plan
        let requestID = pending.requestID
        // The body's reservation lasts until its request was answered (the handler holds the bytes).
        let reservation = connection.bodyReservation
        connection.bodyReservation = nil
        connection.pendingBody = nil
        connection.compact()
        let context = self.context
        var incoming = HTTPRequest(head: head, body: body, remoteAddress: connection.remoteAddress, requestID: requestID)
        incoming.spooledBody = spooled
        if !context.configuration.trustedProxies.isEmpty {
            // Every X-Forwarded-For line, in order: a proxy may append its own line (RFC 9110 section 5.3).
            let forwardedFor = head.headers.values("X-Forwarded-For")
            incoming.clientAddress = ClientAddress.resolve(peer: connection.remoteAddress,
                                                           forwardedFor: forwardedFor.isEmpty ? nil : forwardedFor.joined(separator: ","),
                                                           trusted: context.configuration.trustedProxies)
        }
        let request = incoming
        let client = request.clientAddress
        let keepAliveAllowed = connection.machine.mayKeepAlive

        if plan.runsInline {
            context.inFlight.wrappingAdd(1, ordering: .relaxed)
            defer { context.inFlight.wrappingSubtract(1, ordering: .relaxed) }
            var response = context.responder.respond(to: request, plan: plan)
            if case .eventStream(let handle) = response.body { handle.end(.clientGone) }
            switch response.body {
            case .stream, .eventStream:
                response = Problem(.internalServerError, code: "internal_error", detail: "Inline handlers cannot stream.").response(requestID: requestID)
            case .empty, .bytes:
                break
            }
            let keepAlive = head.keepAlive && keepAliveAllowed && !context.isShuttingDown
                && !connection.machine.peerHasLeft(unparsedBytes: connection.unconsumed)
            let bytes = serialize(response, isHead: head.method == .HEAD, keepAlive: keepAlive, requestID: requestID)
            enqueue(connection, bytes)
            logAccess(requestID: requestID, method: head.method, path: head.path, status: response.status.code, bytes: bytes.count,
                      startNanos: connection.requestStartNanos, remote: client, userAgent: head.headers["User-Agent"], account: response.account)
            context.observer?.requestFinished(route: plan.routeLabel, method: head.method, status: response.status.code,
                                              nanoseconds: MonotonicClock.nowNanos() &- connection.requestStartNanos)
            return connection.machine.respondedInline(now: MonotonicClock.nowMillis(), keepAlive: keepAlive)
        }

        let startNanos = connection.requestStartNanos
        let fd = connection.fd
        context.inFlight.wrappingAdd(1, ordering: .relaxed)
        // The worker uses only `fd` and reports whether the connection must close; the loop keeps the rest.
        let accepted = context.pool(for: plan).submit { [self] in
            defer { context.inFlight.wrappingSubtract(1, ordering: .relaxed) }
            var response = context.responder.respond(to: request, plan: plan)
            if case .eventStream(let handle) = response.body {
                if response.status == .ok, head.method == .GET, !context.isShuttingDown {
                    // The loop writes the stream from now on; this worker is free again.
                    var headers = response.headers
                    headers.set("Content-Type", "text/event-stream; charset=utf-8")
                    headers.set("Cache-Control", "no-cache")
                    headers.set("X-Accel-Buffering", "no")
                    let bytes = HTTPResponseSerializer.head(status: .ok, headers: headers, framing: .chunked, keepAlive: false,
                                                            date: HTTPDate.now(), requestID: requestID)
                    let stream = Connection.ActiveStream(handle: handle, requestID: requestID, method: head.method, path: head.path,
                                                         startNanos: startNanos, remote: client, userAgent: head.headers["User-Agent"],
                                                         account: response.account)
                    context.observer?.requestFinished(route: plan.routeLabel, method: head.method, status: 200,
                                                      nanoseconds: MonotonicClock.nowNanos() &- startNanos)
                    withExtendedLifetime(reservation) {}
                    self.giveBack(connection, stream: stream, head: bytes)
                    return
                }
                handle.end(context.isShuttingDown ? .shutdown : .clientGone)
                response.body = .empty
            }
            let keepAlive = head.keepAlive && keepAliveAllowed && !context.isShuttingDown
            var outcome = HTTPWriteOutcome(status: response.status.code, bytes: 0, aborted: true)
            var mustClose = true
            do {
                outcome = try HTTPServer.write(response, to: fd, isHead: head.method == .HEAD, keepAlive: keepAlive,
                                               requestID: requestID, writeTimeoutMillis: context.configuration.writeTimeoutMillis,
                                               logger: context.logger)
                mustClose = !keepAlive || outcome.aborted
            } catch {
                context.logger.debug("response write failed", metadata: ["request.id": .string(requestID), "error": .string("\(error)")])
            }
            self.logAccess(requestID: requestID, method: head.method, path: head.path, status: outcome.status, bytes: outcome.bytes,
                           startNanos: startNanos, remote: client, userAgent: head.headers["User-Agent"], account: response.account,
                           aborted: outcome.aborted)
            context.observer?.requestFinished(route: plan.routeLabel, method: head.method, status: outcome.status,
                                              nanoseconds: MonotonicClock.nowNanos() &- startNanos)
            withExtendedLifetime(reservation) {}
            self.giveBack(connection, mustClose: mustClose)
        }
        guard accepted else {
            context.inFlight.wrappingSubtract(1, ordering: .relaxed)
            let problem = Problem(.serviceUnavailable, code: "server_busy",
                                  detail: "Too many requests are waiting for a worker; retry shortly.", headers: ["Retry-After": "1"])
            let bytes = serialize(problem.response(requestID: requestID), isHead: false, keepAlive: false, requestID: requestID)
            enqueue(connection, bytes)
            logAccess(requestID: requestID, method: head.method, path: head.path, status: problem.status.code, bytes: bytes.count,
                      startNanos: startNanos, remote: client, userAgent: head.headers["User-Agent"])
            return connection.machine.failed(now: MonotonicClock.nowMillis())
        }
        return connection.machine.dispatchedToWorker()
    }

    /// The spool file could not be created or written (a full disk, a missing directory): 503, logged.
    private func spoolFailed(_ connection: Connection, _ error: any Error) -> ConnectionStateMachine.Action {
        context.logger.error("could not spool a request body", metadata: [
            "directory": .string(context.configuration.bodySpoolDirectory), "error": .string("\(error)"),
        ])
        return fail(connection, Problem(.serviceUnavailable, code: "server_busy",
                                        detail: "The request body could not be stored; retry shortly.", headers: ["Retry-After": "5"]))
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
