import Fluent
import Foundation
import GateKit
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// The waiting yards' clockwork: bookings past their slot and grace become no-shows,
/// calls past their deadline are missed, and each free lane gets the next truck.
///
/// A lane is free when it has no active passage and no truck called to it is still on its
/// way (called after the lane's last passage opened, deadline not passed). Polling the
/// tables rather than hooking the lanes keeps the lanes ignorant of the yard; with several
/// instances the `yard-dispatch` lease holder sweeps, and a call is a conditional UPDATE
/// from `waiting` besides.
final class YardDispatch: LifecycleHandler, Sendable {
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)

    func didBootAsync(_ application: Application) async throws {
        let interval = application.smartGate.settings.yardSweepSeconds
        guard interval > 0 else { return }
        task.withLockedValue {
            $0 = Task {
                while !Task.isCancelled {
                    // With several instances on one PostgreSQL, the lease holder sweeps.
                    if application.smartGate.leases.holds(.yardDispatch) {
                        do {
                            _ = try await Self.sweep(application, now: application.now)
                        } catch {
                            application.logger.warning("yard: the sweep failed: \(error)")
                        }
                    }
                    try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
                }
            }
        }
    }

    func shutdownAsync(_ application: Application) async {
        let running = task.withLockedValue { $0 }
        running?.cancel()
        await running?.value
    }

    /// What one sweep did.
    struct Sweep: Sendable, Equatable {
        var noShows = 0
        var missedCalls = 0
        var calls: [String] = []
    }

    /// One pass over every yard at `now`. The calendars are read before the writer's job:
    /// the writer is every booker's and every lane's.
    static func sweep(_ app: Application, now: Date) async throws -> Sweep {
        let context = app.smartGate
        let directory = try await context.gates.snapshot(on: app.db)
        let calendars = SlotCalendars(directory: directory, context: context)
        let audit = context.audit
        var yards: [(entry: YardLane, calendar: SlotCalendar)] = []
        for entry in directory.yardLanes.values.filter({ $0.kind == .entry }).sorted(by: { $0.id < $1.id }) {
            yards.append((entry, try await calendars.calendar(gate: entry.gateId, direction: entry.direction, on: app.db).calendar))
        }
        return try await context.commits.perform { [yards] db in
            var sweep = Sweep()
            for (yard, calendar) in yards {
                sweep.noShows += try await markNoShows(yard, calendar: calendar, audit: audit, now: now, on: db)
                sweep.missedCalls += try await markMissedCalls(yard, audit: audit, now: now, on: db)
                // The lanes open this hour, by the calendar: the first of the gate's lanes.
                let lanes = directory.lanes.values.filter { $0.gateId == yard.gateId && $0.direction == yard.direction }.map(\.id).sorted()
                    .prefix(calendar.lanesOpen(at: now)).map { $0 }
                sweep.calls += try await callForward(yard, lanes: lanes, calendar: calendar, calendars: calendars, audit: audit, now: now, on: db)
            }
            return sweep
        }
    }

    private static func markNoShows(_ yard: YardLane, calendar: SlotCalendar, audit: AuditTrail, now: Date, on db: any Database) async throws -> Int {
        let cutoff = now.addingTimeInterval(-Double(calendar.arrival.graceMinutes * 60)).milliseconds
        let due = try await BookingModel.query(on: db).filter(\.$gateId == yard.gateId).filter(\.$direction == yard.direction.rawValue)
            .filter(\.$state == BookingState.booked.rawValue).filter(\.$slotEndMs < cutoff).all()
        for booking in due {
            try await Bookings.end(booking, as: .noShow, reason: "not in the yard by the slot's end and the grace", actor: "system", audit: audit, at: now, on: db)
        }
        return due.count
    }

    private static func markMissedCalls(_ yard: YardLane, audit: AuditTrail, now: Date, on db: any Database) async throws -> Int {
        let lapsed = try await YardVisitModel.query(on: db).filter(\.$gateId == yard.gateId).filter(\.$direction == yard.direction.rawValue)
            .filter(\.$state == YardState.called.rawValue).filter(\.$deadlineMs < now.milliseconds).all()
        for visit in lapsed {
            let lane = visit.calledLane ?? ""
            if let moved = YardQueue.afterMissedCall(visit.truck) {
                visit.state = YardState.waiting.rawValue
                visit.missedCalls = moved.missedCalls
                visit.movedBack = moved.booked?.movedBack ?? visit.movedBack
            } else {
                visit.state = YardState.dropped.rawValue
            }
            visit.calledLane = nil
            visit.calledMs = nil
            visit.deadlineMs = nil
            try await visit.save(on: db)
            try await audit.append(actor: "system", action: "yard.call-missed", subject: "yard-visit:\(try visit.requireID().uuidString.lowercased())",
                                   payload: Data("\(lane)\n\(visit.state)".utf8), at: now, on: db)
        }
        return lapsed.count
    }

    private static func callForward(
        _ yard: YardLane, lanes: [String], calendar: SlotCalendar, calendars: SlotCalendars, audit: AuditTrail, now: Date, on db: any Database
    ) async throws -> [String] {
        var free: [String] = []
        for lane in lanes where try await isFree(lane, now: now, on: db) { free.append(lane) }
        guard !free.isEmpty else { return [] }
        var queue = try await YardQueueRead.waiting(gate: yard.gateId, direction: yard.direction.rawValue, on: db)
        var unused = try await unusedPlaces(yard, calendar: calendar, calendars: calendars, now: now, on: db)
        var calls: [String] = []
        for lane in free {
            guard let next = YardQueue.next(in: queue.map(\.truck), now: now, allowance: calendar.arrival, unusedCapacity: unused > 0),
                  let visit = queue.first(where: { $0.id == next.id }) else { break }
            queue.removeAll { $0.id == visit.id }
            let deadline = now.addingTimeInterval(Double(calendar.arrival.callMinutes * 60))
            let called = try await (db as! any SQLDatabase).update(YardVisitModel.schema)
                .set("state", to: YardState.called.rawValue).set("called_lane", to: lane)
                .set("called_ms", to: now.milliseconds).set("deadline_ms", to: deadline.milliseconds)
                .where("id", .equal, visit.id).where("state", .equal, YardState.waiting.rawValue).returning("id").all()
            guard !called.isEmpty else { continue }  // another instance called it first
            if visit.slotStartMs == nil { unused -= 1 }
            try await audit.append(actor: "system", action: "yard.called", subject: "yard-visit:\(try visit.requireID().uuidString.lowercased())",
                                   payload: Data("\(lane)\n\(visit.plate)\n\(deadline.milliseconds)".utf8), at: now, on: db)
            calls.append("\(visit.plate) → \(lane)")
        }
        return calls
    }

    /// No active passage, and no truck called to it still on its way.
    private static func isFree(_ lane: String, now: Date, on db: any Database) async throws -> Bool {
        let sql = db as! any SQLDatabase
        if try await sql.select().column("id").from(PassageModel.schema).where("lane_id", .equal, lane)
            .where("state", .in, [PassageState.open.rawValue, PassageState.decided.rawValue]).first() != nil { return false }
        let lastOpened = try await sql.select().column(SQLFunction("MAX", args: SQLColumn("opened_ms")), as: "opened").from(PassageModel.schema)
            .where("lane_id", .equal, lane).first(decodingColumn: "opened", as: Int64?.self) ?? nil
        let onTheWay = try await sql.select().column("id").from(YardVisitModel.schema).where("called_lane", .equal, lane)
            .where("state", .in, [YardState.called.rawValue, YardState.left.rawValue]).where("deadline_ms", .greaterThan, now.milliseconds)
            .where("called_ms", .greaterThan, lastOpened ?? 0).first()
        return onTheWay == nil
    }

    /// Places of the current slot its bookings will not use: the living queue's share.
    private static func unusedPlaces(_ yard: YardLane, calendar: SlotCalendar, calendars: SlotCalendars, now: Date, on db: any Database) async throws -> Int {
        let zone = calendar.zone
        let today = LocalDate(now, in: zone)
        guard let slot = calendar.slots(on: today, jitter: calendars.jitter).first(where: { $0.start <= now && now < $0.end }) else { return 0 }
        let booked = try await BookingModel.query(on: db).filter(\.$slotId == slot.id.description)
            .filter(\.$state ~~ [BookingState.booked, .inYard, .used].map(\.rawValue)).count()
        let unbookedCalled = try await YardVisitModel.query(on: db).filter(\.$gateId == yard.gateId).filter(\.$slotStartMs == nil)
            .filter(\.$calledMs >= slot.start.milliseconds).count()
        return slot.capacity - booked - unbookedCalled
    }
}
