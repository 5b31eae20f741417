import Fluent
import GateKit
import Vapor

/// Lane devices post readings; officers and operators follow the decisions.
enum LanesController {
    /// Device messages are small; a tight limit keeps a misbehaving device cheap.
    static let readingBodyLimit = 16 * 1024

    /// `POST /api/v1/lanes/{laneId}/readings`: one reading → the lane's passage.
    @Sendable static func postReading(_ request: Request) async throws -> Response {
        let received = ContinuousClock.now
        let context = request.application.smartGate
        let laneId = request.parameters.get("laneId") ?? ""
        let device = try request.requireDevice()
        guard device.laneId == laneId else { throw AppError.forbidden(.wrongLane) }
        let lane = try await context.gates.lane(laneId, on: request.db)
        let json = try request.jsonBody(limit: readingBodyLimit)
        let now = request.now
        let reading: LaneReading
        do {
            reading = try LaneReading.parse(json, now: now)
        } catch {
            throw AppError.validation(error)
        }
        let fingerprint = reading.fingerprint(laneId: lane.id)
        let settings = context.settings
        let lanes = context.lanes
        let audit = context.audit
        let corridor = context.corridor
        let notices = context.notices
        let result: ReadingIngest.Result
        do {
            result = try await context.commits.perform { db in
                let result = try await ReadingIngest.record(
                    reading, lane: lane, device: device, fingerprint: fingerprint, receivedAt: now, settings: settings, lanes: lanes, audit: audit,
                    corridor: corridor, on: db)
                // Delivered to every instance's live pages as this batch commits, in commit order.
                if let row = result.decisionRowId { try await notices.post(.decision(row), on: db) }
                return result
            }
        } catch is ReadingIngest.AlreadyStored {
            // A device's retry: the first answer again (it may have been committed in the
            // same batch, so it is read through the writer, after that batch).
            let first = try await context.commits.perform { db in try await ReadingIngest.replay(reading, device: device, fingerprint: fingerprint, on: db) }
            return WireJSON.response(data: first)
        } catch AppError.noVehicleInLane(let laneId) {
            // A retried `passed` finds its passage already closed: answer as the first time.
            let first = try? await context.commits.perform { db in try await ReadingIngest.replay(reading, device: device, fingerprint: fingerprint, on: db) }
            guard let first else { throw AppError.noVehicleInLane(laneId: laneId) }
            return WireJSON.response(data: first)
        }
        // Committed: a smart-mode release's containers go to the dispatcher, here when this
        // instance runs the corridor (else its holder reads them from the database).
        for order in result.corridorOrders where context.leases.holds(.corridor) {
            await corridor?.submit(order, note: "smart-mode trip released at \(lane.id): \(order.container) handed over at \(order.from)")
        }
        context.metrics.readingAccepted(kind: reading.payload.kind)
        if let decision = result.decision {
            context.metrics.decided(decision.outcome, after: ContinuousClock.now - received)
            context.decisionLog(decision, lane)
            if !notices.shared { context.decisionFeed.publish(decision, lane: lane, at: request.now) }
        }
        return WireJSON.response(data: result.response)
    }

    /// `GET /api/v1/decisions?limit=&cursor=&gate=&lane=&outcome=`, newest first.
    @Sendable static func decisions(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let page = try PageRequest(request)
        let query = LaneDecisionModel.query(on: request.db)
        if let gates = user.gateFilter { query.filter(\.$gateId ~~ Array(gates)) }
        let directory = try await request.application.smartGate.gates.snapshot(on: request.db)
        var issues: [Issue] = []
        if let gate = request.query[String.self, at: "gate"], !gate.isEmpty {
            if !directory.gateIds.contains(gate) { issues.append(Issue(field: "gate", .filterValue, ["actual": gate])) }
            query.filter(\.$gateId == gate)
        }
        if let lane = request.query[String.self, at: "lane"], !lane.isEmpty {
            if directory.lanes[lane] == nil { issues.append(Issue(field: "lane", .filterValue, ["actual": lane])) }
            query.filter(\.$laneId == lane)
        }
        if let outcome = request.query[String.self, at: "outcome"], !outcome.isEmpty {
            if DecisionOutcome(rawValue: outcome) == nil { issues.append(Issue(field: "outcome", .filterValue, ["actual": outcome])) }
            query.filter(\.$outcome == outcome)
        }
        if !issues.isEmpty { throw AppError.validation(ValidationFailure(issues)) }
        if let after = page.after {
            guard after.count == 1, let id = Int(after[0]) else {
                throw PageRequest.foreignCursor
            }
            query.filter(\.$id < id)
        }
        let models = try await query.sort(\.$id, .descending).limit(page.limit + 1).all()
        let shown = Array(models.prefix(page.limit))
        let next = models.count > page.limit ? shown.last?.id.map { PageRequest.encode(["\($0)"]) } : nil
        return try WireJSON.response(Page(items: try shown.map { try $0.view() }, nextCursor: next))
    }
}
