import Fluent
import GateKit
import Vapor

/// The officers' side of selectivity: their queues, going on duty, claiming and
/// releasing work, and recording outcomes that release or hold the trip.
enum InspectionsController {
    /// `GET /api/v1/inspections?gate=&status=&limit=&cursor=`, oldest first (queue order).
    @Sendable static func list(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let page = try PageRequest(request)
        let query = InspectionModel.query(on: request.db).filter(\.$gateId ~~ Array(user.gates))
        if user.role == .quarantineOfficer { query.filter(\.$quarantine == true) }
        var issues: [Issue] = []
        if let gate = request.query[String.self, at: "gate"], !gate.isEmpty {
            let directory = try await request.application.smartGate.gates.snapshot(on: request.db)
            if !directory.gateIds.contains(gate) { issues.append(Issue(field: "gate", .filterValue, ["actual": gate])) }
            query.filter(\.$gateId == gate)
        }
        if let status = request.query[String.self, at: "status"], !status.isEmpty {
            if InspectionStatus(rawValue: status) == nil { issues.append(Issue(field: "status", .filterValue, ["actual": status])) }
            query.filter(\.$status == status)
        }
        if !issues.isEmpty { throw AppError.validation(ValidationFailure(issues)) }
        let models = try await query.page(page, by: \.$queuedMs, descending: false).all()
        let shown = Array(models.prefix(page.limit))
        let declarations = try await DeclarationModel.query(on: request.db).filter(\.$id ~~ shown.map(\.declarationId)).all()
        let byId = Dictionary(declarations.compactMap { model in model.id.map { ($0, model) } }, uniquingKeysWith: { first, _ in first })
        let now = request.now
        let items = try shown.map { try InspectionView($0, declaration: byId[$0.declarationId], showRisk: user.mayReadRisk, now: now) }
        let next = models.count > page.limit ? shown.last.map { PageRequest.cursor(ms: $0.queuedMs, id: $0.id) } : nil
        return try WireJSON.response(Page(items: items, nextCursor: next))
    }

    /// `GET /api/v1/inspections/{id}`.
    @Sendable static func read(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let model = try await visible(request.parameters.get("id"), to: user, on: request.db)
        let declaration = try await DeclarationModel.find(model.declarationId, on: request.db)
        return try WireJSON.response(InspectionView(model, declaration: declaration, showRisk: user.mayReadRisk, now: request.now))
    }

    /// `POST /api/v1/inspections/{id}/claim`.
    @Sendable static func claim(_ request: Request) async throws -> Response {
        try WireJSON.response(try await claimed(request))
    }

    /// `POST /api/v1/inspections/{id}/release`.
    @Sendable static func release(_ request: Request) async throws -> Response {
        try WireJSON.response(try await released(request))
    }

    /// `POST /api/v1/inspections/{id}/outcome`.
    @Sendable static func outcome(_ request: Request) async throws -> Response {
        let report: InspectionReport
        do { report = try InspectionReport.parse(try request.jsonBody()) } catch let failure as ValidationFailure {
            throw AppError.validation(failure)
        }
        return try WireJSON.response(try await recorded(report, request: request))
    }

    /// The caller takes the inspection. Claiming one's own again answers it unchanged; one
    /// held by another officer is 409. (The API's claim and the officers' page share it.)
    static func claimed(_ request: Request) async throws -> InspectionView {
        try await change(request) { model, user, now, audit, db in
            if model.assignedTo == user.id, model.inspectionStatus == .assigned { return }
            if model.inspectionStatus == .assigned {
                throw AppError.conflict("The inspection is assigned to another officer; they release it first.")
            }
            try await InspectionQueue.move(model, to: .assigned, officer: user.id, actor: user.actor, reason: "claimed", at: now, audit: audit, on: db)
        }
    }

    /// Back to the queue, and on to the least-loaded other officer on duty, if any.
    static func released(_ request: Request) async throws -> InspectionView {
        try await change(request) { model, user, now, audit, db in
            guard model.inspectionStatus == .assigned, model.assignedTo == user.id else {
                throw AppError.conflict("Only the officer the inspection is assigned to can release it.")
            }
            try await InspectionQueue.move(model, to: .waiting, officer: nil, actor: user.actor, reason: "released", at: now, audit: audit, on: db)
            try await InspectionQueue.assign(model, excluding: user.id, at: now, audit: audit, on: db)
        }
    }

    /// Records `{"outcome": "cleared" | "discrepancy" | "seized", "details", "corrections":
    /// [{field, declared, found}], "release"}`: moves the declaration (released, held or
    /// rejected), and becomes training data.
    static func recorded(_ report: InspectionReport, request: Request) async throws -> InspectionView {
        let metrics = request.application.smartGate.metrics
        let recorded = String(decoding: try WireJSON.encode(report), as: UTF8.self)
        return try await change(request) { model, user, now, audit, db in
            // The same officer sending the same outcome again (a lost answer) gets the answer again.
            if model.inspectionStatus == .done, model.decidedBy == user.actor, model.report == recorded { return }
            guard model.inspectionStatus == .assigned, model.assignedTo == user.id else {
                throw AppError.conflict(
                    model.inspectionStatus == .done
                        ? "The inspection already has an outcome."
                        : "Claim the inspection before recording its outcome.")
            }
            guard let declaration = try await DeclarationModel.find(model.declarationId, on: db) else {
                throw AppError.notFound(kind: "declaration", id: model.declarationId.uuidString)
            }
            model.outcome = report.outcome.rawValue
            model.report = recorded
            model.decidedBy = user.actor
            try await InspectionQueue.move(model, to: .done, officer: user.id, actor: user.actor, reason: report.outcome.rawValue, at: now, audit: audit, on: db)
            try await declaration.move(
                to: report.declarationStatus, actor: user.actor, reason: "inspection \(report.outcome.rawValue)", at: now, audit: audit, on: db)
            let waited = Int((now.milliseconds - model.queuedMs) / 1000)
            metrics.inspected(
                channel: model.inspectionChannel, outcome: report.outcome, overdue: waited > InspectionTargets.seconds(for: model.inspectionChannel))
        }
    }

    /// `PUT /api/v1/inspections/duty` `{"gate": "kim-thanh", "onDuty": true}`: starts or
    /// ends the caller's shift at one of its gates. Coming on duty takes waiting work.
    @Sendable static func duty(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        var reader = FieldReader()
        let body = reader.object(try request.jsonBody(), at: "")
        let gate = reader.string(body?["gate"], at: "gate", maxLength: 64)
        let onDuty = reader.bool(body?["onDuty"], at: "onDuty")
        let directory = try await request.application.smartGate.gates.snapshot(on: request.db)
        if let gate, !directory.gateIds.contains(gate) {
            reader.add(Issue(field: "gate", .unknownGate, ["actual": gate, "allowed": directory.gateIds.sorted().joined(separator: ", ")]))
        }
        do throws(ValidationFailure) { try reader.finish() } catch { throw AppError.validation(error) }
        // A gate that exists but is not the officer's: a right the credential lacks.
        guard user.gates.contains(gate!) else { throw AppError.forbidden(.forbidden) }
        let context = request.application.smartGate
        let audit = context.audit
        let answer = try await context.commits.perform { [gate = gate!, onDuty = onDuty!] db in
            let now = request.now
            let existing = try await OfficerDutyModel.find(user.id, on: db)
            if onDuty {
                let duty = existing ?? OfficerDutyModel()
                if existing == nil || existing?.gateId != gate {
                    duty.id = user.id
                    duty.gateId = gate
                    duty.role = user.role.rawValue
                    duty.sinceMs = now.milliseconds
                    try await duty.save(on: db)
                }
                // Waiting work goes out at once, each item to whoever is least loaded now.
                let waiting = try await InspectionModel.query(on: db)
                    .filter(\.$gateId == gate).filter(\.$status == InspectionStatus.waiting.rawValue).sort(\.$queuedMs).limit(200).all()
                for item in waiting { try await InspectionQueue.assign(item, excluding: nil, at: now, audit: audit, on: db) }
                return DutyView(gate: gate, onDuty: true, since: Date(milliseconds: duty.sinceMs))
            }
            if let existing, existing.gateId == gate { try await existing.delete(on: db) }
            return DutyView(gate: gate, onDuty: false, since: nil)
        }
        return try WireJSON.response(answer)
    }

    struct DutyView: Encodable, Sendable {
        var gate: String
        var onDuty: Bool
        var since: Date?
    }

    // MARK: - Helpers

    /// Runs a change on one inspection in the writer and answers its new state.
    private static func change(
        _ request: Request,
        _ body: @escaping @Sendable (InspectionModel, UserIdentity, Date, AuditTrail, any Database) async throws -> Void
    ) async throws -> InspectionView {
        let user = try request.requireUser()
        let raw = request.parameters.get("id")
        let context = request.application.smartGate
        let audit = context.audit
        let view = try await context.commits.perform { db in
            let model = try await visible(raw, to: user, on: db)
            let now = request.now
            try await body(model, user, now, audit, db)
            let declaration = try await DeclarationModel.find(model.declarationId, on: db)
            return try InspectionView(model, declaration: declaration, showRisk: user.mayReadRisk, now: now)
        }
        return view
    }

    /// The inspection, if the user may work on it; 404 otherwise (another gate's work is not disclosed).
    static func visible(_ raw: String?, to user: UserIdentity, on db: any Database) async throws -> InspectionModel {
        guard let raw, let id = UUID(uuidString: raw), let model = try await InspectionModel.find(id, on: db),
              user.mayInspect(at: model.gateId, quarantine: model.quarantine)
        else { throw AppError.notFound(kind: "inspection", id: raw ?? "") }
        return model
    }
}
