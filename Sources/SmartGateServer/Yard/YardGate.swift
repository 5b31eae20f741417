import Fluent
import Foundation
import GateKit
import SQLKit

/// What the yard's cameras do: a plate read at the entry puts the truck in the queue (or
/// tells it when to come back); one at the exit takes it out.
enum YardGate {
    /// The answer to an entry or exit read, for the camera's display.
    struct Answer: Codable, Sendable, Equatable {
        var visit: YardVisitView
        /// For a truck too early: when the yard takes it.
        var comeBackAt: Date?
    }

    /// A plate read at the yard's entry.
    static func enter(
        plate raw: String, lane: YardLane, device: DeviceIdentity, eventId: String, calendar: SlotCalendar,
        audit: AuditTrail, at now: Date, on db: any Database
    ) async throws -> Answer {
        if let earlier = try await YardVisitModel.query(on: db).filter(\.$entryDevice == device.id).filter(\.$entryEvent == eventId).first() {
            return try await answer(earlier, calendar: calendar, on: db)  // the camera's retry
        }
        let key = VehiclePlate.matchKey(forRead: raw)
        // A second read of a truck already queued (the camera saw it twice) changes nothing.
        if let queued = try await YardVisitModel.query(on: db).filter(\.$gateId == lane.gateId).filter(\.$plateKey == key)
            .filter(\.$state ~~ YardState.queued.map(\.rawValue)).first() {
            return try await answer(queued, calendar: calendar, on: db)
        }
        let visit = YardVisitModel()
        visit.id = UUID()
        visit.gateId = lane.gateId
        visit.direction = lane.direction.rawValue
        visit.plate = (try? VehiclePlate(raw).normalized) ?? VehiclePlate.compactRead(raw)
        visit.plateKey = key
        visit.priority = false
        visit.standing = "unbooked"
        visit.movedBack = false
        visit.missedCalls = 0
        visit.state = YardState.waiting.rawValue
        visit.enteredMs = now.milliseconds
        visit.entryDevice = device.id
        visit.entryEvent = eventId
        if let (declaration, booking) = try await trip(key: key, lane: lane, on: db) {
            visit.declarationId = try declaration.requireID()
            if let booking, let id = SlotId(booking.slotId) {
                let slot = Slot(id: id, start: Date(milliseconds: booking.slotStartMs), end: Date(milliseconds: booking.slotEndMs), capacity: 0, reserve: 0, releaseAt: .distantPast)
                let standing = ArrivalStanding.of(arrival: now, slot: slot, allowance: calendar.arrival)
                visit.standing = standing.rawValue
                switch standing {
                case .early:
                    visit.bookingId = booking.id
                    visit.state = YardState.early.rawValue
                case .onTime, .late:
                    visit.bookingId = booking.id
                    visit.priority = booking.priority
                    visit.slotStartMs = booking.slotStartMs
                    visit.movedBack = standing == .late
                    booking.state = BookingState.inYard.rawValue
                    booking.updatedMs = now.milliseconds
                    try await booking.save(on: db)
                case .missed:
                    try await Bookings.end(booking, as: .noShow, reason: "arrived after the slot and its grace", actor: "system", audit: audit, at: now, on: db)
                }
            }
        }
        try await visit.create(on: db)
        try await audit.append(actor: device.actor, action: "yard.entered", subject: "yard-visit:\(try visit.requireID().uuidString.lowercased())",
                               payload: Data("\(visit.gateId)\n\(visit.plate)\n\(visit.standing)\n\(visit.bookingId?.uuidString.lowercased() ?? "")".utf8), at: now, on: db)
        return try await answer(visit, calendar: calendar, on: db)
    }

    /// A plate read at the yard's exit: the truck's visit ends (it left for its lane if it
    /// was called, else it gave up its place).
    static func leave(
        plate raw: String, lane: YardLane, device: DeviceIdentity, eventId: String, calendar: SlotCalendar, audit: AuditTrail, at now: Date, on db: any Database
    ) async throws -> Answer? {
        if let earlier = try await YardVisitModel.query(on: db).filter(\.$exitDevice == device.id).filter(\.$exitEvent == eventId).first() {
            return try await answer(earlier, calendar: calendar, on: db)  // the camera's retry
        }
        let key = VehiclePlate.matchKey(forRead: raw)
        guard let visit = try await YardVisitModel.query(on: db).filter(\.$gateId == lane.gateId).filter(\.$plateKey == key)
            .filter(\.$state ~~ (YardState.queued + [.early]).map(\.rawValue)).sort(\.$enteredMs, .descending).first() else { return nil }
        let wasCalled = visit.yardState == .called
        visit.state = YardState.left.rawValue
        visit.leftMs = now.milliseconds
        visit.exitDevice = device.id
        visit.exitEvent = eventId
        try await visit.save(on: db)
        if !wasCalled, let bookingId = visit.bookingId, let booking = try await BookingModel.find(bookingId, on: db), booking.bookingState == .inYard {
            // Out of the yard uncalled: the place in the slot is kept for its return.
            booking.state = BookingState.booked.rawValue
            try await booking.save(on: db)
        }
        try await audit.append(actor: device.actor, action: wasCalled ? "yard.left-for-lane" : "yard.left", subject: "yard-visit:\(try visit.requireID().uuidString.lowercased())",
                               payload: Data("\(visit.gateId)\n\(visit.plate)\n\(visit.calledLane ?? "")".utf8), at: now, on: db)
        return try await answer(visit, calendar: calendar, on: db)
    }

    /// The lane read the truck of `declaration`: its stay in the yard is over, called or not
    /// (a truck that drove to the lane by itself must not be called again).
    static func reachedLane(_ declaration: UUID, at now: Date, on db: any Database) async throws {
        try await (db as! any SQLDatabase).update(YardVisitModel.schema)
            .set("state", to: YardState.atLane.rawValue).set("left_ms", to: now.milliseconds)
            .where("declaration_id", .equal, declaration)
            .where("state", .in, [YardState.waiting, .called, .left, .early].map(\.rawValue)).run()
    }

    /// The declaration a plate read belongs to at this gate (awaiting its truck), and its
    /// live booking if it has one.
    private static func trip(key: String, lane: YardLane, on db: any Database) async throws -> (DeclarationModel, BookingModel?)? {
        let live = [DeclarationStatus.submitted, .amended].map(\.rawValue)
        let declarations = try await DeclarationModel.query(on: db).filter(\.$plateKey == key).filter(\.$gateId == lane.gateId)
            .filter(\.$status ~~ live).all().filter { lane.direction.serves(TripDirection(rawValue: $0.direction) ?? .transit) }
        guard !declarations.isEmpty else { return nil }
        let bookings = try await BookingModel.query(on: db).filter(\.$declarationId ~~ declarations.compactMap(\.id))
            .filter(\.$state == BookingState.booked.rawValue).sort(\.$slotStartMs).all()
        if let booking = bookings.first, let declaration = declarations.first(where: { $0.id == booking.declarationId }) { return (declaration, booking) }
        return declarations.count == 1 ? (declarations[0], nil) : nil
    }

    /// The answer about `visit`; `calendar` is its yard's.
    private static func answer(_ visit: YardVisitModel, calendar: SlotCalendar, on db: any Database) async throws -> Answer {
        var comeBack: Date?
        if visit.yardState == .early, let bookingId = visit.bookingId, let booking = try await BookingModel.find(bookingId, on: db) {
            comeBack = Date(milliseconds: booking.slotStartMs).addingTimeInterval(-Double(calendar.arrival.earlyMinutes * 60))
        }
        let position = visit.yardState == .waiting ? try await YardQueueRead.position(of: visit, on: db) : nil
        return Answer(visit: try visit.view(position: position), comeBackAt: comeBack)
    }
}
