import Fluent
import Foundation
import GateKit
import SQLKit
import Vapor

/// `GET /api/v1/waittimes`: public, per gate and direction, three wait figures each saying
/// how it was obtained and when; numbers are numbers and what is not known is null.
/// `?format=compact` is the same data in a CBP-style one-line-per-port shape.
enum WaitTimesController {
    static let measuredMethod = "Yard entry to lane decision of the passages decided in the last hour (nearest-rank p50 and p95)."
    static let expectedMethod = "Trucks waiting in the yard now over the service rate: the passages decided in the last hour, or open lanes times the calendar's rate per lane when fewer than 4 were."
    static let predictedMethod = "Hour by hour: the queue carried over, plus booked arrivals and the unbooked arrivals of the same weekday and hour averaged over the past 4 weeks, less what the open lanes clear."

    @Sendable static func feed(_ request: Request) async throws -> Response {
        let format = request.query[String.self, at: "format"] ?? "full"
        guard ["full", "compact"].contains(format) else {
            throw AppError.validation(ValidationFailure([Issue(field: "format", .notAllowed, ["allowed": "full, compact", "actual": format])]))
        }
        let feed = try await crossings(request)
        return format == "compact"
            ? try WireJSON.response(Compact(feed.items, at: feed.generatedAt), headers: ["Cache-Control": "public, max-age=30"])
            : try WireJSON.response(feed, headers: ["Cache-Control": "public, max-age=30"])
    }

    /// Every crossing of this side with its figures now (the API and the page).
    static func crossings(_ request: Request) async throws -> Feed {
        let context = request.application.smartGate
        let directory = try await context.gates.snapshot(on: request.db)
        let calendars = SlotCalendars(directory: directory, context: context)
        let now = request.now
        var items: [Crossing] = []
        for gate in directory.gates {
            for direction in LaneDirection.allCases where gate.lanes.contains(where: { $0.direction == direction.rawValue }) {
                let calendar = try await calendars.calendar(gate: gate.id, direction: direction, on: request.db).calendar
                let yard = directory.yardEntry(of: gate.id)?.direction == direction
                items.append(try await crossing(gate, direction: direction, calendar: calendar, yard: yard, lanes: directory.lanes, now: now, on: request.db))
            }
        }
        return Feed(generatedAt: now, items: items)
    }

    struct Feed: Content {
        var generatedAt: Date
        var items: [Crossing]
    }

    struct Crossing: Content {
        var gate: String
        var name: GateSummary.Names
        var direction: String
        /// Whether the crossing has a waiting yard whose cameras feed these figures.
        var yard: Bool
        var waiting: Int
        var unbooked: Int
        var lanesOpen: Int
        var measured: Figure<MeasuredWait>
        var expected: Figure<ExpectedWait>
        var predicted: Figure<[HourWait]>
    }

    /// A figure with its method and the time it was computed.
    struct Figure<Value: Content>: Content {
        var method: String
        var updatedAt: Date
        var value: Value
    }

    // Figures not known are written as null, never left out (the synthesised encoding
    // would drop them).
    struct MeasuredWait: Content {
        var passages: Int
        var p50Seconds: Double?
        var p95Seconds: Double?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(passages, forKey: .passages)
            try container.encode(p50Seconds, forKey: .p50Seconds)
            try container.encode(p95Seconds, forKey: .p95Seconds)
        }
    }

    struct ExpectedWait: Content {
        var seconds: Double?
        var servicePerHour: Double
        var basis: String

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(seconds, forKey: .seconds)
            try container.encode(servicePerHour, forKey: .servicePerHour)
            try container.encode(basis, forKey: .basis)
        }
    }

    struct HourWait: Content {
        var hourStart: Date
        var bookedArrivals: Int
        var patternArrivals: Double
        var capacity: Double
        var queueAfter: Double
        var waitSeconds: Double?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(hourStart, forKey: .hourStart)
            try container.encode(bookedArrivals, forKey: .bookedArrivals)
            try container.encode(patternArrivals, forKey: .patternArrivals)
            try container.encode(capacity, forKey: .capacity)
            try container.encode(queueAfter, forKey: .queueAfter)
            try container.encode(waitSeconds, forKey: .waitSeconds)
        }
    }

    private static func crossing(
        _ gate: GateSummary, direction: LaneDirection, calendar: SlotCalendar, yard: Bool, lanes: [String: LaneProfile], now: Date, on db: any Database
    ) async throws -> Crossing {
        let sql = db as! any SQLDatabase
        let hourAgo = now.addingTimeInterval(-3600).milliseconds
        let waiting = try await YardVisitModel.query(on: db).filter(\.$gateId == gate.id).filter(\.$direction == direction.rawValue)
            .filter(\.$state ~~ YardState.queued.map(\.rawValue)).all()
        let rows = try await sql.select()
            .column(SQLColumn("entered_ms", table: YardVisitModel.schema)).column(SQLColumn("decided_ms", table: "lane_decisions"))
            .from(YardVisitModel.schema)
            .join("lane_decisions", on: SQLColumn("declaration_id", table: YardVisitModel.schema), .equal, SQLColumn("declaration_id", table: "lane_decisions"))
            .where(SQLColumn("gate_id", table: YardVisitModel.schema), .equal, SQLBind(gate.id))
            .where(SQLColumn("direction", table: YardVisitModel.schema), .equal, SQLBind(direction.rawValue))
            .where(SQLColumn("decided_ms", table: "lane_decisions"), .greaterThanOrEqual, SQLBind(hourAgo))
            .all()
        var waits: [Double] = []
        for row in rows {
            let entered = try row.decode(column: "entered_ms", as: Int64.self), decided = try row.decode(column: "decided_ms", as: Int64.self)
            if decided >= entered { waits.append(Double(decided - entered) / 1000) }
        }
        let laneIds = lanes.values.filter { $0.gateId == gate.id && $0.direction == direction }.map(\.id)
        let served = try await LaneDecisionModel.query(on: db).filter(\.$laneId ~~ laneIds).filter(\.$decidedMs >= hourAgo).count()
        let zone = calendar.zone
        let open = calendar.lanesOpen(at: now)
        let measured = WaitEstimates.measured(waits)
        let expected = WaitEstimates.expected(queue: waiting.count, servedLastHour: served, nominalPerHour: Double(open) * calendar.servicePerLaneHour)
        let forecast = WaitEstimates.predicted(queueNow: waiting.count, hours: try await hours(gate.id, direction: direction, calendar: calendar, zone: zone, now: now, on: db))
        return Crossing(
            gate: gate.id, name: gate.name, direction: direction.rawValue, yard: yard, waiting: waiting.count,
            unbooked: waiting.filter { $0.slotStartMs == nil }.count, lanesOpen: open,
            measured: Figure(method: measuredMethod, updatedAt: now, value: MeasuredWait(passages: measured.passages, p50Seconds: measured.p50Seconds, p95Seconds: measured.p95Seconds)),
            expected: Figure(method: expectedMethod, updatedAt: now, value: ExpectedWait(seconds: expected.seconds, servicePerHour: expected.servicePerHour, basis: expected.basis)),
            predicted: Figure(method: predictedMethod, updatedAt: now, value: forecast.map {
                HourWait(hourStart: $0.hourStart, bookedArrivals: $0.bookedArrivals, patternArrivals: $0.patternArrivals, capacity: $0.capacity, queueAfter: $0.queueAfter, waitSeconds: $0.waitSeconds)
            }))
    }

    /// The next 6 hours from the current one: booked arrivals, the pattern and capacity.
    private static func hours(
        _ gate: String, direction: LaneDirection, calendar: SlotCalendar, zone: TimeZone, now: Date, on db: any Database
    ) async throws -> [(start: Date, booked: Int, pattern: Double, capacity: Double)] {
        let hourStart = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 3600).rounded(.down) * 3600)
        let span: TimeInterval = 6 * 3600, week: TimeInterval = 7 * 86_400
        // Two reads, counted into hours here: the booked slots of the next 6 hours, and the
        // unbooked arrivals of the same 6 hours in each of the past 4 weeks.
        // Booked and not yet in the yard: those in it are in the queue already.
        let booked = try await BookingModel.query(on: db).filter(\.$gateId == gate).filter(\.$direction == direction.rawValue)
            .filter(\.$state == BookingState.booked.rawValue)
            .filter(\.$slotStartMs >= hourStart.milliseconds).filter(\.$slotStartMs < hourStart.addingTimeInterval(span).milliseconds)
            .all(\.$slotStartMs)
        let arrivals = try await YardVisitModel.query(on: db).filter(\.$gateId == gate).filter(\.$direction == direction.rawValue)
            .filter(\.$slotStartMs == nil).filter(\.$enteredMs >= hourStart.addingTimeInterval(-4 * week).milliseconds)
            .filter(\.$enteredMs < hourStart.addingTimeInterval(span - week).milliseconds)
            .all(\.$enteredMs)
        func hour(_ ms: Int64, weeksBack: Int) -> Int? {
            let offset = Date(milliseconds: ms).timeIntervalSince(hourStart.addingTimeInterval(-Double(weeksBack) * week))
            return offset >= 0 && offset < span ? Int(offset / 3600) : nil
        }
        var bookedPerHour = Array(repeating: 0, count: 6), pastPerHour = Array(repeating: 0, count: 6)
        for ms in booked { if let h = hour(ms, weeksBack: 0) { bookedPerHour[h] += 1 } }
        for ms in arrivals { for weeksBack in 1...4 { if let h = hour(ms, weeksBack: weeksBack) { pastPerHour[h] += 1 } } }
        return (0..<6).map { offset in
            let start = hourStart.addingTimeInterval(Double(offset) * 3600)
            let capacity = Double(calendar.lanesOpen(at: start.addingTimeInterval(1800))) * calendar.servicePerLaneHour
            return (start, bookedPerHour[offset], Double(pastPerHour[offset]) / 4, capacity)
        }
    }

    /// The CBP-style compact form: a port per line, minutes, lanes, open or closed.
    struct Compact: Content {
        struct Port: Content {
            var portId: String
            var portName: String
            var direction: String
            var operationalStatus: String
            var lanesOpen: Int
            var vehiclesWaiting: Int
            var delayMinutes: Int?
            var delayMethod: String

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(portId, forKey: .portId)
                try container.encode(portName, forKey: .portName)
                try container.encode(direction, forKey: .direction)
                try container.encode(operationalStatus, forKey: .operationalStatus)
                try container.encode(lanesOpen, forKey: .lanesOpen)
                try container.encode(vehiclesWaiting, forKey: .vehiclesWaiting)
                try container.encode(delayMinutes, forKey: .delayMinutes)
                try container.encode(delayMethod, forKey: .delayMethod)
            }
        }
        var updated: Date
        var ports: [Port]

        init(_ items: [Crossing], at now: Date) {
            updated = now
            ports = items.map { item in
                let measured = item.measured.value.passages >= WaitEstimates.minimumServedForRate ? item.measured.value.p50Seconds : nil
                let seconds = measured ?? item.expected.value.seconds
                return Port(
                    portId: item.gate, portName: item.name.en, direction: item.direction, operationalStatus: item.lanesOpen > 0 ? "open" : "closed",
                    lanesOpen: item.lanesOpen, vehiclesWaiting: item.waiting, delayMinutes: seconds.map { Int(($0 / 60).rounded()) },
                    delayMethod: measured != nil ? "measured-p50" : "expected")
            }
        }
    }
}
