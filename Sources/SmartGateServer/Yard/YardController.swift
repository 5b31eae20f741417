import Crypto
import Fluent
import Foundation
import GateKit
import Vapor

/// `/api/v1/yard…`: the yard's cameras post plate reads; staff see the queue; the public
/// board and a driver's phone follow the calls forward.
enum YardController {
    /// `POST /api/v1/yard/lanes/{laneId}/readings`: a plate read at a yard's entry or exit,
    /// in the lanes' reading format (only `plate` readings mean anything here).
    @Sendable static func postReading(_ request: Request) async throws -> Response {
        let context = request.application.smartGate
        let laneId = request.parameters.get("laneId") ?? ""
        let device = try request.requireDevice()
        guard device.laneId == laneId else { throw AppError.forbidden(.wrongLane) }
        let lane = try await context.gates.yardLane(laneId, on: request.db)
        let now = request.now
        let json = try request.jsonBody(limit: LanesController.readingBodyLimit)
        let reading: LaneReading
        do {
            reading = try LaneReading.parse(json, now: now)
        } catch {
            throw AppError.validation(error)
        }
        guard case .plate(let text, _) = reading.payload else {
            throw AppError.validation(ValidationFailure([Issue(field: "kind", .notAllowed, ["allowed": "plate", "actual": reading.payload.kind])]))
        }
        // The yard's calendar, read before the writer's job.
        let calendar = try await SlotCalendars.current(context, on: request.db).calendar(gate: lane.gateId, direction: lane.direction, on: request.db).calendar
        let audit = context.audit
        // A reading is one by (device key, deviceId, eventId), as at the lanes (CONTRACTS §5).
        let event = "\(reading.deviceId)/\(reading.eventId)"
        let answer = try await context.commits.perform { db -> YardGate.Answer? in
            switch lane.kind {
            case .entry:
                try await YardGate.enter(plate: text, lane: lane, device: device, eventId: event, calendar: calendar, audit: audit, at: now, on: db)
            case .exit:
                try await YardGate.leave(plate: text, lane: lane, device: device, eventId: event, calendar: calendar, audit: audit, at: now, on: db)
            }
        }
        guard let answer else { throw AppError.conflict("No truck with plate \(VehiclePlate.compactRead(text)) is in the yard.") }
        return try WireJSON.response(answer)
    }

    /// `GET /api/v1/yard?gate=`: the yard's queue in calling order, the trucks called, and
    /// how full it is; staff of the gate and the admin.
    @Sendable static func queue(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let gate = try await yard(request)
        guard user.mayFollowDecisions(at: gate) else { throw AppError.notFound(kind: "yard", id: gate) }
        return try WireJSON.response(try await yardView(gate: gate, context: request.application.smartGate, on: request.db))
    }

    /// The yard of `gate` as staff see it (API and page).
    static func yardView(gate: String, context: SmartGateContext, on db: any Database) async throws -> YardView {
        let directory = try await context.gates.snapshot(on: db)
        guard let entry = directory.yardEntry(of: gate) else { throw AppError.notFound(kind: "yard", id: gate) }
        let calendar = try await SlotCalendars(directory: directory, context: context).calendar(gate: gate, direction: entry.direction, on: db).calendar
        let waiting = try await YardQueueRead.waiting(gate: gate, direction: entry.direction.rawValue, on: db)
        let called = try await YardQueueRead.called(gate: gate, on: db)
        let items = try waiting.enumerated().map { try $0.element.view(position: $0.offset + 1) } + (try called.map { try $0.view(position: nil) })
        return YardView(
            gate: gate, direction: entry.direction.rawValue, capacity: calendar.yardCapacity, occupancy: items.count,
            unbooked: waiting.filter { $0.slotStartMs == nil }.count, items: items)
    }

    struct YardView: Content {
        var gate: String
        var direction: String
        var capacity: Int
        var occupancy: Int
        var unbooked: Int
        var items: [YardVisitView]
    }

    /// `GET /api/v1/yard/board?gate=`: the calls forward, for the LED board; public, so it
    /// shows plates and lanes and nothing else.
    @Sendable static func board(_ request: Request) async throws -> Response {
        let gate = try await yard(request)
        return try WireJSON.response(try await Board.now(gate: gate, on: request.db))
    }

    /// `GET /api/v1/yard/board/live?gate=`: the board as Server-Sent Events (`calls`
    /// whenever it changes, `heartbeat` otherwise).
    @Sendable static func boardLive(_ request: Request) async throws -> Response {
        let gate = try await yard(request)
        let db = request.application.db
        return LiveEvents.polling(request, event: "calls") { try WireJSON.encode(try await Board.now(gate: gate, on: db).calls) }
    }

    /// The board: one line per truck called.
    struct Board: Content {
        struct Call: Content, Equatable {
            var plate: String
            var lane: String
            var deadline: Date
        }
        var gate: String
        var calls: [Call]

        static func now(gate: String, on db: any Database) async throws -> Board {
            let called = try await YardQueueRead.called(gate: gate, on: db)
            return Board(gate: gate, calls: called.compactMap { visit in
                guard let lane = visit.calledLane, let deadline = visit.deadlineMs else { return nil }
                return Call(plate: visit.plate, lane: lane, deadline: Date(milliseconds: deadline))
            })
        }
    }

    /// `GET /api/v1/bookings/{id}/call?token=`: where one truck stands, for its driver's
    /// phone; the booking's link token is the only credential, and it shows only this truck.
    @Sendable static func driverCall(_ request: Request) async throws -> Response {
        let booking = try await driverBooking(request)
        return try WireJSON.response(try await DriverCall.now(booking, on: request.db))
    }

    /// `GET /api/v1/bookings/{id}/call/live?token=`: the same as Server-Sent Events.
    @Sendable static func driverCallLive(_ request: Request) async throws -> Response {
        let booking = try await driverBooking(request)
        let db = request.application.db
        return LiveEvents.polling(request, event: "call") { try WireJSON.encode(try await DriverCall.current(booking, on: db)) }
    }

    /// What a driver sees: the slot, the place in the queue, the call.
    struct DriverCall: Content, Equatable {
        var bookingId: UUID
        var plate: String
        var slotStart: Date
        var slotEnd: Date
        var booking: String
        var yard: String?
        var position: Int?
        var lane: String?
        var deadline: Date?

        /// Read again: a live feed outlives the booking it started from.
        static func current(_ booking: BookingModel, on db: any Database) async throws -> DriverCall {
            try await now(try await BookingModel.find(booking.id, on: db) ?? booking, on: db)
        }

        static func now(_ booking: BookingModel, on db: any Database) async throws -> DriverCall {
            let visit = try await YardVisitModel.query(on: db).filter(\.$bookingId == booking.requireID()).sort(\.$enteredMs, .descending).first()
            var position: Int?
            if let visit, visit.yardState == .waiting { position = try await YardQueueRead.position(of: visit, on: db) }
            return DriverCall(
                bookingId: try booking.requireID(), plate: booking.plate, slotStart: Date(milliseconds: booking.slotStartMs),
                slotEnd: Date(milliseconds: booking.slotEndMs), booking: booking.state, yard: visit?.state, position: position,
                lane: visit?.yardState == .called ? visit?.calledLane : nil, deadline: visit?.yardState == .called ? visit?.deadlineMs.map(Date.init(milliseconds:)) : nil)
        }
    }

    /// A booking's link token: an HMAC of its id, so it needs no table and cannot be guessed.
    static func driverToken(_ booking: UUID, context: SmartGateContext) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(booking.uuidString.lowercased().utf8), using: context.driverLinkKey)
        return Data(mac).prefix(18).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    static func driverBooking(_ request: Request) async throws -> BookingModel {
        let raw = request.parameters.get("id") ?? ""
        let token = request.query[String.self, at: "token"] ?? ""
        guard let id = UUID(uuidString: raw), Data(token.utf8).constantTimeEquals(Data(driverToken(id, context: request.application.smartGate).utf8)),
              let booking = try await BookingModel.find(id, on: request.db) else {
            throw AppError.notFound(kind: "booking", id: raw)
        }
        return booking
    }

    /// The gate named by `?gate=` when it has a waiting yard, or 422.
    private static func yard(_ request: Request) async throws -> String {
        let directory = try await request.application.smartGate.gates.snapshot(on: request.db)
        let gate = request.query[String.self, at: "gate"] ?? ""
        guard directory.yardEntry(of: gate) != nil else {
            let yards = Set(directory.yardLanes.values.map(\.gateId)).sorted().joined(separator: ", ")
            throw AppError.validation(ValidationFailure([Issue(field: "gate", .notAllowed, ["allowed": yards, "actual": gate])]))
        }
        return gate
    }
}
