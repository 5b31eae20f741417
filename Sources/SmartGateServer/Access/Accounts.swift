import Fluent
import Foundation
import GateKit
import Vapor

/// Creates and changes users and device keys. Every change goes through the single
/// writer and appends to the audit chain in the same transaction; the CLI, the demo and
/// (later) an admin API all come through here.
public enum Accounts {
    /// What `users create` asks for.
    public struct NewUser: Sendable {
        public var email: String
        public var role: String
        public var enterprise: String?
        public var gates: [String]
        public var password: String

        public init(email: String, role: String, enterprise: String?, gates: [String], password: String) {
            self.email = email
            self.role = role
            self.enterprise = enterprise
            self.gates = gates
            self.password = password
        }
    }

    /// Validates and stores a user; every invalid field at once.
    static func createUser(_ new: NewUser, actor: String, on app: Application) async throws -> UserView {
        var issues: [Issue] = []
        let email: String?
        do { email = try AccountRules.email(new.email) } catch { email = nil; issues.append(error.at("email")) }
        let role = Role(rawValue: new.role)
        if role == nil {
            issues.append(Issue(field: "role", .notAllowed, ["allowed": Role.allCases.map(\.rawValue).joined(separator: ", "), "actual": new.role]))
        }
        var enterprise: String?
        switch (role, new.enterprise) {
        case (.declarant?, let raw?):
            do { enterprise = try EnterpriseCode(raw).value } catch { issues.append(error.at("enterprise")) }
        case (.declarant?, nil):
            issues.append(Issue(field: "enterprise", .required))
        case (_, _?):
            issues.append(Issue(field: "enterprise", .notAllowed, ["allowed": "none (only a declarant has an enterprise)", "actual": new.enterprise ?? ""]))
        default: break
        }
        let known = try await app.smartGate.gates.snapshot(on: app.db).gateIds
        let gates = Array(Set(new.gates)).sorted()
        if let role, role.isGateScoped, gates.isEmpty {
            issues.append(Issue(field: "gates", .tooFew, ["min": "1"]))
        } else if let role, !role.isGateScoped, !gates.isEmpty {
            issues.append(Issue(field: "gates", .tooMany, ["max": "0", "actual": "\(gates.count)"]))
        }
        for gate in gates where !known.contains(gate) {
            issues.append(Issue(field: "gates", .notAllowed, ["allowed": known.sorted().joined(separator: ", "), "actual": gate]))
        }
        do { _ = try AccountRules.newPassword(new.password) } catch { issues.append(error.at("password")) }
        guard issues.isEmpty, let email, let role else { throw AppError.validation(ValidationFailure(issues)) }

        let password = new.password
        let cost = app.smartGate.settings.passwordCost
        let hash = try await app.threadPool.runIfActive { try Bcrypt.hash(password, cost: cost) }
        let audit = app.smartGate.audit
        let view = try await app.smartGate.commits.perform { [enterprise] db in
            if try await UserModel.query(on: db).filter(\.$email == email).first() != nil {
                throw AppError.validation(ValidationFailure([Issue(field: "email", .duplicate, ["other": "an existing account"])]))
            }
            let now = app.now
            let user = UserModel()
            user.id = UUID()
            user.email = email
            user.passwordHash = hash
            user.role = role.rawValue
            user.enterprise = enterprise
            user.gates = gates.joined(separator: ",")
            user.createdMs = now.milliseconds
            try await user.create(on: db)
            // The payload names what authorization depends on; the audit keeps only its hash.
            try await audit.append(
                actor: actor, action: "user.created", subject: AuditSubject.user(user.id!).description,
                payload: Data("\(email)\n\(role.rawValue)\n\(enterprise ?? "")\n\(user.gates)".utf8), at: now, on: db)
            return user.view
        }
        return view
    }

    /// Every user, oldest first.
    static func users(on app: Application) async throws -> [UserView] {
        try await UserModel.query(on: app.db).sort(\.$createdMs).sort(\.$email).all().map(\.view)
    }

    /// Whether an enabled admin exists (production refuses to start without one).
    static func hasAdmin(on db: any Database) async throws -> Bool {
        try await UserModel.query(on: db).filter(\.$role == Role.admin.rawValue).filter(\.$disabledMs == nil).first() != nil
    }

    /// Disables a user: their tokens stop working within `ServerSettings.cacheFreshness`.
    static func disableUser(email raw: String, actor: String, on app: Application) async throws -> UserView {
        let email = (try? AccountRules.email(raw)) ?? raw
        let audit = app.smartGate.audit
        let view = try await app.smartGate.commits.perform { db in
            guard let user = try await UserModel.query(on: db).filter(\.$email == email).first() else {
                throw AppError.notFound(kind: "user", id: email)
            }
            if user.disabledMs == nil {
                let now = app.now
                user.disabledMs = now.milliseconds
                try await user.save(on: db)
                try await audit.append(
                    actor: actor, action: "user.disabled", subject: AuditSubject.user(user.id!).description,
                    payload: Data(email.utf8), at: now, on: db)
                try await app.smartGate.notices.post(.accountChanged(user.id!), on: db)
            }
            return user.view
        }
        app.smartGate.gatekeeper.forget(user: view.id)
        return view
    }

    /// Creates a key for a lane device; the answer holds the key, the database only its hash.
    static func createDeviceKey(lane laneId: String, name rawName: String, actor: String, on app: Application) async throws -> DeviceKeyView {
        var issues: [Issue] = []
        let directory = try await app.smartGate.gates.snapshot(on: app.db)
        if !directory.hasLane(laneId) {
            let allowed = (Array(directory.lanes.keys) + Array(directory.yardLanes.keys)).sorted()
            issues.append(Issue(field: "lane", .notAllowed, ["allowed": allowed.joined(separator: ", "), "actual": laneId]))
        }
        var reader = FieldReader()
        let name = reader.string(.string(rawName), at: "name", maxLength: 100)
        issues += reader.issues
        guard issues.isEmpty, let name else { throw AppError.validation(ValidationFailure(issues)) }
        let key = DeviceKey.generate()
        let audit = app.smartGate.audit
        var view = try await app.smartGate.commits.perform { db in
            let now = app.now
            let device = DeviceKeyModel()
            device.id = UUID()
            device.laneId = laneId
            device.name = name
            device.keyHash = DeviceKey.digest(of: key)
            device.createdMs = now.milliseconds
            try await device.create(on: db)
            try await audit.append(
                actor: actor, action: "device.created", subject: AuditSubject.device(device.id!).description,
                payload: Data("\(laneId)\n\(name)\n\(device.keyHash)".utf8), at: now, on: db)
            return device.view
        }
        view.key = key
        return view
    }

    /// Every device key, oldest first (never the keys).
    static func deviceKeys(on app: Application) async throws -> [DeviceKeyView] {
        try await DeviceKeyModel.query(on: app.db).sort(\.$createdMs).all().map(\.view)
    }

    /// Revokes a device key: refused from then on (at once in this process, within
    /// `ServerSettings.cacheFreshness` in a running server).
    static func revokeDeviceKey(id raw: String, actor: String, on app: Application) async throws -> DeviceKeyView {
        guard let id = UUID(uuidString: raw) else { throw AppError.notFound(kind: "device key", id: raw) }
        let audit = app.smartGate.audit
        let view = try await app.smartGate.commits.perform { db in
            guard let device = try await DeviceKeyModel.find(id, on: db) else { throw AppError.notFound(kind: "device key", id: raw) }
            if device.revokedMs == nil {
                let now = app.now
                device.revokedMs = now.milliseconds
                try await device.save(on: db)
                try await audit.append(
                    actor: actor, action: "device.revoked", subject: AuditSubject.device(id).description,
                    payload: Data(device.keyHash.utf8), at: now, on: db)
                try await app.smartGate.notices.post(.deviceKeysChanged, on: db)
            }
            return device.view
        }
        app.smartGate.gatekeeper.forgetDevices()
        return view
    }
}
