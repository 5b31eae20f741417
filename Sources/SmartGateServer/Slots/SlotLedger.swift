import Fluent
import Foundation
import GateKit
import SQLKit

/// The places taken per slot. Taking one is a single conditional UPDATE carrying
/// `SlotPlaces`' inequality, so however many clients and instances race for the last
/// place, the database lets exactly one through.
enum SlotLedger {
    /// Places taken in each of `slots` (untouched slots have none).
    static func places(of slots: [Slot], on db: any Database) async throws -> [SlotId: SlotPlaces] {
        guard !slots.isEmpty else { return [:] }
        let rows = try await (db as! any SQLDatabase).select().columns("slot_id", "general", "priority").from("slot_places")
            .where("slot_id", .in, slots.map { $0.id.description }).all()
        var taken: [String: (Int, Int)] = [:]
        for row in rows {
            taken[try row.decode(column: "slot_id", as: String.self)] = (try row.decode(column: "general", as: Int.self), try row.decode(column: "priority", as: Int.self))
        }
        return Dictionary(uniqueKeysWithValues: slots.map { slot in
            let (general, priority) = taken[slot.id.description] ?? (0, 0)
            return (slot.id, SlotPlaces(capacity: slot.capacity, reserve: slot.reserve, general: general, priority: priority))
        })
    }

    /// `slots` as a caller sees them at `now`, with the places left.
    static func views(of slots: [Slot], at now: Date, on db: any Database) async throws -> [SlotView] {
        let taken = try await places(of: slots, on: db)
        return slots.compactMap { slot in taken[slot.id].map { SlotView(slot, places: $0, at: now) } }
    }

    /// Takes a place in `slot`, leaving `reserve` free for priority goods; false when none
    /// is left.
    static func take(_ slot: Slot, priority: Bool, leaving reserve: Int, on db: any Database) async throws -> Bool {
        let sql = db as! any SQLDatabase
        try await sql.insert(into: "slot_places").columns("slot_id", "gate_id", "direction", "start_ms", "general", "priority")
            .values(SQLBind(slot.id.description), SQLBind(slot.id.gate), SQLBind(slot.id.direction.rawValue), SQLBind(slot.start.milliseconds), SQLBind(0), SQLBind(0))
            .ignoringConflicts(with: "slot_id").run()
        let column = priority ? "priority" : "general"
        // general + max(priority, reserve) < capacity, written without MAX/GREATEST (which
        // the two databases spell differently).
        let occupied = SQLRaw("general + CASE WHEN priority > \(reserve) THEN priority ELSE \(reserve) END")
        let taken = try await sql.update("slot_places")
            .set(SQLIdentifier(column), to: SQLBinaryExpression(SQLColumn(column), .add, SQLLiteral.numeric("1")))
            .where("slot_id", .equal, slot.id.description)
            .where(occupied, .lessThan, SQLBind(slot.capacity))
            .returning(column).all()
        return !taken.isEmpty
    }

    /// Gives back a place taken in the slot `slotId`.
    static func release(_ slotId: String, priority: Bool, on db: any Database) async throws {
        let column = priority ? "priority" : "general"
        try await (db as! any SQLDatabase).update("slot_places")
            .set(SQLIdentifier(column), to: SQLBinaryExpression(SQLColumn(column), .subtract, SQLLiteral.numeric("1")))
            .where("slot_id", .equal, slotId).where(column, .greaterThan, 0).run()
    }
}
