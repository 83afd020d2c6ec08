#if canImport(Glibc)
import Glibc
#endif

import Logging
import PostillonHTTP

/// Builds a ``Configuration`` from flag values and the environment, validating every key.
package enum ConfigurationLoader {
    /// Loads the configuration.
    /// - Parameters:
    ///   - flags: values given on the command line, by key (switches as "true").
    ///   - environment: the process environment; only `POSTILLON_*` names are read.
    /// - Throws: ``ConfigurationError`` naming the first bad key.
    package static func load(flags: [ConfigKey: String], environment: [String: String]) throws -> Configuration {
        func raw(_ key: ConfigKey) -> String? {
            if let value = flags[key] { return value }
            if let value = environment[key.environmentName], !value.isEmpty { return value }
            return key.defaultValue
        }
        func string(_ key: ConfigKey) -> String { raw(key) ?? "" }
        func bool(_ key: ConfigKey) throws -> Bool {
            switch string(key).lowercased() {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off", "": return false
            default: throw ConfigurationError(key, "expected true or false, got '\(string(key))'")
            }
        }
        func int(_ key: ConfigKey, _ range: ClosedRange<Int>) throws -> Int {
            guard let value = Int(string(key)) else { throw ConfigurationError(key, "expected a whole number, got '\(string(key))'") }
            guard range.contains(value) else { throw ConfigurationError(key, "must be between \(range.lowerBound) and \(range.upperBound), got \(value)") }
            return value
        }
        func url(_ key: ConfigKey, _ schemes: [String: Int]) throws -> UpstreamURL {
            do {
                return try UpstreamURL.parse(string(key), schemes: schemes)
            } catch {
                throw ConfigurationError(key, error.text)
            }
        }

        let (host, port) = try parseListen(string(.listen))
        if let metrics = raw(.metricsListen), metrics == string(.listen) {
            throw ConfigurationError(.metricsListen, "must differ from --listen")
        }
        let pop3 = try url(.pop3URL, ["pop3": 110, "pop3s": 995])
        let smtp = try url(.smtpURL, ["smtp": 587, "smtps": 465])
        let allowPlaintext = try bool(.allowPlaintext)

        let caFile = raw(.caFile)
        if let caFile { try StartupCheck.readableFile(caFile, key: .caFile) }
        let accountsFile = raw(.accountsFile)
        if let accountsFile { try StartupCheck.readableFile(accountsFile, key: .accountsFile) }

        guard let logLevel = Logger.Level(rawValue: string(.logLevel).lowercased()) else {
            throw ConfigurationError(.logLevel, "expected trace, debug, info, notice, warning, error or critical")
        }
        let ehlo = string(.ehloName)
        guard !ehlo.isEmpty, ehlo.utf8.count <= 255, ehlo.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }) else {
            throw ConfigurationError(.ehloName, "must be a host name, got '\(ehlo)'")
        }
        let mailDomain = raw(.mailDomain) ?? pop3.host
        guard !mailDomain.isEmpty, !mailDomain.contains("@"), !mailDomain.contains(where: { $0.isWhitespace }) else {
            throw ConfigurationError(.mailDomain, "must be a domain name")
        }
        var proxies: [IPNetwork] = []
        for entry in string(.trustedProxies).split(separator: ",").map({ $0.trimming(" ") }) where !entry.isEmpty {
            guard let network = IPNetwork(entry) else { throw ConfigurationError(.trustedProxies, "'\(entry)' is not an IP address or CIDR network") }
            proxies.append(network)
        }

        var http = HTTPServerConfiguration(host: host, port: port)
        http.accessLog = try bool(.accessLog)
        guard let logFormat = AccessLogFormat(rawValue: string(.logFormat).lowercased()) else {
            throw ConfigurationError(.logFormat, "expected text or json")
        }
        http.accessLogFormat = logFormat
        http.trustedProxies = proxies
        http.maxConnections = try int(.maxConnections, 1...1_000_000)
        http.workerThreads = try int(.workers, 1...4096)
        http.eventLoops = try int(.eventLoops, 1...64)
        http.parserLimits.maxHeaderBytes = try int(.maxHeaderBytes, 1024...1_048_576)
        http.headerTimeoutMillis = Int64(try int(.headerTimeout, 1...3600)) * 1000
        http.idleTimeoutMillis = Int64(try int(.idleTimeout, 1...86_400)) * 1000
        http.maxQueuedRequests = max(1024, http.workerThreads * 16)
        http.workerPools = WorkerPoolName.pools(workers: http.workerThreads)

        // Bodies being received at once: four of the largest send bodies (see SendRoutes).
        let maxSend = try int(.maxSendBytes, 1024...1 << 30)
        http.maxBodyBytesInFlight = 4 * (maxSend + maxSend / 2 + (1 << 20))

        let corsOrigins = string(.corsOrigins).split(separator: ",").map { String($0.trimming(" ")) }.filter { !$0.isEmpty }
        let cors: CORSPolicy
        do throws(CORSPolicyError) {
            cors = try CORSPolicy(origins: corsOrigins)
        } catch {
            throw ConfigurationError(.corsOrigins, error.description)
        }
        guard let state = StateLocation(string(.state)) else {
            throw ConfigurationError(.state, "expected sqlite:/path/state.db or postgres://user@host:port/db")
        }
        let secretKeyFile = raw(.secretKeyFile)
        if case .postgres = state, secretKeyFile == nil {
            throw ConfigurationError(.secretKeyFile, "is required with a PostgreSQL state store (every replica needs the same key)")
        }
        let previousSecretKeyFile = raw(.previousSecretKeyFile)
        if let previousSecretKeyFile { try StartupCheck.readableFile(previousSecretKeyFile, key: .previousSecretKeyFile) }

        guard let pop3AuthMode = POP3AuthMode(rawValue: string(.pop3Auth).lowercased()) else {
            throw ConfigurationError(.pop3Auth, "expected auto or apop")
        }
        var metricsListen: (host: String, port: Int)?
        if let text = raw(.metricsListen) {
            do throws(ConfigurationError) { metricsListen = try parseListen(text) } catch { throw ConfigurationError(.metricsListen, error.reason) }
        }
        let operatorToken = raw(.operatorToken)
        if let operatorToken, operatorToken.utf8.count < 16 || !operatorToken.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            throw ConfigurationError(.operatorToken, "must be at least 16 printable characters without spaces")
        }
        var resolved: [ConfigKey: String] = [:]
        for key in ConfigKey.allCases { resolved[key] = raw(key) }
        resolved[.mailDomain] = mailDomain

        var configuration = Configuration(
            http: http, pop3: pop3, smtp: smtp, caFile: caFile, allowPlaintext: allowPlaintext,
            insecureSkipVerify: try bool(.insecureSkipVerify), publicDir: string(.publicDir), accountsFile: accountsFile,
            logLevel: logLevel, ehloName: ehlo, mailDomain: mailDomain,
            maxBodyBytes: try int(.maxBodyBytes, 1024...1 << 30), maxSendBytes: try int(.maxSendBytes, 1024...1 << 30),
            maxParseBytes: try int(.maxParseBytes, 1024...1 << 31),
            shutdownTimeoutMillis: Int64(try int(.shutdownTimeout, 0...3600)) * 1000,
            upstreamConnectTimeout: try int(.upstreamConnectTimeout, 1...600), upstreamTimeout: try int(.upstreamTimeout, 1...3600),
            mailboxWaitMillis: Int64(try int(.mailboxWait, 0...600)) * 1000,
            sessionIdleTimeout: try int(.sessionIdleTimeout, 60...31_536_000), sessionMaxAge: try int(.sessionMaxAge, 60...31_536_000),
            summaryCacheEntries: try int(.summaryCacheEntries, 0...10_000_000),
            metricsEnabled: try bool(.metrics), metricsListen: metricsListen, operatorToken: operatorToken,
            readyCacheSeconds: try int(.readyCacheSeconds, 1...3600), resolved: resolved,
            warnings: ConfigKey.unknownEnvironmentWarnings(environment))
        configuration.smtpTrustedRelay = try bool(.smtpTrustedRelay)
        configuration.cors = cors
        configuration.state = state
        configuration.secretKeyFile = secretKeyFile
        configuration.previousSecretKeyFile = previousSecretKeyFile
        configuration.pop3AuthMode = pop3AuthMode
        configuration.pop3SessionReuseMillis = Int64(try int(.pop3SessionReuse, 0...600)) * 1000
        configuration.mailboxWaiters = try int(.mailboxWaiters, 1...10_000)
        configuration.indexJobs = try int(.indexJobs, 0...64)
        configuration.messageCacheBytes = try int(.messageCacheBytes, 0...1 << 34)
        configuration.pollInterval = try int(.pollInterval, 1...86_400)
        configuration.sessionPollInterval = try int(.sessionPollInterval, 0...86_400)
        guard let schedule = RetrySchedule(string(.webhookRetrySchedule)) else {
            throw ConfigurationError(.webhookRetrySchedule, "expected comma-separated seconds between 1 and 172800, got '\(string(.webhookRetrySchedule))'")
        }
        configuration.webhookRetrySchedule = schedule
        configuration.webhookAllowHTTP = try bool(.webhookAllowHTTP)
        configuration.eventsHeartbeat = try int(.eventsHeartbeat, 1...3600)
        configuration.eventsMaxStreams = try int(.eventsMaxStreams, 0...1_000_000)
        configuration.eventsMaxStreamsPerAccount = try int(.eventsMaxStreamsPerAccount, 1...100_000)
        for entry in string(.webhookAllowNetworks).split(separator: ",").map({ $0.trimming(" ") }) where !entry.isEmpty {
            guard let network = IPNetwork(entry) else { throw ConfigurationError(.webhookAllowNetworks, "'\(entry)' is not an IP address or CIDR network") }
            configuration.webhookAllowNetworks.append(network)
        }
        return configuration
    }

    /// Splits `host:port` or `[v6]:port`.
    static func parseListen(_ text: String) throws(ConfigurationError) -> (String, Int) {
        var host: Substring
        var portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ConfigurationError(.listen, "expected [ipv6]:port, got '\(text)'")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw ConfigurationError(.listen, "expected host:port, got '\(text)'") }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard let port = Int(portText), (0...65535).contains(port) else { throw ConfigurationError(.listen, "bad port in '\(text)'") }
        if host.isEmpty { host = "0.0.0.0" }
        let literal = host == "localhost" ? "127.0.0.1" : String(host)
        guard IPAddress.isLiteral(literal) else { throw ConfigurationError(.listen, "host must be an IP address or localhost, got '\(host)'") }
        return (literal, port)
    }
}
