import GateKit
import Vapor

extension Route {
    private static let accessKey = "smartgate.access"

    /// Declares who may call this route (CONTRACTS §1). A route without a rule is refused.
    @discardableResult
    public func access(_ rule: AccessRule) -> Route {
        userInfo[Self.accessKey] = rule
        return self
    }

    /// The route's rule, if it has one.
    var accessRule: AccessRule? { userInfo[Self.accessKey] as? AccessRule }
}

/// Authenticates every request, applies its route's `AccessRule`, and counts it against
/// the caller's rate limit. Deny by default: a route without a rule answers 403.
struct AccessMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        // No route: the router answers 404 itself; nothing to protect.
        guard let route = request.route else { return try await next.respond(to: request) }
        guard let rule = route.accessRule else {
            request.logger.error("route \(route.method) /\(route.path.map(\.description).joined(separator: "/")) has no access rule; refused")
            throw AppError.forbidden(.forbidden)
        }
        let context = request.application.smartGate
        var principal: Principal?
        switch rule {
        case .anyone:
            return try await next.respond(to: request)
        case .loopbackOrAdmin:
            if request.isFromLoopback { return try await next.respond(to: request) }
            if let token = request.headers.bearerAuthorization?.token, let scrape = context.settings.metricsToken,
               Data(token.utf8).constantTimeEquals(Data(scrape.utf8)) {
                return try await next.respond(to: request)
            }
            principal = try await userPrincipal(request)
        case .device:
            if let key = request.headers.first(name: "X-Device-Key") {
                principal = .device(try await context.gatekeeper.device(key: key, on: request.db))
            } else {
                principal = try await userPrincipal(request)
            }
        case .authenticated, .roles:
            if let user = try await userPrincipal(request) {
                principal = user
            } else if let key = request.headers.first(name: "X-Device-Key") {
                principal = .device(try await context.gatekeeper.device(key: key, on: request.db))
            }
        }
        switch rule.admits(principal) {
        case .allowed: break
        case .unauthenticated: throw AppError.unauthenticated(.missing, scheme: rule.wantsDevice ? .deviceKey : .bearer)
        case .forbidden: throw AppError.forbidden(.forbidden)
        }
        if let principal {
            let limits = context.settings.rateLimits
            let perMinute = if case .device = principal { limits.devicePerMinute } else { limits.userPerMinute }
            if let retryAfter = context.gatekeeper.limiter.take(principal.rateKey, perMinute: perMinute) {
                throw AppError.rateLimited(retryAfter: retryAfter)
            }
        }
        request.principal = principal
        return try await next.respond(to: request)
    }

    /// The user of the bearer token, nil when there is none; a bad token is refused.
    private func userPrincipal(_ request: Request) async throws -> Principal? {
        guard request.headers.first(name: .authorization) != nil else { return nil }
        guard let token = request.headers.bearerAuthorization?.token, !token.isEmpty else {
            throw AppError.unauthenticated(.malformed)
        }
        let (user, session) = try await request.application.smartGate.gatekeeper.user(
            bearer: token, keys: request.application.jwt.keys, lifetime: request.application.smartGate.settings.tokenLifetime, on: request.db)
        request.session = session
        return .user(user)
    }
}

extension Data {
    /// Compares without an early exit, so the time taken says nothing about the secret.
    func constantTimeEquals(_ other: Data) -> Bool {
        guard count == other.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(self, other) { difference |= a ^ b }
        return difference == 0
    }
}
