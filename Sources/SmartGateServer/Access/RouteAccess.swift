import BorderLink
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

    private static let pageKey = "smartgate.page"

    /// Marks a route as a page: its caller signs in with the session cookie (never a
    /// bearer header), is sent to the sign-in page rather than answered 401, and reads
    /// refusals as pages. The API's routes never read the cookie, so no other site can
    /// make a signed-in browser call them.
    @discardableResult
    func page() -> Route {
        userInfo[Self.pageKey] = true
        return self
    }

    var isPage: Bool { userInfo[Self.pageKey] as? Bool == true }
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
            // An open page still knows who reads it (the home page sends each role to its own).
            if route.isPage { request.principal = await pagePrincipal(request) }
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
        case .peer:
            principal = try await peerPrincipal(request)
        case .authenticated where route.isPage, .roles where route.isPage:
            principal = await pagePrincipal(request)
        case .authenticated, .roles:
            if let user = try await userPrincipal(request) {
                principal = user
            } else if let key = request.headers.first(name: "X-Device-Key") {
                principal = .device(try await context.gatekeeper.device(key: key, on: request.db))
            }
        }
        switch rule.admits(principal) {
        case .allowed: break
        case .unauthenticated where route.isPage:
            let next = request.url.path + (request.url.query.map { "?\($0)" } ?? "")
            return request.redirect(to: "/sign-in?next=\(next.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(["&", "=", "?", "+"])) ?? "/")")
        case .unauthenticated: throw AppError.unauthenticated(.missing, scheme: rule.wantsDevice ? .deviceKey : rule == .peer ? .link : .bearer)
        case .forbidden: throw AppError.forbidden(.forbidden)
        }
        if let principal {
            let limits = context.settings.rateLimits
            let perMinute = switch principal {
            case .device, .peer: limits.devicePerMinute
            case .user: limits.userPerMinute
            }
            if let retryAfter = await context.gatekeeper.limiter.take(principal.rateKey, perMinute: perMinute, now: request.now, on: request.db) {
                throw AppError.rateLimited(retryAfter: retryAfter)
            }
        }
        request.principal = principal
        return try await next.respond(to: request)
    }

    /// The user of the session cookie; nil without one, or when it no longer signs anyone
    /// in (expired, revoked): the page then asks to sign in again.
    private func pagePrincipal(_ request: Request) async -> Principal? {
        guard let token = WebSession.token(request) else { return nil }
        let context = request.application.smartGate
        guard let (user, session) = try? await context.gatekeeper.user(
            bearer: token, keys: request.application.jwt.keys, lifetime: context.settings.tokenLifetime, now: request.now, on: request.db)
        else { return nil }
        request.session = session
        return .user(user)
    }

    /// The peer that signed the request (docs/BORDERLINK.md §7), nil without a signature; a
    /// bad one is refused with the protocol's reason code. The clock offset it shows is kept
    /// for the link's status.
    private func peerPrincipal(_ request: Request) async throws -> Principal? {
        guard let header = request.headers.first(name: .authorization) else { return nil }
        guard let signed = LinkRequestSignature(header: header) else {
            throw AppError.linkRefused(LinkRefusal(.malformed, "the Authorization header is not a \(LinkRequestSignature.scheme) signature"))
        }
        let context = request.application.smartGate
        let body = try await request.body.collect(max: LinkController.inboxBodyLimit).get().map { Data($0.readableBytesView) } ?? Data()
        let verifier = try await context.link.peers.verifier(settings: context.settings, on: request.db)
        let now = request.now
        do {
            let offset = try signed.verify(method: request.method.rawValue, target: request.url.string, body: body, verifier: verifier, now: now)
            context.link.peers.saw(signed.sender, offset: offset, at: now)
        } catch {
            context.metrics.linkRefused(peer: verifier.peers[signed.sender] == nil ? "unknown" : signed.sender, reason: error.reason)
            throw AppError.linkRefused(error)
        }
        return .peer(signed.sender)
    }

    /// The user of the bearer token, nil when there is none; a bad token is refused.
    private func userPrincipal(_ request: Request) async throws -> Principal? {
        guard request.headers.first(name: .authorization) != nil else { return nil }
        guard let token = request.headers.bearerAuthorization?.token, !token.isEmpty else {
            throw AppError.unauthenticated(.malformed)
        }
        let (user, session) = try await request.application.smartGate.gatekeeper.user(
            bearer: token, keys: request.application.jwt.keys, lifetime: request.application.smartGate.settings.tokenLifetime, now: request.now, on: request.db)
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
