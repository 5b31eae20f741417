import Foundation

/// What an audit entry is about, or who acted: `kind:id`, the id a lower-case UUID.
/// One type writes and reads these strings, so the chain, the actors and the audit API's
/// `?subject=` filter agree on the form.
public enum AuditSubject: Sendable, Hashable, CustomStringConvertible {
    case declaration(UUID)
    case passage(UUID)
    case user(UUID)
    case device(UUID)
    case rule(UUID)
    case inspection(UUID)
    case transportOrder(UUID)
    case booking(UUID)

    /// `declaration:3f0c…`, as stored in the chain.
    public var description: String {
        switch self {
        case .declaration(let id): "declaration:\(id.uuidString.lowercased())"
        case .passage(let id): "passage:\(id.uuidString.lowercased())"
        case .user(let id): "user:\(id.uuidString.lowercased())"
        case .device(let id): "device:\(id.uuidString.lowercased())"
        case .rule(let id): "rule:\(id.uuidString.lowercased())"
        case .inspection(let id): "inspection:\(id.uuidString.lowercased())"
        case .transportOrder(let id): "transport-order:\(id.uuidString.lowercased())"
        case .booking(let id): "booking:\(id.uuidString.lowercased())"
        }
    }

    /// Reads `kind:uuid` in any letter case; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let id = UUID(uuidString: parts[1]) else { return nil }
        switch parts[0].lowercased() {
        case "declaration": self = .declaration(id)
        case "passage": self = .passage(id)
        case "user": self = .user(id)
        case "device": self = .device(id)
        case "rule": self = .rule(id)
        case "inspection": self = .inspection(id)
        case "transport-order": self = .transportOrder(id)
        case "booking": self = .booking(id)
        default: return nil
        }
    }
}
