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

    /// One sentence for a person, in `language`: the API's problem `detail` and the page's
    /// message beside the slot.
    public func detail(in language: Language = .en) -> String {
        let text: (en: String, vi: String, zh: String) = switch self {
        case .declarationNotLive: ("Only a submitted or amended declaration can hold a booking.", "Chỉ tờ khai đã nộp hoặc đã sửa mới được đặt lịch.", "只有已提交或已修改的申报才能预约。")
        case .otherGate: ("The slot is at another gate than the declaration's.", "Khung giờ thuộc cửa khẩu khác với tờ khai.", "该时段所属口岸与申报不同。")
        case .otherDirection: ("The slot's lanes do not serve this trip's direction.", "Làn của khung giờ không phục vụ hướng đi của chuyến này.", "该时段的车道不办理此行程方向。")
        case .noSuchSlot: ("The calendar offers no such slot.", "Lịch không có khung giờ này.", "日历中没有该时段。")
        case .slotStarted: ("That slot has already started; choose a later one.", "Khung giờ này đã bắt đầu; hãy chọn khung muộn hơn.", "该时段已开始，请选择更晚的时段。")
        case .beyondHorizon: ("That slot is further ahead than bookings are taken.", "Khung giờ này quá xa so với thời hạn nhận đặt lịch.", "该时段超出可预约的范围。")
        case .full: ("That slot has just been filled; the next slots with a place are below.", "Khung giờ này vừa hết chỗ; các khung còn chỗ ở bên dưới.", "该时段刚刚约满，下列时段仍有空位。")
        case .alreadyBooked: ("This declaration, its vehicle or its driver already has a booking that day.", "Tờ khai, xe hoặc lái xe này đã có lịch hẹn trong ngày.", "该申报、车辆或司机当天已有预约。")
        case .movesExhausted: ("This booking has been moved as often as one day allows.", "Lịch hẹn đã được đổi đủ số lần cho phép trong ngày.", "该预约当天的改约次数已用完。")
        case .bookingNotLive: ("This booking is no longer live.", "Lịch hẹn này không còn hiệu lực.", "该预约已失效。")
        case .sameSlot: ("The booking already holds that slot.", "Lịch hẹn đã ở khung giờ này.", "该预约已是此时段。")
        }
        switch language {
        case .en: return text.en
        case .vi: return text.vi
        case .zh: return text.zh
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
