import Fluent
import Foundation
import GateKit
import SQLKit

/// Booking changes inside the writer's transaction: each checks the rules, takes or gives
/// back places in the ledger and leaves an audit entry.
///
/// A refusal is returned, not thrown: a throw inside the writer rolls back the whole
/// group commit and runs the other jobs again, which under contention for one slot would
/// turn every refused client into work for the granted ones.
enum Bookings {
    enum Outcome: Sendable {
        case done(BookingModel)
        /// Why not, and whether the booking was for priority goods (the places a 409 offers
        /// instead are counted for the same kind; they are read after the writer's job).
        case refused(BookingRefusal, priority: Bool)
    }

    /// What a booking needs of its declaration.
    struct Trip: Sendable {
        var bookable: BookableTrip
        var plate: String
        var driver: String

        init(_ model: DeclarationModel) throws {
            let trip = try model.trip()
            bookable = BookableTrip(status: model.declarationStatus, gate: model.gateId, direction: trip.direction, hsCodes: trip.goods.map(\.hsCode.value))
            plate = model.plate
            driver = trip.driver.documentNumber
        }
    }

    /// Books `slot` for `declaration`.
    static func book(
        _ declaration: DeclarationModel, into found: (calendar: SlotCalendar, slot: Slot),
        actor: String, audit: AuditTrail, at now: Date, on db: any Database
    ) async throws -> Outcome {
        let trip = try Trip(declaration)
        let (calendar, slot) = found
        let priority = calendar.priority.covers(hsCodes: trip.bookable.hsCodes)
        if let refusal = try await admit(trip, into: found, priority: priority, declaration: try declaration.requireID(), now: now, on: db) {
            return .refused(refusal, priority: priority)
        }
        let booking = BookingModel()
        booking.id = UUID()
        booking.declarationId = try declaration.requireID()
        booking.declarantCode = declaration.declarantCode
        booking.plate = trip.plate
        booking.driver = trip.driver
        booking.priority = priority
        booking.state = BookingState.booked.rawValue
        booking.moves = 0
        booking.movesDay = LocalDate(now, in: calendar.zone).description
        booking.movesToday = 0
        booking.version = 1
        booking.createdMs = now.milliseconds
        booking.place(in: slot, at: now)
        try await booking.create(on: db)
        try await audit.append(actor: actor, action: "booking.created", subject: AuditSubject.booking(try booking.requireID()).description,
                               payload: Data("\(booking.declarationId.uuidString.lowercased())\n\(booking.slotId)\n\(priority)".utf8), at: now, on: db)
        return .done(booking)
    }

    /// Moves `booking` to `slot`: the new place taken before the old one is given back, so a
    /// move that finds no place leaves the booking as it was.
    static func move(
        _ booking: BookingModel, to found: (calendar: SlotCalendar, slot: Slot),
        actor: String, audit: AuditTrail, at now: Date, on db: any Database
    ) async throws -> Outcome {
        guard booking.bookingState == .booked else { return .refused(.bookingNotLive, priority: booking.priority) }
        let (calendar, slot) = found
        guard slot.id.description != booking.slotId else { return .refused(.sameSlot, priority: booking.priority) }
        guard let declaration = try await DeclarationModel.find(booking.declarationId, on: db) else { return .refused(.declarationNotLive, priority: booking.priority) }
        let today = LocalDate(now, in: calendar.zone).description
        let movesToday = booking.movesDay == today ? booking.movesToday : 0
        let capped: BookingRefusal? = BookingRules.mayMove(movesToday: movesToday, calendar: calendar) ? nil : .movesExhausted
        if let refusal = try await admit(try Trip(declaration), into: found, priority: booking.priority, except: booking.id, then: capped, now: now, on: db) {
            return .refused(refusal, priority: booking.priority)
        }
        try await SlotLedger.release(booking.slotId, priority: booking.priority, on: db)
        let from = booking.slotId
        booking.place(in: slot, at: now)
        booking.moves += 1
        booking.movesDay = today
        booking.movesToday = movesToday + 1
        booking.version += 1
        try await booking.save(on: db)
        try await audit.append(actor: actor, action: "booking.moved", subject: AuditSubject.booking(try booking.requireID()).description,
                               payload: Data("\(from)\n\(booking.slotId)".utf8), at: now, on: db)
        return .done(booking)
    }

    /// Ends a live booking (cancelled by its declarant, lost, a no-show) and gives its place
    /// back; a booking already ended is left as it is.
    static func end(_ booking: BookingModel, as state: BookingState, reason: String?, actor: String, audit: AuditTrail, at now: Date, on db: any Database) async throws {
        guard booking.bookingState.isLive else { return }
        if booking.bookingState == .booked { try await SlotLedger.release(booking.slotId, priority: booking.priority, on: db) }
        booking.state = state.rawValue
        booking.endedReason = reason
        booking.version += 1
        booking.updatedMs = now.milliseconds
        try await booking.save(on: db)
        try await audit.append(actor: actor, action: "booking.\(state.rawValue)", subject: AuditSubject.booking(try booking.requireID()).description,
                               payload: Data((reason ?? "").utf8), at: now, on: db)
    }

    /// Keeps a declaration's live booking in step with it: used once the truck is at a lane,
    /// lost when the declaration is cancelled or expires, or when an amendment (`previous`
    /// is the trip before it) changed the plate, the driver, the gate or the direction.
    static func follow(_ declaration: DeclarationModel, previous: TripDeclaration?, actor: String, audit: AuditTrail, at now: Date, on db: any Database) async throws {
        guard let booking = try await BookingModel.query(on: db).filter(\.$declarationId == declaration.requireID())
            .filter(\.$state ~~ BookingState.live.map(\.rawValue)).first() else { return }
        let status = declaration.declarationStatus
        if [.cancelled, .expired].contains(status) {
            return try await end(booking, as: .lost, reason: "declaration-\(status.rawValue)", actor: actor, audit: audit, at: now, on: db)
        }
        if !status.isAmendable {
            return try await end(booking, as: .used, reason: nil, actor: actor, audit: audit, at: now, on: db)
        }
        guard let previous else { return }
        let trip = try declaration.trip()
        let reason: String? = if previous.vehicle.plate != trip.vehicle.plate { "plate-changed" }
            else if previous.driver.documentNumber != trip.driver.documentNumber { "driver-changed" }
            else if booking.gateId != declaration.gateId || !(LaneDirection(rawValue: booking.direction)?.serves(trip.direction) ?? false) { "gate-changed" }
            else { nil }
        if let reason { try await end(booking, as: .lost, reason: reason, actor: actor, audit: audit, at: now, on: db) }
    }

    /// Why `trip` may not have a place in the slot, or nil once its place is taken: the
    /// booking rules, then `then` (a move's cap), then one live booking a day per declaration,
    /// plate and driver (`except` the booking being moved), then a place in the ledger.
    private static func admit(
        _ trip: Trip, into found: (calendar: SlotCalendar, slot: Slot), priority: Bool, declaration: UUID? = nil, except: UUID? = nil,
        then: BookingRefusal? = nil, now: Date, on db: any Database
    ) async throws -> BookingRefusal? {
        let slot = found.slot
        if let refusal = BookingRules.refusal(trip.bookable, slot: slot, calendar: found.calendar, now: now) ?? then { return refusal }
        if try await holdsLiveBooking(declaration: declaration, plate: trip.plate, driver: trip.driver, day: slot.id.date.description, except: except, on: db) {
            return .alreadyBooked
        }
        let taken = try await SlotLedger.take(slot, priority: priority, leaving: SlotPlaces.protectedReserve(of: slot, priority: priority, at: now), on: db)
        return taken ? nil : .full
    }

    /// Whether the declaration, the plate or the driver already holds a live booking on `day`
    /// (the partial unique indexes are the last word; this gives the clear refusal).
    private static func holdsLiveBooking(declaration: UUID?, plate: String, driver: String, day: String, except: UUID?, on db: any Database) async throws -> Bool {
        let query = BookingModel.query(on: db).filter(\.$state ~~ BookingState.live.map(\.rawValue)).group(.or) { or in
            if let declaration { or.filter(\.$declarationId == declaration) }
            or.group(.and) { $0.filter(\.$plate == plate).filter(\.$day == day) }
            or.group(.and) { $0.filter(\.$driver == driver).filter(\.$day == day) }
        }
        if let except { query.filter(\.$id != except) }
        return try await query.first() != nil
    }

    /// The slots a refusal offers instead: for a full or started slot, the next ones with a
    /// place, read day by day until `limit` are found (usually the first day); for the other
    /// refusals none (another slot would be refused the same way). Read outside the writer:
    /// they are advice, and the writer's time is every booker's.
    static func offers(_ calendar: SlotCalendar, calendars: SlotCalendars, priority: Bool, now: Date, for refusal: BookingRefusal, limit: Int = 5, on db: any Database) async throws -> [SlotView] {
        guard [.full, .slotStarted].contains(refusal) else { return [] }
        var found: [SlotView] = []
        var day = LocalDate(now, in: calendar.zone)
        let last = LocalDate(now.addingTimeInterval(Double(calendar.horizonDays) * 86_400), in: calendar.zone)
        while day <= last, found.count < limit {
            let slots = calendar.slots(on: day, jitter: calendars.jitter).filter { $0.start > now }
            let taken = try await SlotLedger.places(of: slots, on: db)
            found += BookingRules.offers(in: slots, places: taken, priority: priority, now: now, limit: limit - found.count)
                .map { SlotView($0.slot, places: $0.places, at: now) }
            day = day.adding(days: 1)
        }
        return found
    }
}

extension BookingModel {
    /// Puts the booking in `slot`.
    func place(in slot: Slot, at now: Date) {
        gateId = slot.id.gate
        direction = slot.id.direction.rawValue
        slotId = slot.id.description
        slotStartMs = slot.start.milliseconds
        slotEndMs = slot.end.milliseconds
        day = slot.id.date.description
        updatedMs = now.milliseconds
    }
}

extension SlotView {
    /// A slot and its places as a caller sees them at `now`.
    init(_ slot: Slot, places: SlotPlaces, at now: Date) {
        self.init(
            id: slot.id.description, start: slot.start, end: slot.end, capacity: slot.capacity,
            free: places.free(leaving: SlotPlaces.protectedReserve(of: slot, priority: false, at: now)), freePriority: places.freePriority)
    }
}
