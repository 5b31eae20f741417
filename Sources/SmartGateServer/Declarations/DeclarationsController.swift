import Fluent
import GateKit
import SQLKit
import Vapor

/// Trip declarations: submit before arrival, read, list, amend before the lane, cancel.
enum DeclarationsController {
    static let createScope = "POST /api/v1/declarations"

    /// `POST /api/v1/declarations` → 201 with the stored declaration.
    @Sendable static func create(_ request: Request) async throws -> Response {
        let key = try IdempotencyKeys.key(of: request)
        let json = try request.jsonBody()
        let gates = try await request.application.smartGate.gates.snapshot(on: request.db)
        let now = request.now
        let trip: TripDeclaration
        do {
            trip = try TripDeclaration.parse(json, knownGates: gates.gateIds, now: now)
        } catch {
            throw AppError.validation(error)
        }
        return try created(try await submit(trip, idempotencyKey: key, at: now, request: request))
    }

    /// Scores, stores and audits a validated trip for the signed-in declarant, answering a
    /// retry with the same key as the first time: the API's create and the traders'
    /// portal share it.
    static func submit(_ trip: TripDeclaration, idempotencyKey key: String?, at now: Date, request: Request) async throws -> StoredAnswer {
        let user = try request.requireUser()
        let context = request.application.smartGate
        try CorridorHandover.check(trip, corridor: context.corridor)
        guard user.mayChange(declarationOf: trip.declarant.taxCode.value) else { throw AppError.forbidden(.otherEnterprise) }
        // A key is the caller's own: another account reusing it must not get this answer.
        let scope = "\(createScope) \(user.actor)"
        let requestHash = WireJSON.digest(try WireJSON.encode(trip))
        let audit = context.audit
        // Scored before the writer, from what the records say now: the rules, the model
        // and the declarant's history are reads, and the writer's time is the lanes'.
        let id = UUID()
        let history = try await Selectivity.history(of: trip.declarant.taxCode.value, before: nil, on: request.db)
        let decision = try await context.selectivity.assess(
            trip, id: id, history: history, floor: context.settings.defaultChannel, at: now, on: request.db)
        let metrics = context.metrics
        let logger = request.logger
        let answer = try await context.commits.perform { db in
            if let key, let earlier = try await IdempotencyKeys.replay(scope: scope, key: key, requestHash: requestHash, on: db) {
                return earlier
            }
            // After the replay: a retry of an accepted submission answers as the first time.
            if !decision.blockedBy.isEmpty {
                logger.notice("declaration refused: declarant blocked by rule(s) \(decision.blockedBy.compactMap(\.ruleId))")
                throw AppError.declarantBlocked
            }
            let model = try await DeclarationModel.submit(
                trip, id: id, decision: decision, history: history, actor: user.actor, reason: "channel \(decision.channel.rawValue)",
                at: now, audit: audit, on: db)
            let answer = StoredAnswer(status: 201, body: try WireJSON.encode(try await model.record(on: db)))
            if let key {
                try await IdempotencyKeys.store(answer, scope: scope, key: key, requestHash: requestHash, at: now, on: db)
            }
            return answer
        }
        if answer.status == 201 { metrics.declared(channel: decision.channel) }
        return answer
    }

    private static func created(_ answer: StoredAnswer) throws -> Response {
        var headers = HTTPHeaders()
        if let record = try? JSONDecoder().decode(IdAndVersion.self, from: answer.body) {
            headers.replaceOrAdd(name: .location, value: "/api/v1/declarations/\(record.id)")
            headers.replaceOrAdd(name: .eTag, value: "\"\(record.version)\"")
        }
        return WireJSON.response(data: answer.body, status: HTTPStatus(statusCode: answer.status), headers: headers)
    }

    private struct IdAndVersion: Decodable {
        var id: UUID
        var version: Int
    }

    /// `GET /api/v1/declarations/{id}`.
    @Sendable static func read(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let model = try await find(request.parameters.get("id"), on: request.db)
        // Another enterprise's or gate's declaration is not disclosed, not even as a 403.
        guard user.mayRead(declarationOf: model.declarantCode, at: model.gateId) else {
            throw AppError.notFound(kind: "declaration", id: model.id?.uuidString ?? "")
        }
        return try WireJSON.response(
            try await model.record(on: request.db, showRisk: user.mayReadRisk), headers: ["ETag": "\"\(model.version)\""])
    }

    /// `GET /api/v1/declarations?gate=&status=&plate=&limit=&cursor=`, newest first.
    @Sendable static func list(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let page = try PageRequest(request)
        var issues: [Issue] = []
        let query = DeclarationModel.query(on: request.db)
        if user.role == .declarant {
            query.filter(\.$declarantCode == (user.enterprise ?? ""))
        } else if let gates = user.gateFilter {
            query.filter(\.$gateId ~~ Array(gates))
        }
        let directory = try await request.application.smartGate.gates.snapshot(on: request.db)
        if let gate = request.query[String.self, at: "gate"], !gate.isEmpty {
            if !directory.gateIds.contains(gate) { issues.append(Issue(field: "gate", .filterValue, ["actual": gate])) }
            query.filter(\.$gateId == gate)
        }
        if let status = request.query[String.self, at: "status"], !status.isEmpty {
            if DeclarationStatus(rawValue: status) == nil {
                issues.append(Issue(field: "status", .filterValue, ["actual": status]))
            }
            query.filter(\.$status == status)
        }
        if let plate = request.query[String.self, at: "plate"], !plate.isEmpty {
            do {
                query.filter(\.$plate == (try VehiclePlate(plate)).normalized)
            } catch {
                issues.append(error.at("plate"))
            }
        }
        if !issues.isEmpty { throw AppError.validation(ValidationFailure(issues)) }
        let models = try await query.page(page, by: \.$createdMs, descending: true).all()
        let shown = Array(models.prefix(page.limit))
        var items: [DeclarationRecord] = []
        for model in shown { items.append(try await model.record(on: request.db, showRisk: user.mayReadRisk)) }
        let next = models.count > page.limit ? shown.last.map { PageRequest.cursor(ms: $0.createdMs, id: $0.id) } : nil
        return try WireJSON.response(Page(items: items, nextCursor: next))
    }

    /// `PATCH /api/v1/declarations/{id}`: a JSON merge patch (RFC 7396) of the declaration,
    /// with the version the client read (body `version` or `If-Match`). Only before the
    /// truck reaches a lane; a stale version is 409.
    @Sendable static func amend(_ request: Request) async throws -> Response {
        let id = try declarationId(request.parameters.get("id"))
        guard case .object(var patch) = try request.jsonBody() else {
            throw AppError.validation(ValidationFailure([Issue(field: "", .wrongType, ["expected": "an object", "actual": "another JSON value"])]))
        }
        let givenVersion: Int
        switch patch.removeValue(forKey: "version") {
        case .number(let number)? where number == Decimal(NSDecimalNumber(decimal: number).intValue) && number >= 1:
            givenVersion = NSDecimalNumber(decimal: number).intValue
        case nil:
            guard let parsed = request.ifMatchVersion else { throw AppError.validation(ValidationFailure([Issue(field: "version", .versionRequired)])) }
            givenVersion = parsed
        case let other?:
            throw AppError.validation(ValidationFailure([Issue(field: "version", .wrongType, ["expected": "a positive whole number", "actual": other.typeName])]))
        }
        let record = try await amend(id, patch: .object(patch), version: givenVersion, request: request)
        return try WireJSON.response(record, headers: ["ETag": "\"\(record.version)\""])
    }

    /// Applies a merge patch to declaration `id` at `version` for the signed-in declarant:
    /// the API's amend and the portal's share it. Invalid fields throw `AppError.validation`.
    static func amend(_ id: UUID, patch changes: JSONValue, version givenVersion: Int, request: Request) async throws -> DeclarationRecord {
        let user = try request.requireUser()
        let context = request.application.smartGate
        let gates = try await context.gates.snapshot(on: request.db)
        let audit = context.audit
        let selectivity = context.selectivity
        let floor = context.settings.defaultChannel
        let corridor = context.corridor
        return try await context.commits.perform { db in
            guard let model = try await DeclarationModel.find(id, on: db), user.mayChange(declarationOf: model.declarantCode) else {
                throw AppError.notFound(kind: "declaration", id: id.uuidString)
            }
            guard model.declarationStatus.isAmendable else {
                throw AppError.transition(TransitionRefused(from: model.declarationStatus, to: .amended))
            }
            guard model.version == givenVersion else { throw AppError.staleVersion(current: model.version, given: givenVersion) }
            let current = try model.trip()
            let merged = try JSONValue.parse(WireJSON.encode(current)).merging(patch: changes)
            let now = request.now
            let amended: TripDeclaration
            do throws(ValidationFailure) {
                amended = try TripDeclaration.parse(merged, knownGates: gates.gateIds, now: now)
            } catch {
                throw AppError.validation(error)
            }
            try CorridorHandover.check(amended, corridor: corridor)
            if amended.declarant.taxCode != current.declarant.taxCode {
                throw AppError.validation(ValidationFailure([Issue(field: "declarant.taxCode", .immutableField)]))
            }
            // An amended trip is scored again: new goods or a new gate can change its channel.
            let history = try await Selectivity.history(of: model.declarantCode, before: model.createdMs, on: db)
            let decision = try await selectivity.assess(amended, id: id, history: history, floor: floor, at: now, on: db)
            if !decision.blockedBy.isEmpty { throw AppError.declarantBlocked }
            try model.apply(amended)
            try model.apply(decision, history: history)
            // Conditional on the version read: refused by the database too, not only above.
            let bumped = try await (db as! any SQLDatabase).update(DeclarationModel.schema)
                .set(SQLIdentifier("version"), to: SQLBinaryExpression(SQLColumn("version"), .add, SQLLiteral.numeric("1")))
                .where("id", .equal, id).where("version", .equal, givenVersion)
                .returning("version").first()
            guard bumped != nil else { throw AppError.staleVersion(current: model.version, given: givenVersion) }
            model.version += 1
            try await model.save(on: db)
            try await model.move(to: .amended, actor: user.actor, reason: "channel \(decision.channel.rawValue)", at: now, audit: audit, on: db)
            try await Bookings.follow(model, previous: current, actor: user.actor, audit: audit, at: now, on: db)
            return try await model.record(on: db)
        }
    }

    /// `POST /api/v1/declarations/{id}/cancel`, optionally with `{"reason": "…"}`.
    @Sendable static func cancel(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let context = request.application.smartGate
        let id = try declarationId(request.parameters.get("id"))
        var reason: String?
        if let buffer = request.body.data, buffer.readableBytes > 0 {
            var reader = FieldReader()
            let object = reader.object(try request.jsonBody(), at: "")
            reason = reader.string(object?["reason"], at: "reason", required: false, maxLength: 500)
            do throws(ValidationFailure) { try reader.finish() } catch { throw AppError.validation(error) }
        }
        let audit = context.audit
        let record = try await context.commits.perform { [reason] db in
            guard let model = try await DeclarationModel.find(id, on: db), user.mayChange(declarationOf: model.declarantCode) else {
                throw AppError.notFound(kind: "declaration", id: id.uuidString)
            }
            try await model.move(to: .cancelled, actor: user.actor, reason: reason, at: request.now, audit: audit, on: db)
            return try await model.record(on: db)
        }
        return try WireJSON.response(record)
    }

    static func declarationId(_ raw: String?) throws -> UUID {
        guard let raw, let id = UUID(uuidString: raw) else { throw AppError.notFound(kind: "declaration", id: raw ?? "") }
        return id
    }

    static func find(_ raw: String?, on database: any Database) async throws -> DeclarationModel {
        let id = try declarationId(raw)
        guard let model = try await DeclarationModel.find(id, on: database) else {
            throw AppError.notFound(kind: "declaration", id: id.uuidString)
        }
        return model
    }
}

extension JSONValue {
    /// RFC 7396 JSON merge patch: objects merge member by member, `null` removes a member,
    /// anything else replaces.
    func merging(patch: JSONValue) -> JSONValue {
        guard case .object(let changes) = patch else { return patch }
        var members: [String: JSONValue] = if case .object(let existing) = self { existing } else { [:] }
        for (key, change) in changes {
            if change == .null {
                members.removeValue(forKey: key)
            } else {
                members[key] = (members[key] ?? .null).merging(patch: change)
            }
        }
        return .object(members)
    }
}
