import Fluent
import Foundation
import GateKit
import Vapor

/// `/api/v1/slots` (what can be booked) and `/api/v1/slot-calendars` (how a gate's day is
/// cut into slots, managed by its gate operators and the admin).
enum SlotsController {
    /// `GET /api/v1/slots?gate=&direction=&date=`: the day's slots in the gate's local time,
    /// each with its places now. `date` defaults to today at the gate.
    @Sendable static func list(_ request: Request) async throws -> Response {
        _ = try request.requireUser()
        let context = request.application.smartGate
        let calendars = try await SlotCalendars.current(context, on: request.db)
        var reader = FieldReader()
        let gate = request.query[String.self, at: "gate"] ?? ""
        if !calendars.directory.gateIds.contains(gate) { reader.add(Issue(field: "gate", .filterValue, ["actual": gate])) }
        let direction = reader.choice(request.query[String.self, at: "direction"].map(JSONValue.string), at: "direction", as: LaneDirection.self)
        let dateText = request.query[String.self, at: "date"]
        let date = dateText.map { LocalDate($0) } ?? LocalDate(request.now, in: TimeZone(identifier: calendars.directory.zone(of: gate)) ?? .gmt)
        if date == nil { reader.add(Issue(field: "date", .filterValue, ["actual": dateText ?? ""])) }
        do throws(ValidationFailure) { try reader.finish() } catch { throw AppError.validation(error) }
        guard let direction, let date else { throw AppError.validation(ValidationFailure([])) }
        let calendar = try await calendars.calendar(gate: gate, direction: direction, on: request.db).calendar
        let items = try await SlotLedger.views(of: calendar.slots(on: date, jitter: calendars.jitter), at: request.now, on: request.db)
        return try WireJSON.response(SlotDay(gate: gate, direction: direction.rawValue, date: date.description, timeZone: calendar.timeZone, items: items))
    }

    struct SlotDay: Content {
        var gate: String
        var direction: String
        var date: String
        var timeZone: String
        var items: [SlotView]
    }

    /// `GET /api/v1/slot-calendars/{gate}/{direction}`: the calendar, `ETag` its version.
    @Sendable static func readCalendar(_ request: Request) async throws -> Response {
        _ = try request.requireUser()
        let (calendars, gate, direction) = try await target(request)
        let stored = try await calendars.calendar(gate: gate, direction: direction, on: request.db)
        return WireJSON.response(data: try WireJSON.encode(SlotCalendarDocument.json(stored.calendar)), headers: ["ETag": "\"\(stored.version)\""])
    }

    /// `PUT /api/v1/slot-calendars/{gate}/{direction}`: replaces the calendar (`If-Match`
    /// its version to be sure nobody changed it meanwhile); audited.
    @Sendable static func writeCalendar(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let context = request.application.smartGate
        let (calendars, gate, direction) = try await target(request)
        guard user.role == .admin || user.gates.contains(gate) else { throw AppError.forbidden(.forbidden) }
        let zone = calendars.directory.zone(of: gate)
        let lanes = calendars.directory.gates.first { $0.id == gate }?.lanes.filter { $0.direction == direction.rawValue }.count ?? 0
        let body = try request.jsonBody()
        let calendar: SlotCalendar
        do throws(ValidationFailure) {
            calendar = try SlotCalendarDocument.parse(body, gate: gate, direction: direction, timeZone: zone, lanes: lanes)
        } catch {
            throw AppError.validation(error)
        }
        let given = request.ifMatchVersion
        let audit = context.audit
        let version = try await context.commits.perform { db in
            let current = try await SlotCalendars.version(gate: gate, direction: direction, on: db)
            if let given, given != current { throw AppError.conflict("The calendar is at version \(current), not \(given); read it again and retry.") }
            return try await SlotCalendars.save(calendar, expecting: current, actor: user.actor, audit: audit, at: request.now, on: db)
        }
        return WireJSON.response(data: try WireJSON.encode(SlotCalendarDocument.json(calendar)), headers: ["ETag": "\"\(version)\""])
    }

    private static func target(_ request: Request) async throws -> (SlotCalendars, String, LaneDirection) {
        let context = request.application.smartGate
        let calendars = try await SlotCalendars.current(context, on: request.db)
        let gate = request.parameters.get("gate") ?? ""
        guard calendars.directory.gateIds.contains(gate), let direction = LaneDirection(rawValue: request.parameters.get("direction") ?? "") else {
            throw AppError.notFound(kind: "slot calendar", id: "\(gate)/\(request.parameters.get("direction") ?? "")")
        }
        return (calendars, gate, direction)
    }
}
