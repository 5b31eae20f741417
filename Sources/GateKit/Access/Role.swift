import Foundation

/// What a SmartGate user is allowed to do. Deny by default: a role not named by a route's
/// rule is refused there.
public enum Role: String, CaseIterable, Sendable, Codable, Comparable {
    case admin
    /// Submits declarations for one enterprise (identified by its tax code).
    case declarant
    case driver
    case customsOfficer = "customs-officer"
    case borderGuard = "border-guard"
    case quarantineOfficer = "quarantine-officer"
    case gateOperator = "gate-operator"
    case corridorOperator = "corridor-operator"
    /// The zone's management board: aggregates and KPIs, never per-person data.
    case boardViewer = "board-viewer"

    /// Officers and operators act only at the gates they are assigned to.
    public var isGateScoped: Bool {
        switch self {
        case .customsOfficer, .borderGuard, .quarantineOfficer, .gateOperator, .corridorOperator: true
        case .admin, .declarant, .driver, .boardViewer: false
        }
    }

    /// The roles that see declarations and decisions at their gates.
    public static let gateStaff: Set<Role> = [.customsOfficer, .borderGuard, .quarantineOfficer, .gateOperator]

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A signed-in person, as authorization sees them.
public struct UserIdentity: Sendable, Equatable {
    public var id: UUID
    public var role: Role
    /// The enterprise's tax code, for a declarant.
    public var enterprise: String?
    /// The gates a gate-scoped role acts at.
    public var gates: Set<String>

    public init(id: UUID, role: Role, enterprise: String? = nil, gates: Set<String> = []) {
        self.id = id
        self.role = role
        self.enterprise = enterprise
        self.gates = gates
    }

    /// The audit chain's actor string for this person.
    public var actor: String { AuditSubject.user(id).description }

    /// May read a declaration of `enterprise` for `gate`: its declarant, staff at that
    /// gate, or an admin.
    public func mayRead(declarationOf enterprise: String, at gate: String) -> Bool {
        switch role {
        case .admin: true
        case .declarant: self.enterprise == enterprise
        case let role where Role.gateStaff.contains(role): gates.contains(gate)
        default: false
        }
    }

    /// May submit, amend or cancel a declaration of `enterprise`: only its own declarant.
    public func mayChange(declarationOf enterprise: String) -> Bool {
        role == .declarant && self.enterprise == enterprise
    }

    /// May follow lane decisions at `gate`: staff at that gate or an admin.
    public func mayFollowDecisions(at gate: String) -> Bool {
        role == .admin || (Role.gateStaff.contains(role) && gates.contains(gate))
    }

    /// May read the audit trail of a subject at `gate` (`nil`: a subject with no gate, such
    /// as a user or a device key): customs at that gate, or an admin.
    public func mayReadAudit(at gate: String?) -> Bool {
        if role == .admin { return true }
        guard role == .customsOfficer, let gate else { return false }
        return gates.contains(gate)
    }

    /// May see risk scores, model versions and reasons (CONTRACTS §1): customs and admin.
    /// A declarant sees its channel only.
    public var mayReadRisk: Bool { role == .customsOfficer || role == .admin }

    /// May create, change or retire a rule for `gates` (empty: every gate): customs for
    /// gates all its own, an admin for any, and only an admin for every gate at once.
    public func mayManageRule(gates ruleGates: [String]) -> Bool {
        if role == .admin { return true }
        return role == .customsOfficer && !ruleGates.isEmpty && Set(ruleGates).isSubset(of: gates)
    }

    /// May read a rule for `gates`: customs when it applies at one of its gates (a rule for
    /// every gate applies at all of them), an admin always.
    public func mayReadRule(gates ruleGates: [String]) -> Bool {
        if role == .admin { return true }
        return role == .customsOfficer && (ruleGates.isEmpty || !Set(ruleGates).isDisjoint(with: gates))
    }

    /// May see, claim and decide an inspection at `gate`: customs there; quarantine there
    /// when the goods are under sanitary or phytosanitary control.
    public func mayInspect(at gate: String, quarantine: Bool) -> Bool {
        guard gates.contains(gate) else { return false }
        return role == .customsOfficer || (role == .quarantineOfficer && quarantine)
    }

    /// The gates whose records this user's lists are limited to; `nil` means every gate.
    public var gateFilter: Set<String>? {
        role.isGateScoped ? gates : nil
    }
}

/// A lane device (camera, OCR, e-seal reader, weighbridge controller) holding a device key.
public struct DeviceIdentity: Sendable, Equatable {
    public var id: UUID
    public var laneId: String
    public var name: String

    public init(id: UUID, laneId: String, name: String) {
        self.id = id
        self.laneId = laneId
        self.name = name
    }

    public var actor: String { AuditSubject.device(id).description }
}

/// Who is calling.
public enum Principal: Sendable, Equatable {
    case user(UserIdentity)
    case device(DeviceIdentity)
    /// The system of the other side of the border, by its side identity (`CN-HEKOU`),
    /// authenticated by a signature of one of its registered keys.
    case peer(String)

    /// The key rate limits are counted under.
    public var rateKey: String {
        switch self {
        case .user(let user): user.actor
        case .device(let device): device.actor
        case .peer(let side): "peer:\(side)"
        }
    }
}
