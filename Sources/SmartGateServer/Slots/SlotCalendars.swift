import Crypto
import Fluent
import Foundation
import GateKit
import SQLKit

/// The booking calendars as stored, each gate and direction starting from the standard
/// one (06:00–22:00 daily, the gate's lanes) until an operator writes its own.
struct SlotCalendars: Sendable {
    let directory: GateDirectory.Snapshot
    /// The secret behind each slot's draw for the reserve's release.
    let releaseSecret: SymmetricKey

    init(directory: GateDirectory.Snapshot, context: SmartGateContext) {
        self.directory = directory
        self.releaseSecret = context.slotReleaseKey
    }

    /// The calendars over this side's gates as the directory has them.
    static func current(_ context: SmartGateContext, on db: any Database) async throws -> SlotCalendars {
        SlotCalendars(directory: try await context.gates.snapshot(on: db), context: context)
    }

    /// A stored calendar and its version (0: never written, the standard one).
    struct Stored: Sendable {
        var calendar: SlotCalendar
        var version: Int
    }

    /// The calendar of `gate` and `direction`; throws 404 for a gate of another side or
    /// none at all.
    func calendar(gate: String, direction: LaneDirection, on db: any Database) async throws -> Stored {
        guard let summary = directory.gates.first(where: { $0.id == gate }) else { throw AppError.notFound(kind: "gate", id: gate) }
        let lanes = summary.lanes.filter { $0.direction == direction.rawValue }.count
        let row = try await (db as! any SQLDatabase).select().columns("document", "version").from("slot_calendars")
            .where("gate_id", .equal, gate).where("direction", .equal, direction.rawValue).first()
        guard let row else {
            return Stored(calendar: .standard(gate: gate, direction: direction, timeZone: summary.timeZone, lanes: lanes), version: 0)
        }
        let calendar: SlotCalendar
        do {
            let document = try JSONValue.parse(Data(try row.decode(column: "document", as: String.self).utf8))
            calendar = try SlotCalendarDocument.parse(document, gate: gate, direction: direction, timeZone: summary.timeZone, lanes: lanes)
        } catch {
            // Only a hand-edited row could get here: say so rather than answer a 500.
            throw AppError.unavailable("The stored booking calendar of \(gate) \(direction.rawValue) does not read back (\(error)); write it again.")
        }
        return Stored(calendar: calendar, version: try row.decode(column: "version", as: Int.self))
    }

    /// The calendar a slot id names, and the slot, or why not.
    func slot(_ text: String, on db: any Database) async throws -> (calendar: SlotCalendar, slot: Slot)? {
        guard let id = SlotId(text), directory.gateIds.contains(id.gate) else { return nil }
        let calendar = try await calendar(gate: id.gate, direction: id.direction, on: db).calendar
        return calendar.slot(id, jitter: jitter).map { (calendar, $0) }
    }

    /// The slot's secret draw in [0, 1): an HMAC of its id, so every instance draws the
    /// same and nobody outside can.
    var jitter: @Sendable (SlotId) -> Double {
        let secret = releaseSecret
        return { id in
            let mac = HMAC<SHA256>.authenticationCode(for: Data(id.description.utf8), using: secret)
            let word = mac.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return Double(word >> 11) / Double(UInt64(1) << 53)
        }
    }

    /// The stored version of a calendar, 0 when none was written; read alone, so that a row
    /// that no longer reads back can still be written over.
    static func version(gate: String, direction: LaneDirection, on db: any Database) async throws -> Int {
        try await (db as! any SQLDatabase).select().column("version").from("slot_calendars")
            .where("gate_id", .equal, gate).where("direction", .equal, direction.rawValue)
            .first(decodingColumn: "version", as: Int.self) ?? 0
    }

    /// Stores `calendar` as version `version + 1` if the stored one is still `version`.
    static func save(_ calendar: SlotCalendar, expecting version: Int, actor: String, audit: AuditTrail, at now: Date, on db: any Database) async throws -> Int {
        let sql = db as! any SQLDatabase
        let document = String(decoding: try WireJSON.encode(SlotCalendarDocument.json(calendar)), as: UTF8.self)
        let current = try await Self.version(gate: calendar.gate, direction: calendar.direction, on: db)
        guard current == version else { throw AppError.conflict("The calendar is at version \(current), not \(version); read it again and retry.") }
        if current == 0 {
            try await sql.insert(into: "slot_calendars").columns("gate_id", "direction", "document", "version", "updated_ms", "updated_by")
                .values(SQLBind(calendar.gate), SQLBind(calendar.direction.rawValue), SQLBind(document), SQLBind(1), SQLBind(now.milliseconds), SQLBind(actor)).run()
        } else {
            try await sql.update("slot_calendars").set("document", to: document).set("version", to: current + 1)
                .set("updated_ms", to: now.milliseconds).set("updated_by", to: actor)
                .where("gate_id", .equal, calendar.gate).where("direction", .equal, calendar.direction.rawValue).run()
        }
        try await audit.append(actor: actor, action: "slot.calendar.updated", subject: "slot-calendar:\(calendar.gate).\(calendar.direction.rawValue)",
                               payload: Data(document.utf8), at: now, on: db)
        return current + 1
    }
}
