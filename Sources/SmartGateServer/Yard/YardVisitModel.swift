import Fluent
import Foundation
import GateKit

/// Where a truck in the waiting yard is.
enum YardState: String, Sendable, CaseIterable {
    /// Came before its slot's early allowance: told when to come back, not queued.
    case early
    /// In the queue.
    case waiting
    /// Called forward to a lane; `deadline_ms` is when the call lapses.
    case called
    /// Reached its lane (the lane read its plate).
    case atLane = "at-lane"
    /// Left by the exit without going to a lane.
    case left
    /// Missed its calls and is out of the queue.
    case dropped

    static let queued: [YardState] = [.waiting, .called]
}

/// One truck's stay in a waiting yard.
final class YardVisitModel: Model, @unchecked Sendable {
    static let schema = "yard_visits"

    @ID(key: .id) var id: UUID?
    @Field(key: "gate_id") var gateId: String
    @Field(key: "direction") var direction: String
    /// The plate as read (normalised when it parses), and its OCR match key.
    @Field(key: "plate") var plate: String
    @Field(key: "plate_key") var plateKey: String
    @OptionalField(key: "booking_id") var bookingId: UUID?
    @OptionalField(key: "declaration_id") var declarationId: UUID?
    @Field(key: "priority") var priority: Bool
    @OptionalField(key: "slot_start_ms") var slotStartMs: Int64?
    /// `ArrivalStanding`, or `unbooked` for the living queue.
    @Field(key: "standing") var standing: String
    @Field(key: "moved_back") var movedBack: Bool
    @Field(key: "missed_calls") var missedCalls: Int
    @Field(key: "state") var state: String
    @Field(key: "entered_ms") var enteredMs: Int64
    @Field(key: "entry_device") var entryDevice: UUID
    @Field(key: "entry_event") var entryEvent: String
    @OptionalField(key: "left_ms") var leftMs: Int64?
    /// The exit camera's reading that ended the stay: its retry answers the same.
    @OptionalField(key: "exit_device") var exitDevice: UUID?
    @OptionalField(key: "exit_event") var exitEvent: String?
    @OptionalField(key: "called_lane") var calledLane: String?
    @OptionalField(key: "called_ms") var calledMs: Int64?
    @OptionalField(key: "deadline_ms") var deadlineMs: Int64?

    init() {}

    var yardState: YardState { YardState(rawValue: state) ?? .left }

    /// The truck as the queue orders it.
    var truck: YardTruck {
        YardTruck(
            id: id ?? UUID(), arrivedAt: Date(milliseconds: enteredMs),
            booked: slotStartMs.map { .init(slotStart: Date(milliseconds: $0), priority: priority, movedBack: movedBack) }, missedCalls: missedCalls)
    }

    /// The visit as staff see it.
    func view(position: Int?) throws -> YardVisitView {
        YardVisitView(
            id: try requireID(), gate: gateId, direction: direction, plate: plate, bookingId: bookingId, declarationId: declarationId,
            priority: priority, slotStart: slotStartMs.map(Date.init(milliseconds:)), standing: standing, state: state,
            position: position, enteredAt: Date(milliseconds: enteredMs), calledLane: calledLane,
            callDeadline: deadlineMs.map(Date.init(milliseconds:)), missedCalls: missedCalls)
    }
}

/// A truck in the yard on the wire (staff's view; the public board shows less).
struct YardVisitView: Codable, Sendable, Equatable {
    var id: UUID
    var gate: String
    var direction: String
    var plate: String
    var bookingId: UUID?
    var declarationId: UUID?
    var priority: Bool
    var slotStart: Date?
    var standing: String
    var state: String
    /// 1-based place in the queue; nil once called or out of it.
    var position: Int?
    var enteredAt: Date
    var calledLane: String?
    var callDeadline: Date?
    var missedCalls: Int
}
