import Foundation
import PostillonHTTP

/// `POST /api/v1/sessions` (sign in with mail credentials) and `DELETE /api/v1/sessions/current`.
enum SessionRoutes {
    struct SignIn: Decodable {
        let username: String
        let password: String

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(["username", "password"])
            let container = try decoder.container(keyedBy: AnyCodingKey.self)
            username = try container.decode(String.self, forKey: AnyCodingKey(stringValue: "username"))
            password = try container.decode(String.self, forKey: AnyCodingKey(stringValue: "password"))
        }
    }

    struct Session: Encodable {
        let token: String
        let expiresAt: Date
        let username: String
        let address: String
    }

    static func routes(_ services: AppServices) -> [Route] {
        [
            Route(.POST, "/api/v1/sessions", maxBodyBytes: services.configuration.maxBodyBytes) { context in
                let input = try JSONBody.decode(SignIn.self, from: context.request)
                let credentials = Credentials(username: input.username, password: input.password)
                guard credentials.isWellFormed else {
                    throw Problem(.unprocessableContent, code: "validation_failed", detail: "username and password must be non-empty text without control characters.")
                }
                let authenticator = services.authenticator
                let client = context.request.clientAddress
                do {
                    try authenticator.limiter.attempt(client: client, username: credentials.username) {
                        try services.mailbox.verify(credentials)
                    }
                } catch {
                    if UpstreamErrorMapping.isAuthenticationFailure(error) {
                        context.logger.notice("sign-in refused", metadata: ["client": .string(client)])
                    }
                    throw error
                }
                let address = authenticator.address(for: credentials.username)
                let session = try authenticator.sessions.create(credentials: credentials, address: address)
                return JSONBody.response(Session(token: session.token, expiresAt: session.expiresAt, username: credentials.username,
                                                 address: address), status: .created)
            },
            Route(.DELETE, "/api/v1/sessions/current") { context in
                let principal = try services.authenticator.authenticate(context.request)
                guard let token = principal.sessionToken else {
                    throw Problem(.forbidden, code: "not_a_session",
                                  detail: "Only a session token can be signed out; Basic credentials and API keys have no session to end.")
                }
                try services.authenticator.sessions.remove(token: token)
                services.search?.indexer.cancel(account: principal.credentials.mailboxKey)
                return HTTPResponse(status: .noContent)
            },
        ]
    }
}
