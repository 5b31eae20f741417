import CorridorKit
import Fluent
import Foundation
import GateKit
import Vapor

/// The autonomous corridor over the Kim Thành bridge (`/api/v1/corridor/…`): the
/// corridor operator orders and pauses; officers at Kim Thành and the board read.
enum CorridorController {
    /// The gate the corridor belongs to.
    static let gate = "kim-thanh"
    static let createScope = "POST /api/v1/corridor/orders"

    /// Gate-scoped roles act on the corridor only when posted at its gate.
    static func requireCorridorAccess(_ request: Request) throws -> UserIdentity {
        let user = try request.requireUser()
        if !postedHere(user) { throw AppError.forbidden(.forbidden) }
        return user
    }

    /// Posted at the corridor's gate, or not a gate-scoped role at all (the board).
    static func postedHere(_ user: UserIdentity) -> Bool { !user.role.isGateScoped || user.gates.contains(gate) }

    /// The corridor, on the instance that runs it. With several instances on one
    /// PostgreSQL, the others answer 503 (the balancer sends corridor requests to the holder
    /// of the `corridor` lease, which `/health/roles/corridor` names; docs/DEPLOYMENT.md).
    static func operations(_ request: Request) throws -> CorridorOperations {
        let context = request.application.smartGate
        guard let operations = context.corridor else {
            throw AppError.unavailable("The corridor is not in service on this server (no plant loaded).")
        }
        guard context.leases.holds(.corridor) else {
            throw AppError.unavailable("The corridor runs on another instance; retry through the load balancer.")
        }
        return operations
    }

    /// `GET /api/v1/corridor/vehicles`: every shuttle and the corridor's state.
    @Sendable static func vehicles(_ request: Request) async throws -> Response {
        _ = try requireCorridorAccess(request)
        return try WireJSON.response(await operations(request).status())
    }

    /// `POST /api/v1/corridor/orders` → 201. Stored before the dispatcher sees it;
    /// accepts `Idempotency-Key`.
    @Sendable static func create(_ request: Request) async throws -> Response {
        let user = try requireCorridorAccess(request)
        let operations = try operations(request)
        let key = try IdempotencyKeys.key(of: request)
        let json = try request.jsonBody()
        let parsed: TransportOrderRequest
        do { parsed = try TransportOrderRequest.parse(json, network: operations.network, now: request.now) } catch {
            throw AppError.validation(error)
        }
        let scope = "\(createScope) \(user.actor)"
        let canonical = [parsed.container.value, parsed.from, parsed.to, "\(parsed.priority)",
                         parsed.deadline.map { "\($0.milliseconds)" } ?? "", parsed.dependsOn.joined(separator: ",")]
        let requestHash = WireJSON.digest(Data(canonical.joined(separator: "\n").utf8))
        let context = request.application.smartGate
        let audit = context.audit
        let (answer, accepted) = try await context.commits.perform { db -> (StoredAnswer, TransportOrder?) in
            if let key, let earlier = try await IdempotencyKeys.replay(scope: scope, key: key, requestHash: requestHash, on: db) {
                return (earlier, nil)
            }
            var unknown: [Issue] = []
            let named = parsed.dependsOn.compactMap(UUID.init(uuidString:))
            let known = named.isEmpty ? [] : Set(try await CorridorOrderModel.query(on: db).filter(\.$id ~~ named).all().compactMap(\.id))
            for (i, dependency) in parsed.dependsOn.enumerated() where !(UUID(uuidString: dependency).map(known.contains) ?? false) {
                unknown.append(Issue(field: "dependsOn[\(i)]", .corridorUnknownOrder, ["actual": dependency]))
            }
            if !unknown.isEmpty { throw AppError.validation(ValidationFailure(unknown)) }
            let now = request.now
            let id = UUID()
            let model = CorridorOrderModel(id: id, request: parsed, by: user.actor, at: now)
            try await model.save(on: db)
            try await audit.append(
                actor: user.actor, action: "transport-order.created", subject: AuditSubject.transportOrder(id).description,
                payload: Data("\(model.container)\n\(model.from)\n\(model.to)\n\(model.priority)".utf8), at: now, on: db)
            let answer = StoredAnswer(status: 201, body: try WireJSON.encode(model.view))
            if let key { try await IdempotencyKeys.store(answer, scope: scope, key: key, requestHash: requestHash, at: now, on: db) }
            return (answer, model.order)
        }
        if let accepted { await operations.submit(accepted) }
        return answer.created { "/api/v1/corridor/orders/\($0)" }
    }

    /// `GET /api/v1/corridor/orders?state=&limit=&cursor=`, newest first.
    @Sendable static func list(_ request: Request) async throws -> Response {
        // Officers posted elsewhere see none of this gate's orders (as with other gates' queues).
        guard postedHere(try request.requireUser()) else { return try WireJSON.response(Page<CorridorOrderView>(items: [], nextCursor: nil)) }
        let changed = try await operations(request).takeChangedOrders()
        if !changed.isEmpty { try await CorridorClock.store(changed, request.application) }
        let page = try PageRequest(request)
        let query = CorridorOrderModel.query(on: request.db)
        if let state = request.query[String.self, at: "state"], !state.isEmpty {
            guard TransportOrderState(rawValue: state) != nil else {
                throw AppError.validation(ValidationFailure([Issue(field: "state", .filterValue, ["actual": state])]))
            }
            query.filter(\.$state == state)
        }
        let models = try await query.page(page, by: \.$createdMs, descending: true).all()
        let shown = Array(models.prefix(page.limit))
        let next = models.count > page.limit ? shown.last.map { PageRequest.cursor(ms: $0.createdMs, id: $0.id) } : nil
        var items: [CorridorOrderView] = []
        for model in shown { items.append(await current(model, request)) }
        return try WireJSON.response(Page(items: items, nextCursor: next))
    }

    /// `GET /api/v1/corridor/orders/{id}`.
    @Sendable static func read(_ request: Request) async throws -> Response {
        let id = request.parameters.get("id")
        // Another gate's order is not disclosed to officers posted elsewhere: 404.
        guard postedHere(try request.requireUser()) else { throw AppError.notFound(kind: "transport order", id: id ?? "") }
        let model = try await find(id, on: request.db)
        return try WireJSON.response(await current(model, request))
    }

    /// `POST /api/v1/corridor/orders/{id}/withdraw`: the order reaches `withdrawn` now;
    /// an order already ended is a 409 naming its state.
    @Sendable static func withdraw(_ request: Request) async throws -> Response {
        try WireJSON.response(try await withdrawn(request.parameters.get("id"), request: request))
    }

    /// Withdraws an order and stores and audits it (the API's withdraw and the map page's).
    static func withdrawn(_ raw: String?, request: Request) async throws -> CorridorOrderView {
        let user = try requireCorridorAccess(request)
        let operations = try operations(request)
        let model = try await find(raw, on: request.db)
        let id = try model.requireID()
        let order: TransportOrder
        do { order = try await operations.withdraw(id.uuidString) } catch {
            switch error {
            case .finalState(let state): throw AppError.conflict("The order is \(state.rawValue) already; only an open order can be withdrawn.")
            case .unknownOrder, .unknownVehicle:
                throw AppError.conflict("The order is \(model.state) and no longer with the dispatcher.")
            }
        }
        let context = request.application.smartGate
        let audit = context.audit
        return try await context.commits.perform { db in
            try await context.leases.confirm(.corridor, on: db)
            guard let stored = try await CorridorOrderModel.find(id, on: db) else { throw AppError.notFound(kind: "transport order", id: id.uuidString) }
            stored.update(from: order)
            try await stored.save(on: db)
            try await audit.append(
                actor: user.actor, action: "transport-order.withdrawn", subject: AuditSubject.transportOrder(id).description,
                payload: Data("withdrawn\n\(order.vehicle ?? "")".utf8), at: request.now, on: db)
            return stored.view
        }
    }

    struct PauseBody: Decodable { var emergency: Bool? }

    /// `POST /api/v1/corridor/pause`: nothing new is granted (vehicles finish what they
    /// were granted); with `{"emergency": true}` every vehicle stops where it is.
    @Sendable static func pause(_ request: Request) async throws -> Response {
        let user = try requireCorridorAccess(request)
        let operations = try operations(request)
        var emergency = false
        if request.body.data.map({ $0.readableBytes > 0 }) == true {
            let json = try request.jsonBody()
            var reader = FieldReader()
            guard let body = reader.object(json, at: "") else { throw AppError.validation(ValidationFailure(reader.issues)) }
            for key in body.keys.sorted() where key != "emergency" {
                reader.add(Issue(field: key, .unknownField, ["allowed": "emergency"]))
            }
            emergency = reader.bool(body["emergency"], at: "emergency", required: false) ?? false
            do { try reader.finish() } catch { throw AppError.validation(error) }
        }
        await operations.pause(emergency: emergency)
        request.logger.notice("corridor \(emergency ? "emergency stop" : "paused") by \(user.actor)")
        return try WireJSON.response(await operations.status().corridor)
    }

    /// `POST /api/v1/corridor/resume`: lifts a pause and an emergency stop.
    @Sendable static func resume(_ request: Request) async throws -> Response {
        let user = try requireCorridorAccess(request)
        let operations = try operations(request)
        await operations.resume()
        request.logger.notice("corridor resumed by \(user.actor)")
        return try WireJSON.response(await operations.status().corridor)
    }

    /// The stored order with the dispatcher's latest word on it.
    private static func current(_ model: CorridorOrderModel, _ request: Request) async -> CorridorOrderView {
        if let id = model.id, let live = await request.application.smartGate.corridor?.order(id.uuidString) {
            model.update(from: live)
        }
        return model.view
    }

    private static func find(_ raw: String?, on db: any Database) async throws -> CorridorOrderModel {
        guard let raw, let id = UUID(uuidString: raw), let model = try await CorridorOrderModel.find(id, on: db) else {
            throw AppError.notFound(kind: "transport order", id: raw ?? "")
        }
        return model
    }
}
