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
    static let exporterTaxCode = "5300100269"
    static let importerTaxCode = "5300100283"

    struct Account {
        var email: String
        var role: Role
        var enterprise: String?
        var gates: [String]
    }

    static func accounts(knownGates: Set<String>) -> [Account] {
        let gates = knownGates.sorted()
        return [
            Account(email: "admin@demo.smartgate.vn", role: .admin, enterprise: nil, gates: []),
            Account(email: "exporter@demo.smartgate.vn", role: .declarant, enterprise: exporterTaxCode, gates: []),
            Account(email: "importer@demo.smartgate.vn", role: .declarant, enterprise: importerTaxCode, gates: []),
            Account(email: "customs@demo.smartgate.vn", role: .customsOfficer, enterprise: nil, gates: gates),
            // The demo's own officer on duty at Kim Thành, who works that queue by itself.
            Account(email: "desk@demo.smartgate.vn", role: .customsOfficer, enterprise: nil, gates: ["kim-thanh"]),
            Account(email: "guard@demo.smartgate.vn", role: .borderGuard, enterprise: nil, gates: gates),
            Account(email: "quarantine@demo.smartgate.vn", role: .quarantineOfficer, enterprise: nil, gates: gates),
            Account(email: "operator@demo.smartgate.vn", role: .gateOperator, enterprise: nil, gates: gates),
            Account(email: "corridor@demo.smartgate.vn", role: .corridorOperator, enterprise: nil, gates: ["kim-thanh"]),
            Account(email: "board@demo.smartgate.vn", role: .boardViewer, enterprise: nil, gates: []),
            Account(email: "driver@demo.smartgate.vn", role: .driver, enterprise: nil, gates: []),
        ]
    }

    /// Creates the demo accounts that do not exist yet, revokes earlier demo runs' device
    /// keys and creates one key per lane for this run. Returns the keys by lane.
    static func prepare(_ app: Application, runId: String) async throws -> [String: String] {
        let actor = "demo"
        let snapshot = try await app.smartGate.gates.snapshot(on: app.db)
        let existing = Set(try await Accounts.users(on: app).map(\.email))
        for account in accounts(knownGates: snapshot.gateIds) where !existing.contains(account.email) {
            _ = try await Accounts.createUser(
                Accounts.NewUser(email: account.email, role: account.role.rawValue, enterprise: account.enterprise, gates: account.gates, password: password),
                actor: actor, on: app)
        }
        for device in try await Accounts.deviceKeys(on: app) where device.revokedAt == nil && device.name.hasPrefix("demo ") {
            _ = try await Accounts.revokeDeviceKey(id: device.id.uuidString, actor: actor, on: app)
        }
        var keys: [String: String] = [:]
        for lane in snapshot.lanes.keys.sorted() {
            let created = try await Accounts.createDeviceKey(lane: lane, name: "demo \(runId) \(lane)", actor: actor, on: app)
            keys[lane] = created.key
        }
        return keys
    }
}
