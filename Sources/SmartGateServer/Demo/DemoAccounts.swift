import Fluent
import Foundation
import GateKit
import Vapor

/// The demo's people and lane devices: one account per role with a password printed on
/// the console, and a fresh device key per lane. Only `smartgate demo` creates them; no
/// other mode has a default password.
enum DemoAccounts {
    /// Shared by every demo account; printed by the demo, never used outside it.
    static let password = "smartgate-demo"

    struct Account {
        var email: String
        var role: Role
        var enterprise: String?
        var gates: [String]
    }

    static func accounts(knownGates: Set<String>, side: DemoSide = .vietnam) -> [Account] {
        let gates = knownGates.sorted()
        let email = side.email
        var accounts = [
            Account(email: email("admin"), role: .admin, enterprise: nil, gates: []),
            Account(email: email("exporter"), role: .declarant, enterprise: side.exporter.taxCode, gates: []),
            Account(email: email("importer"), role: .declarant, enterprise: side.importer.taxCode, gates: []),
            Account(email: email("customs"), role: .customsOfficer, enterprise: nil, gates: gates),
            // The demo's own officer on duty at the main gate, who works that queue by itself.
            Account(email: email("desk"), role: .customsOfficer, enterprise: nil, gates: [side.deskGate]),
            Account(email: email("guard"), role: .borderGuard, enterprise: nil, gates: gates),
            Account(email: email("quarantine"), role: .quarantineOfficer, enterprise: nil, gates: gates),
            Account(email: email("operator"), role: .gateOperator, enterprise: nil, gates: gates),
            Account(email: email("board"), role: .boardViewer, enterprise: nil, gates: []),
            Account(email: email("driver"), role: .driver, enterprise: nil, gates: []),
        ]
        // The corridor is Kim Thành's: its operator works on the Vietnamese side.
        if side.side == DemoSide.vietnam.side {
            accounts.insert(Account(email: email("corridor"), role: .corridorOperator, enterprise: nil, gates: ["kim-thanh"]), at: 8)
        }
        return accounts
    }

    /// Creates the demo accounts that do not exist yet, revokes earlier demo runs' device
    /// keys and creates one key per lane for this run. Returns the keys by lane.
    static func prepare(_ app: Application, runId: String) async throws -> [String: String] {
        let actor = "demo"
        let snapshot = try await app.smartGate.gates.snapshot(on: app.db)
        let existing = Set(try await Accounts.users(on: app).map(\.email))
        for account in accounts(knownGates: snapshot.gateIds, side: .of(app.smartGate.settings.side)) where !existing.contains(account.email) {
            _ = try await Accounts.createUser(
                Accounts.NewUser(email: account.email, role: account.role.rawValue, enterprise: account.enterprise, gates: account.gates, password: password),
                actor: actor, on: app)
        }
        for device in try await Accounts.deviceKeys(on: app) where device.revokedAt == nil && device.name.hasPrefix("demo ") {
            _ = try await Accounts.revokeDeviceKey(id: device.id.uuidString, actor: actor, on: app)
        }
        var keys: [String: String] = [:]
        for lane in (Array(snapshot.lanes.keys) + Array(snapshot.yardLanes.keys)).sorted() {
            let created = try await Accounts.createDeviceKey(lane: lane, name: "demo \(runId) \(lane)", actor: actor, on: app)
            keys[lane] = created.key
        }
        return keys
    }
}
