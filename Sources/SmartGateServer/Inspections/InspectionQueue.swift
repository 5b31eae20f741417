import Fluent
import Foundation
import GateKit

/// The officers' queues: opening an inspection when a lane refers a trip, assigning it
/// to the least-loaded officer on duty, and the moves claim, release and outcome make.
/// Every function runs inside the commit queue's transaction.
enum InspectionQueue {
    /// Opens the inspection of a declaration a lane has just referred, and assigns it.
    static func open(
        for declaration: DeclarationModel, laneReasons: [String], at now: Date, actor: String, audit: AuditTrail, on db: any Database
    ) async throws {
        let trip = try declaration.trip()
        let inspection = InspectionModel()
        inspection.id = UUID()
        inspection.declarationId = try declaration.requireID()
        inspection.gateId = trip.gate
        inspection.declarantCode = trip.declarant.taxCode.value
        inspection.plate = trip.vehicle.plate.normalized
        // A green trip referred for what the lane found is at least a document check.
        inspection.channel = max(declaration.declarationChannel, .yellow).rawValue
        inspection.quarantine = trip.goods.contains { SanitaryControl.covers(chapter: $0.hsCode.chapter) }
        inspection.status = InspectionStatus.waiting.rawValue
        inspection.laneReasons = String(decoding: try WireJSON.encode(laneReasons), as: UTF8.self)
        inspection.queuedMs = now.milliseconds
        try await inspection.create(on: db)
        try await audit.append(
            actor: actor, action: "inspection.opened", subject: AuditSubject.inspection(try inspection.requireID()).description,
            payload: Data("\(inspection.declarationId.uuidString.lowercased())\n\(inspection.channel)\n\(inspection.laneReasons)".utf8),
            at: now, on: db)
        try await assign(inspection, excluding: nil, at: now, audit: audit, on: db)
    }

    /// Gives a waiting inspection to the officer on duty at its gate with the fewest open
    /// assignments; leaves it waiting when nobody suitable is on duty.
    static func assign(_ inspection: InspectionModel, excluding: UUID?, at now: Date, audit: AuditTrail, on db: any Database) async throws {
        let roles = inspection.quarantine ? [Role.customsOfficer, .quarantineOfficer] : [Role.customsOfficer]
        let onDuty = try await OfficerDutyModel.query(on: db)
            .filter(\.$gateId == inspection.gateId).filter(\.$role ~~ roles.map(\.rawValue)).all()
            .filter { $0.id != excluding }
        guard !onDuty.isEmpty else { return }
        let open = try await InspectionModel.query(on: db)
            .filter(\.$gateId == inspection.gateId).filter(\.$status == InspectionStatus.assigned.rawValue).all()
        var load: [UUID: Int] = [:]
        for item in open { if let officer = item.assignedTo { load[officer, default: 0] += 1 } }
        let candidates = onDuty.compactMap { duty in
            duty.id.map { InspectionAssignment.Candidate(officer: $0, openAssignments: load[$0] ?? 0, onDutySince: Date(milliseconds: duty.sinceMs)) }
        }
        guard let officer = InspectionAssignment.leastLoaded(candidates) else { return }
        try await move(inspection, to: .assigned, officer: officer, actor: "system", reason: "least-loaded officer on duty", at: now, audit: audit, on: db)
    }

    /// Moves an inspection through its lifecycle table and records it in the audit chain.
    static func move(
        _ inspection: InspectionModel, to next: InspectionStatus, officer: UUID?, actor: String, reason: String, at now: Date,
        audit: AuditTrail, on db: any Database
    ) async throws {
        guard inspection.inspectionStatus.canMove(to: next) else {
            throw AppError.conflict("The inspection is \(inspection.status) and cannot become \(next.rawValue).")
        }
        inspection.status = next.rawValue
        switch next {
        case .assigned:
            inspection.assignedTo = officer
            inspection.assignedMs = now.milliseconds
        case .waiting:
            inspection.assignedTo = nil
            inspection.assignedMs = nil
        case .done:
            inspection.decidedMs = now.milliseconds
        }
        try await inspection.save(on: db)
        try await audit.append(
            actor: actor, action: "inspection.\(next.rawValue)", subject: AuditSubject.inspection(try inspection.requireID()).description,
            payload: Data("\(officer?.uuidString.lowercased() ?? "")\n\(reason)\n\(inspection.report ?? "")".utf8), at: now, on: db)
    }
}

/// An inspection as the API answers it.
struct InspectionView: Encodable, Sendable {
    var id: UUID
    var declarationId: UUID
    var gate: String
    var plate: String
    var declarant: String
    var channel: String
    var quarantine: Bool
    var status: String
    var assignedTo: String?
    var queuedAt: Date
    var assignedAt: Date?
    var decidedAt: Date?
    /// Seconds from the referral to the outcome (or to now, while open).
    var waitedSeconds: Int
    /// The channel's target wait (`InspectionTargets`).
    var targetSeconds: Int
    var overdue: Bool
    var laneReasons: [String]
    var outcome: InspectionReport?
    var decidedBy: String?
    /// Customs and admin only, like a declaration's.
    var risk: RiskView?

    init(_ model: InspectionModel, declaration: DeclarationModel?, showRisk: Bool, now: Date) throws {
        id = try model.requireID()
        declarationId = model.declarationId
        gate = model.gateId
        plate = model.plate
        declarant = model.declarantCode
        channel = model.channel
        quarantine = model.quarantine
        status = model.status
        assignedTo = model.assignedTo?.uuidString.lowercased()
        queuedAt = Date(milliseconds: model.queuedMs)
        assignedAt = model.assignedMs.map { Date(milliseconds: $0) }
        decidedAt = model.decidedMs.map { Date(milliseconds: $0) }
        waitedSeconds = Int(((model.decidedMs ?? now.milliseconds) - model.queuedMs) / 1000)
        targetSeconds = InspectionTargets.seconds(for: model.inspectionChannel)
        overdue = waitedSeconds > targetSeconds
        laneReasons = (try? WireJSON.decoder().decode([String].self, from: Data(model.laneReasons.utf8))) ?? []
        outcome = model.report.flatMap { try? WireJSON.decoder().decode(InspectionReport.self, from: Data($0.utf8)) }
        decidedBy = model.decidedBy
        risk = showRisk ? declaration?.riskView : nil
    }
}
