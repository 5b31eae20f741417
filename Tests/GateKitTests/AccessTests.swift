import Foundation
import GateKit
import Testing

@Suite("Access rules and scoping")
struct AccessTests {
    static let officer = UserIdentity(id: UUID(), role: .customsOfficer, gates: ["kim-thanh"])
    static let declarant = UserIdentity(id: UUID(), role: .declarant, enterprise: "5300100269")
    static let admin = UserIdentity(id: UUID(), role: .admin)
    static let board = UserIdentity(id: UUID(), role: .boardViewer)
    static let device = DeviceIdentity(id: UUID(), laneId: "kim-thanh-out-1", name: "camera")

    @Test("a rule admits, refuses (403) or asks for a credential (401)", arguments: [
        (AccessRule.anyone, nil as Principal?, AccessVerdict.allowed),
        (.authenticated, nil, .unauthenticated),
        (.authenticated, .device(device), .allowed),
        (.authenticated, .user(board), .allowed),
        (.roles([.declarant]), .user(declarant), .allowed),
        (.roles([.declarant]), .user(admin), .forbidden),
        (.roles([.declarant]), .device(device), .forbidden),
        (.roles([.declarant]), nil, .unauthenticated),
        (.device, .device(device), .allowed),
        (.device, .user(admin), .forbidden),
        (.device, nil, .unauthenticated),
        (.loopbackOrAdmin, .user(admin), .allowed),
        (.loopbackOrAdmin, .user(officer), .forbidden),
        (.loopbackOrAdmin, nil, .unauthenticated),
    ])
    func rules(rule: AccessRule, principal: Principal?, verdict: AccessVerdict) {
        #expect(rule.admits(principal) == verdict)
    }

    @Test("who reads and changes which declaration", arguments: [
        (declarant, "5300100269", "kim-thanh", true, true),
        (declarant, "5300100283", "kim-thanh", false, false),
        (officer, "5300100269", "kim-thanh", true, false),
        (officer, "5300100269", "muong-khuong", false, false),
        (admin, "5300100283", "ban-vuoc", true, false),
        (board, "5300100269", "kim-thanh", false, false),
    ])
    func declarations(user: UserIdentity, enterprise: String, gate: String, reads: Bool, changes: Bool) {
        #expect(user.mayRead(declarationOf: enterprise, at: gate) == reads)
        #expect(user.mayChange(declarationOf: enterprise) == changes)
    }

    @Test("decisions and audit follow the gates", arguments: [
        (officer, "kim-thanh" as String?, true, true),
        (officer, "muong-khuong", false, false),
        (officer, nil, false, false),
        (admin, nil, true, true),
        (declarant, "kim-thanh", false, false),
        (UserIdentity(id: UUID(), role: .gateOperator, gates: ["kim-thanh"]), "kim-thanh", true, false),
    ])
    func gates(user: UserIdentity, gate: String?, follows: Bool, audits: Bool) {
        #expect(user.mayFollowDecisions(at: gate ?? "") == follows)
        #expect(user.mayReadAudit(at: gate) == audits)
    }

    @Test("device keys: 256 bits, recognisable, stored as SHA-256")
    func deviceKeys() {
        let key = DeviceKey.generate()
        #expect(DeviceKey.isWellFormed(key))
        #expect(key.hasPrefix("sgd_") && key.count == 47)
        #expect(DeviceKey.generate() != key)
        #expect(DeviceKey.digest(of: key).count == 64)
        #expect(!DeviceKey.isWellFormed("sgd_short"))
        #expect(!DeviceKey.isWellFormed(String(key.dropFirst(4)) + "abcd"))
        #expect(!DeviceKey.isWellFormed(String(key.dropLast()) + "!"))
    }

    @Test("account rules", arguments: [
        ("Officer@Customs.gov.vn", "officer@customs.gov.vn" as String?),
        ("no-at-sign", nil), ("a@b", nil), ("two@@x.vn", nil), ("sp ace@x.vn", nil), ("a@.vn", nil),
    ])
    func emails(raw: String, normalized: String?) {
        #expect((try? AccountRules.email(raw)) == normalized)
    }

    @Test("passwords: 10 to 72 bytes when set, spaces kept at login")
    func passwords() throws {
        #expect(throws: Issue.self) { try AccountRules.newPassword("short") }
        #expect(throws: Issue.self) { try AccountRules.newPassword(String(repeating: "é", count: 40)) }
        #expect(try AccountRules.newPassword("ten chars!") == "ten chars!")
        #expect(try AccountRules.loginPassword(" x ") == " x ")
    }
}
