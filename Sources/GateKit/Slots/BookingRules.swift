import Foundation

/// Why a booking, or a move, is refused. Each has a stable code for clients.
public enum BookingRefusal: String, Sendable, Error, Equatable, CaseIterable {
    /// The declaration is not submitted or amended (released, crossed, cancelled…).
    case declarationNotLive = "declaration-not-live"
    /// The slot is at another gate than the declaration's.
    case otherGate = "other-gate"
    /// The slot's lanes do not serve the declaration's direction.
    case otherDirection = "other-direction"
    /// The calendar offers no such slot (closed that day, not on the grid).
    case noSuchSlot = "no-such-slot"
    /// The slot has started.
    case slotStarted = "slot-started"
    /// The slot is further ahead than the calendar lets anyone book.
    case beyondHorizon = "beyond-horizon"
    /// No place left for this booking (the reserve is kept for priority goods).
    case full = "full"
    /// The declaration, the plate or the driver already has a live booking that day.
    case alreadyBooked = "already-booked"
    /// The booking has been moved as often as a day allows.
    case movesExhausted = "moves-exhausted"
    /// The booking is no longer live (cancelled, used, lost, a no-show).
    case bookingNotLive = "booking-not-live"
    /// The slot moved to is the one booked.
    case sameSlot = "same-slot"

    /// One sentence for a person, in English; pages use the catalog's.
    public var detail: String {
        switch self {
        case .declarationNotLive: "Only a submitted or amended declaration can hold a booking."
        case .otherGate: "The slot is at another gate than the declaration's."
        case .otherDirection: "The slot's lanes do not serve the declaration's direction."
        case .noSuchSlot: "The calendar offers no such slot."
        case .slotStarted: "The slot has already started."
        case .beyondHorizon: "The slot is further ahead than bookings are taken."
        case .full: "The slot has no place left for this booking."
        case .alreadyBooked: "The declaration, its plate or its driver already holds a live booking that day."
        case .movesExhausted: "The booking has been moved as often as one day allows."
        case .bookingNotLive: "The booking is no longer live."
        case .sameSlot: "The booking already holds that slot."
        }
    }
}

/// What booking rules need of a declaration.
public struct BookableTrip: Sendable, Equatable {
    public var status: DeclarationStatus
    public var gate: String
    public var direction: TripDirection
    public var hsCodes: [String]

    public init(status: DeclarationStatus, gate: String, direction: TripDirection, hsCodes: [String]) {
        self.status = status
        self.gate = gate
        self.direction = direction
        self.hsCodes = hsCodes
    }
}

/// The rules of taking a slot, apart from counting places (which the server does
/// atomically with `SlotPlaces`' inequality).
public enum BookingRules {
    /// The refusal for booking `trip` into `slot` at `now`, nil when it may go ahead.
    public static func refusal(_ trip: BookableTrip, slot: Slot, calendar: SlotCalendar, now: Date) -> BookingRefusal? {
        guard trip.status.isAmendable else { return .declarationNotLive }
        guard slot.id.gate == trip.gate else { return .otherGate }
        guard slot.id.direction.serves(trip.direction) else { return .otherDirection }
        guard now < slot.start else { return .slotStarted }
        guard slot.start.timeIntervalSince(now) <= Double(calendar.horizonDays) * 86_400 else { return .beyondHorizon }
        return nil
    }

    /// Whether a booking moved `movesToday` times already in the gate's day may move again.
    public static func mayMove(movesToday: Int, calendar: SlotCalendar) -> Bool { movesToday < calendar.maxMovesPerDay }

    /// Of one day's `slots`, those after `now` that still have a place for this booking,
    /// at most `limit`, in order: what a 409 offers instead (the server reads the places
    /// day by day until it has enough).
    public static func offers(
        in slots: [Slot], places: [SlotId: SlotPlaces], priority: Bool, now: Date, limit: Int
    ) -> [(slot: Slot, places: SlotPlaces)] {
        var found: [(Slot, SlotPlaces)] = []
        for slot in slots where slot.start > now && found.count < limit {
            let taken = places[slot.id] ?? SlotPlaces(capacity: slot.capacity, reserve: slot.reserve)
            let free = priority ? taken.freePriority : taken.free(leaving: SlotPlaces.protectedReserve(of: slot, priority: false, at: now))
            if free > 0 { found.append((slot, taken)) }
        }
        return found
    }
}

extension BookingRefusal {
    /// Refusals about the slot asked for, rather than the state of things: a 422 on the
    /// `slotId` field, in the client's language. The rest are conflicts (409).
    public var fieldIssue: IssueCode? {
        switch self {
        case .otherGate: .bookingOtherGate
        case .otherDirection: .bookingOtherDirection
        case .noSuchSlot: .bookingNoSuchSlot
        case .beyondHorizon: .bookingBeyondHorizon
        case .sameSlot: .bookingSameSlot
        default: nil
        }
    }
}

extension IssueCode {
    public static let bookingOtherGate = IssueCode(
        "booking.other-gate", en: "is at another gate than the declaration's ({gate})",
        vi: "thuộc cửa khẩu khác với tờ khai ({gate})", zh: "与申报的口岸不同（{gate}）")
    public static let bookingOtherDirection = IssueCode(
        "booking.other-direction", en: "is for lanes that do not serve a {direction} trip",
        vi: "dành cho làn không phục vụ chuyến {direction}", zh: "所属车道不办理{direction}行程")
    public static let bookingNoSuchSlot = IssueCode(
        "booking.no-such-slot", en: "is not a slot the calendar offers (got {actual})",
        vi: "không phải khung giờ lịch cung cấp (nhận được {actual})", zh: "不是日历提供的时段（实际为{actual}）")
    public static let bookingBeyondHorizon = IssueCode(
        "booking.beyond-horizon", en: "is more than {days} days ahead",
        vi: "xa hơn {days} ngày tới", zh: "超过{days}天以后")
    public static let bookingSameSlot = IssueCode(
        "booking.same-slot", en: "is the slot already booked",
        vi: "là khung giờ đã đặt", zh: "已是所预约的时段")
}
