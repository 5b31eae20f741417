import Fluent
import GateKit
import Vapor

/// Customs' selectivity rules (`/api/v1/risk/rules`) and the model in service
/// (`/api/v1/risk/model`). Customs officers manage rules for their own gates; a rule for
/// every gate is the admin's.
enum RiskRulesController {
    static let createScope = "POST /api/v1/risk/rules"

    /// `POST /api/v1/risk/rules` → 201 with the stored rule. Accepts `Idempotency-Key`.
    @Sendable static func create(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let context = request.application.smartGate
        let key = try IdempotencyKeys.key(of: request)
        let rule = try await parse(request)
        guard user.mayManageRule(gates: rule.gates) else { throw AppError.forbidden(.forbidden) }
        let scope = "\(createScope) \(user.actor)"
        let requestHash = WireJSON.digest(try WireJSON.encode(rule))
        let audit = context.audit
        let answer = try await context.commits.perform { db in
            if let key, let earlier = try await IdempotencyKeys.replay(scope: scope, key: key, requestHash: requestHash, on: db) {
                return earlier
            }
            let now = request.now
            let model = try await RiskRuleModel.create(rule, by: user.actor, at: now, audit: audit, on: db)
            let answer = StoredAnswer(status: 201, body: try WireJSON.encode(try model.view()))
            if let key { try await IdempotencyKeys.store(answer, scope: scope, key: key, requestHash: requestHash, at: now, on: db) }
            return answer
        }
        return answer.created { "/api/v1/risk/rules/\($0)" }
    }

    /// `GET /api/v1/risk/rules?gate=&active=&limit=&cursor=`, newest first; retired rules
    /// only with `active=false`.
    @Sendable static func list(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let page = try PageRequest(request)
        let query = RiskRuleModel.query(on: request.db)
        // Rules that apply at one of `gates`: those naming it, and those for every gate (",,").
        func applying(at gates: [String]) {
            query.group(.or) { or in
                or.filter(\.$gates == ",,")
                for gate in gates { or.filter(\.$gates, .contains(inverse: false, .anywhere), ",\(gate),") }
            }
        }
        if let gates = user.gateFilter { applying(at: gates.sorted()) }
        if let gate = request.query[String.self, at: "gate"], !gate.isEmpty {
            let directory = try await request.application.smartGate.gates.snapshot(on: request.db)
            guard directory.gateIds.contains(gate) else {
                throw AppError.validation(ValidationFailure([Issue(field: "gate", .filterValue, ["actual": gate])]))
            }
            applying(at: [gate])
        }
        switch request.query[String.self, at: "active"] {
        case nil, "", "true": query.filter(\.$retiredMs == nil)
        case "false": query.filter(\.$retiredMs != nil)
        case "any": break
        case let other?: throw AppError.validation(ValidationFailure([Issue(field: "active", .filterValue, ["actual": other])]))
        }
        let models = try await query.page(page, by: \.$createdMs, descending: true).all()
        let shown = Array(models.prefix(page.limit))
        let next = models.count > page.limit ? shown.last.map { PageRequest.cursor(ms: $0.createdMs, id: $0.id) } : nil
        return try WireJSON.response(Page(items: try shown.map { try $0.view() }, nextCursor: next))
    }

    /// `GET /api/v1/risk/rules/{id}`.
    @Sendable static func read(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let model = try await find(request.parameters.get("id"), on: request.db)
        guard user.mayReadRule(gates: try model.rule().gates) else { throw AppError.notFound(kind: "rule", id: model.id?.uuidString ?? "") }
        return try WireJSON.response(try model.view(), headers: ["ETag": "\"\(model.version)\""])
    }

    /// `PUT /api/v1/risk/rules/{id}`: replaces the rule (optionally `If-Match` with its
    /// version; a stale one is 409). The caller must be allowed both the old and the new gates.
    @Sendable static func replace(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let id = request.parameters.get("id")
        let rule = try await parse(request)
        let expected = request.ifMatchVersion
        let context = request.application.smartGate
        let audit = context.audit
        let view = try await context.commits.perform { db in
            let model = try await find(id, on: db)
            let current = try model.rule()
            guard user.mayReadRule(gates: current.gates) else { throw AppError.notFound(kind: "rule", id: id ?? "") }
            guard user.mayManageRule(gates: current.gates), user.mayManageRule(gates: rule.gates) else { throw AppError.forbidden(.forbidden) }
            guard model.retiredMs == nil else { throw AppError.conflict("The rule is retired; create a new one.") }
            if let expected, expected != model.version { throw AppError.staleVersion(current: model.version, given: expected) }
            let now = request.now
            try model.apply(rule)
            model.version += 1
            model.updatedMs = now.milliseconds
            try await model.save(on: db)
            try await audit.append(
                actor: user.actor, action: "rule.updated", subject: AuditSubject.rule(try model.requireID()).description,
                payload: Data("\(model.version)\n\(model.body)".utf8), at: now, on: db)
            return try model.view()
        }
        return try WireJSON.response(view, headers: ["ETag": "\"\(view.version)\""])
    }

    /// `DELETE /api/v1/risk/rules/{id}`: retires the rule (it stops applying; its record
    /// stays, since declarations name it in their reasons). 204; retiring again is 204 too.
    @Sendable static func retire(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let id = request.parameters.get("id")
        let context = request.application.smartGate
        let audit = context.audit
        try await context.commits.perform { db in
            let model = try await find(id, on: db)
            let current = try model.rule()
            guard user.mayReadRule(gates: current.gates) else { throw AppError.notFound(kind: "rule", id: id ?? "") }
            guard user.mayManageRule(gates: current.gates) else { throw AppError.forbidden(.forbidden) }
            guard model.retiredMs == nil else { return }
            let now = request.now
            model.retiredMs = now.milliseconds
            model.updatedMs = now.milliseconds
            try await model.save(on: db)
            try await audit.append(
                actor: user.actor, action: "rule.retired", subject: AuditSubject.rule(try model.requireID()).description,
                payload: Data("\(model.version)".utf8), at: now, on: db)
        }
        return Response(status: .noContent)
    }

    /// `GET /api/v1/risk/model`: the model in service, its thresholds, and the last load
    /// failure if a newer file was refused.
    @Sendable static func model(_ request: Request) async throws -> Response {
        let status = request.application.smartGate.selectivity.models.status
        let current = status.current
        return try WireJSON.response(ModelStatusView(
            version: current?.model.version, kind: current?.model.kind.rawValue, trainedAt: current?.model.trainedAt,
            trainingRows: current?.model.trainingRows, thresholds: current?.model.thresholds, path: current?.path,
            loadedAt: current?.loadedAt, lastError: status.lastError, lastErrorAt: status.lastErrorAt,
            samplingAuditable: request.application.smartGate.selectivity.sampling != nil))
    }

    struct ModelStatusView: Encodable, Sendable {
        var version: String?
        var kind: String?
        var trainedAt: Date?
        var trainingRows: Int?
        var thresholds: RiskThresholds?
        var path: String?
        var loadedAt: Date?
        var lastError: String?
        var lastErrorAt: Date?
        var samplingAuditable: Bool

        private enum CodingKeys: String, CodingKey {
            case version, kind, trainedAt, trainingRows, thresholds, path, loadedAt, lastError, lastErrorAt, samplingAuditable
        }

        // Every key present, null when unknown: one shape whether or not a model is loaded.
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(version, forKey: .version)
            try c.encode(kind, forKey: .kind)
            try c.encode(trainedAt, forKey: .trainedAt)
            try c.encode(trainingRows, forKey: .trainingRows)
            try c.encode(thresholds, forKey: .thresholds)
            try c.encode(path, forKey: .path)
            try c.encode(loadedAt, forKey: .loadedAt)
            try c.encode(lastError, forKey: .lastError)
            try c.encode(lastErrorAt, forKey: .lastErrorAt)
            try c.encode(samplingAuditable, forKey: .samplingAuditable)
        }
    }

    // MARK: - Helpers

    private static func parse(_ request: Request) async throws -> RiskRule {
        let json = try request.jsonBody()
        let gates = try await request.application.smartGate.gates.snapshot(on: request.db)
        do { return try RiskRule.parse(json, knownGates: gates.gateIds) } catch { throw AppError.validation(error) }
    }

    private static func find(_ raw: String?, on db: any Database) async throws -> RiskRuleModel {
        guard let raw, let id = UUID(uuidString: raw), let model = try await RiskRuleModel.find(id, on: db) else {
            throw AppError.notFound(kind: "rule", id: raw ?? "")
        }
        return model
    }
}
