import Fluent
import Foundation
import GateKit

/// Where a booking is in its life.
enum BookingState: String, Sendable, CaseIterable {
    /// Holds its place; the truck has not reached the waiting yard.
    case booked
    /// The truck is in the waiting yard.
    case inYard = "in-yard"
    /// The truck was called forward and reached its lane.
    case used
    /// The declarant gave the place back.
    case cancelled
    /// The declaration stopped being live, or its plate changed.
    case lost
    /// The truck had not arrived by the slot's end and the grace: counts on the record.
    case noShow = "no-show"

    static let live: [BookingState] = [.booked, .inYard]
    var isLive: Bool { Self.live.contains(self) }
}

/// One slot booked for one declaration; neither can be changed to another (a booking is
/// not transferable), only the slot can move.
final class BookingModel: Model, @unchecked Sendable {
    static let schema = "slot_bookings"

    @ID(key: .id) var id: UUID?
    @Field(key: "declaration_id") var declarationId: UUID
    @Field(key: "declarant_code") var declarantCode: String
    /// The declared plate, normalised, and the driver's document number: each holds one
    /// live booking a day.
    @Field(key: "plate") var plate: String
    @Field(key: "driver") var driver: String
    @Field(key: "gate_id") var gateId: String
    @Field(key: "direction") var direction: String
    @Field(key: "slot_id") var slotId: String
    @Field(key: "slot_start_ms") var slotStartMs: Int64
    @Field(key: "slot_end_ms") var slotEndMs: Int64
    /// The slot's day in the gate's calendar.
    @Field(key: "day") var day: String
    @Field(key: "priority") var priority: Bool
    @Field(key: "state") var state: String
    @Field(key: "moves") var moves: Int
    /// The gate's day of the last move and how many moves that day had.
    @Field(key: "moves_day") var movesDay: String
    @Field(key: "moves_today") var movesToday: Int
    @Field(key: "version") var version: Int
    @Field(key: "created_ms") var createdMs: Int64
    @Field(key: "updated_ms") var updatedMs: Int64
    @OptionalField(key: "ended_reason") var endedReason: String?

    init() {}

    var bookingState: BookingState { BookingState(rawValue: state) ?? .lost }

    /// The booking as the API shows it; `driverToken` only to its declarant.
    func view(driverToken: String? = nil) throws -> BookingView {
        BookingView(
            id: try requireID(), declarationId: declarationId, slotId: slotId, gate: gateId, direction: direction,
            start: Date(milliseconds: slotStartMs), end: Date(milliseconds: slotEndMs), priority: priority, state: state,
            plate: plate, moves: moves, version: version, createdAt: Date(milliseconds: createdMs), updatedAt: Date(milliseconds: updatedMs),
            endedReason: endedReason, driverToken: driverToken)
    }
}

/// A booking on the wire.
struct BookingView: Codable, Sendable, Equatable {
    var id: UUID
    var declarationId: UUID
    var slotId: String
    var gate: String
    var direction: String
    var start: Date
    var end: Date
    var priority: Bool
    var state: String
    var plate: String
    var moves: Int
    var version: Int
    var createdAt: Date
    var updatedAt: Date
    var endedReason: String?
    /// Opens `GET /api/v1/bookings/{id}/call?token=` (and the driver's page): the declarant
    /// passes it to the driver, who needs no account.
    var driverToken: String?
}

/// A slot on the wire: its places now.
struct SlotView: Codable, Sendable, Equatable {
    var id: String
    var start: Date
    var end: Date
    var capacity: Int
    var free: Int
    var freePriority: Int
}
