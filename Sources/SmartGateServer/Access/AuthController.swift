import Fluent
import Foundation
import GateKit
import JWT
import Vapor

/// Sign-in and sign-out with e-mail and password; session tokens are signed JWTs.
enum AuthController {
    /// Answers an unknown e-mail after as much bcrypt work as a wrong password, so the
    /// timing does not say which accounts exist.
    private static let decoyHash = (try? Bcrypt.hash(UUID().uuidString, cost: 12)) ?? ""

    /// The largest sign-in body: an e-mail and a password fit in far less.
    static let loginBodyLimit = 4 * 1024

    /// `POST /api/v1/auth/login` `{email, password}` → `{token, expiresAt, user}`.
    @Sendable static func login(_ request: Request) async throws -> Response {
        let credentials: (email: String, password: String)
        do {
            credentials = try AccountRules.login(try request.jsonBody(limit: loginBodyLimit))
        } catch let failure as ValidationFailure {
            throw AppError.validation(failure)
        }
        let (user, token, expires) = try await signIn(email: credentials.email, password: credentials.password, request: request)
        return try WireJSON.response(SessionView(token: token, expiresAt: GateKit.Timestamp.format(expires), user: user.view))
    }

    /// Checks an e-mail and password and issues a session token: the API's sign-in and the
    /// pages' share it, rate limit and bcrypt timing included.
    static func signIn(email: String, password: String, request: Request) async throws -> (UserModel, token: String, expires: Date) {
        let context = request.application.smartGate
        // Guessing is slowed per client address and per account, before any bcrypt work.
        let perMinute = context.settings.rateLimits.loginPerMinute
        let address = request.clientAddress(trusting: context.settings.trustedProxies) ?? "unknown"
        for key in ["login-from:\(address)", "login-as:\(email)"] {
            if let retryAfter = await context.gatekeeper.limiter.take(key, perMinute: perMinute, now: request.now, on: request.db) {
                throw AppError.rateLimited(retryAfter: retryAfter)
            }
        }
        let user = try await UserModel.query(on: request.db).filter(\.$email == email).first()
        let hash = user?.passwordHash ?? decoyHash
        // The bcrypt work is done either way, so the answer's timing says nothing.
        let verified = (try? await request.application.threadPool.runIfActive { try Bcrypt.verify(password, created: hash) }) ?? false
        let matches = verified && AccountRules.couldHaveBeenSet(password)
        guard matches, let user, let identity = user.identity else { throw AppError.unauthenticated(.badCredentials) }

        let expires = request.now.addingTimeInterval(context.settings.tokenLifetime)
        let token = try await issueToken(for: identity, expires: expires, app: request.application)
        request.logger.info("signed in: \(identity.actor) (\(identity.role.rawValue))")
        return (user, token, expires)
    }

    /// A signed session token for `user`, valid until `expires`.
    static func issueToken(for user: UserIdentity, expires: Date, app: Application) async throws -> String {
        let session = SessionToken(
            sub: SubjectClaim(value: user.id.uuidString.lowercased()), exp: ExpirationClaim(value: expires),
            iat: IssuedAtClaim(value: app.now), jti: IDClaim(value: UUID().uuidString.lowercased()), role: user.role.rawValue)
        return try await app.jwt.keys.sign(session)
    }

    /// `POST /api/v1/auth/logout`: this token stops working at once.
    @Sendable static func logout(_ request: Request) async throws -> Response {
        try await signOut(request)
        return Response(status: .noContent)
    }

    /// Revokes the request's session token at once (the API's sign-out and the pages').
    static func signOut(_ request: Request) async throws {
        let user = try request.requireUser()
        guard let session = request.session else { throw AppError.unauthenticated(.missing) }
        let context = request.application.smartGate
        let jti = session.jti.value
        let expiresMs = session.exp.value.milliseconds
        try await context.commits.perform { db in
            if try await RevokedTokenModel.find(jti, on: db) == nil {
                try await RevokedTokenModel(jti: jti, expiresMs: expiresMs, revokedMs: request.now.milliseconds).create(on: db)
            }
            try await context.notices.post(.signedOut(sessionId: jti), on: db)
        }
        context.gatekeeper.revoked(jti)
        request.logger.info("signed out: \(user.actor)")
    }

    /// `GET /api/v1/auth/me`: the signed-in account.
    @Sendable static func me(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        guard let model = try await UserModel.find(user.id, on: request.db) else { throw AppError.unauthenticated(.badCredentials) }
        return try WireJSON.response(model.view)
    }

    private struct SessionView: Encodable {
        var token: String
        var expiresAt: String
        var user: UserView
    }
}
