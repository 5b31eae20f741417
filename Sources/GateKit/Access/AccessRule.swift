/// Who may call one route. Every route carries one; a route without one is refused
/// (deny by default), and the role × route test fails.
public enum AccessRule: Sendable, Equatable {
    /// No credential needed (`/health`, `/openapi.json`, login).
    case anyone
    /// Loopback callers, or an admin / the scrape token elsewhere (`/metrics`).
    case loopbackOrAdmin
    /// Any signed-in user or device key.
    case authenticated
    /// Signed-in users with one of these roles. Object-level scoping (enterprise, gate)
    /// is the handler's, because it needs the object.
    case roles(Set<Role>)
    /// A device key; the handler checks it is bound to the route's lane.
    case device
    /// The other side's system (the link's inbox and outbox), by a signed request; nobody else.
    case peer

    /// The outcome for `principal` (nil: no credential was presented).
    public func admits(_ principal: Principal?) -> AccessVerdict {
        switch self {
        case .anyone:
            return .allowed
        case .loopbackOrAdmin:
            // The loopback case is decided by the server, which knows the peer address.
            guard let principal else { return .unauthenticated }
            if case .user(let user) = principal, user.role == .admin { return .allowed }
            return .forbidden
        case .authenticated:
            return principal == nil ? .unauthenticated : .allowed
        case .roles(let roles):
            guard let principal else { return .unauthenticated }
            if case .user(let user) = principal, roles.contains(user.role) { return .allowed }
            return .forbidden
        case .device:
            guard let principal else { return .unauthenticated }
            if case .device = principal { return .allowed }
            return .forbidden
        case .peer:
            guard let principal else { return .unauthenticated }
            if case .peer = principal { return .allowed }
            return .forbidden
        }
    }

    /// Whether the rule wants a device key rather than a user token.
    public var wantsDevice: Bool { self == .device }
}

/// What authorization says about one call.
public enum AccessVerdict: Sendable, Equatable {
    case allowed
    /// No credential, or one that is not valid (401).
    case unauthenticated
    /// A valid credential without the right (403).
    case forbidden
}
