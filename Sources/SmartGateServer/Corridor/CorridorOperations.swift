import CorridorKit
import Fluent
import Foundation
import GateKit
import NIOConcurrencyHelpers
import Vapor

/// The corridor in service: the fleet controller, the shuttles (SmartGate's simulated
/// ones until real vehicles are connected) and the safety checker, advanced with the clock.
/// An actor: the engine is a single-owner state machine, and every route, the clock and
/// each vehicle's link reach it one at a time.
///
/// Orders are stored before the controller sees them, so an accepted order survives a
/// crash; after a restart, orders that had not ended are dispatched again from the start
/// (the simulated fleet restarts at its parking places).
actor CorridorOperations {
    private var engine: CorridorEngine
    /// Counts restarts: each makes a fresh engine, whose link generations start again.
    private var epoch = 0
    private let news: CorridorNews
    let network: CorridorNetwork
    /// Simulated seconds per wall-clock second (1 in service; faster in the demo).
    let speed: Double
    private let wallStart: Date
    private let simStart: Double
    /// The server's clock: the corridor's time follows it (a test moves it through windows).
    let clock: ServerClock

    init(plant: CorridorPlant, speed: Double = 1, clock: ServerClock = .system) {
        network = CorridorNetwork(plant)
        self.speed = speed
        self.clock = clock
        let start = clock.now()
        wallStart = start
        simStart = start.timeIntervalSince1970
        news = CorridorNews(timeZone: TimeZone(identifier: plant.timeZone))
        engine = Self.engine(network, start: simStart, news: news)
    }

    private static func engine(_ network: CorridorNetwork, start: Double, news: CorridorNews) -> CorridorEngine {
        let engine = CorridorEngine(network: network, start: start)
        engine.onEvent = { [unowned engine, news] event in news.note(event, mostOnSpan: engine.checker.mostOnBridge) }
        return engine
    }

    /// A fresh controller and fleet from now on, with no order: this instance has just taken
    /// the corridor over (another instance ran it before, or this one lost it for a while),
    /// and the orders that have not ended come back from the database.
    func restart() {
        engine = Self.engine(network, start: corridorTime(), news: news)
        epoch += 1
        news.clear()
    }

    /// The corridor's time at an instant of the server's clock (now when none is given).
    nonisolated func corridorTime(_ wall: Date? = nil) -> Double { simStart + (wall ?? clock.now()).timeIntervalSince(wallStart) * speed }

    /// Runs the corridor up to `wall`; returns the orders that changed and what to announce.
    func advance(to wall: Date? = nil) -> (orders: [TransportOrder], announcements: [String]) {
        engine.run(until: corridorTime(wall))
        return (news.takeOrders(), news.takeAnnouncements())
    }

    /// Puts back changes that could not be stored, unless the order changed again since.
    func requeue(_ orders: [TransportOrder]) {
        news.requeue(orders)
    }

    /// The orders that changed since the clock last stored them (a list filtered by state
    /// stores them first, so it never shows a state a second old).
    func takeChangedOrders() -> [TransportOrder] {
        engine.run(until: corridorTime())
        return news.takeOrders()
    }

    /// Connects a real vehicle's link: its commands go to `sink` from now on.
    /// Returns the link's ticket, which `receive` and `detach` name.
    func attach(_ id: String, sink: @escaping @Sendable (VehicleCommand) -> Void) throws(CorridorEngine.LinkError) -> VehicleLinkTicket {
        engine.run(until: corridorTime())
        return VehicleLinkTicket(epoch: epoch, generation: try engine.attach(id, sink: sink))
    }

    /// The link closed: its silence counts from now (unless a newer link replaced it).
    func detach(_ id: String, link: VehicleLinkTicket) {
        guard link.epoch == epoch else { return }
        engine.run(until: corridorTime())
        engine.detach(id, generation: link.generation)
    }

    /// A state the vehicle sent over its link; refused when a newer link replaced it.
    func receive(_ state: VDA5050.State, from id: String, link: VehicleLinkTicket, first: Bool) throws(CorridorEngine.LinkError) {
        guard link.epoch == epoch, engine.isCurrentLink(id, generation: link.generation) else { throw .replaced(id) }
        engine.run(until: corridorTime())
        try engine.receiveExternal(state, on: id, first: first)
    }

    /// One vehicle's status, or nil when there is no such vehicle.
    func vehicle(_ id: String) -> VehicleStatus? {
        engine.control.vehicleStatus.first { $0.id == id }
    }

    /// The handover bay on `side` with the fewest open orders waiting to leave from it.
    func quietestBay(_ side: BorderSide) -> String {
        let bays = network.bays[side]!.map { network.locations[$0].id }
        let waiting = Dictionary(uniqueKeysWithValues: bays.map { ($0, engine.control.ordersToCollect(at: $0)) })
        return bays.min { (waiting[$0]!, $0) < (waiting[$1]!, $1) } ?? ""
    }

    /// Hands a stored order to the controller; `note` is announced with the next changes.
    /// An order the controller has already is left as it is: the route that stored it and
    /// the clock's reading of the database may both hand it over.
    func submit(_ order: TransportOrder, note: String? = nil) {
        guard engine.control.order(order.id) == nil else { return }
        engine.run(until: corridorTime())
        engine.submit(order)
        if let note { news.say(note) }
    }

    func withdraw(_ id: String) throws(CorridorCommandError) -> TransportOrder {
        engine.run(until: corridorTime())
        return try engine.withdraw(id)
    }

    func order(_ id: String) -> TransportOrder? { engine.control.order(id) }

    /// Pauses grants, or with `emergency` stops every vehicle where it is.
    func pause(emergency: Bool) {
        engine.run(until: corridorTime())
        if emergency { engine.emergencyStop() } else { engine.pause() }
    }

    /// Lifts a pause and an emergency stop.
    func resume() {
        engine.run(until: corridorTime())
        if engine.control.isEmergencyStopped { engine.releaseEmergencyStop() }
        if engine.control.isPaused { engine.resume() }
    }

    /// The fleet and the corridor's state, now.
    func status() -> CorridorStatusView {
        let now = corridorTime()
        let window = network.windows.window(containing: now)
        return CorridorStatusView(
            items: engine.control.vehicleStatus, nextCursor: nil,
            corridor: CorridorStateView(
                name: network.plant.name, paused: engine.control.isPaused, emergencyStop: engine.control.isEmergencyStopped,
                windowOpen: window != nil, windowClosesAt: window.map { Date(timeIntervalSince1970: $0.upperBound) },
                nextOpening: window == nil ? network.windows.nextOpening(atOrAfter: now).map(Date.init(timeIntervalSince1970:)) : nil,
                crossings: engine.checker.crossings, mostOnSpan: engine.checker.mostOnBridge,
                violations: engine.checker.violations.count))
    }
}

/// A vehicle's link as `CorridorOperations.attach` made it: the controller it was made
/// with (a restart makes a new one, whose generations start again) and its generation
/// there. A link from before a restart, or replaced since, neither moves the vehicle nor
/// closes the link that replaced it.
struct VehicleLinkTicket: Sendable {
    fileprivate let epoch: Int
    fileprivate let generation: Int
}

/// What the corridor said since the clock last took it: the orders that changed and the
/// lines to announce. Owned by one `CorridorOperations` and used on its turns only.
private final class CorridorNews {
    private var changed: [String: TransportOrder] = [:]
    private var announcements: [String] = []
    /// Local clock time for announcements.
    private let clockFormat: DateFormatter

    init(timeZone: TimeZone?) {
        clockFormat = DateFormatter()
        clockFormat.dateFormat = "HH:mm:ss"
        clockFormat.timeZone = timeZone
    }

    func note(_ event: CorridorEvent, mostOnSpan: Int) {
        switch event {
        case .order(let order): changed[order.id] = order
        case .crossing(let vehicle, let side, let at):
            say("\(vehicle) enters the span \(side.rawValue)→\(side.opposite.rawValue) at \(clock(at)) (most ever on the span: \(max(1, mostOnSpan)))")
        case .health(let vehicle, let health, let at):
            say("\(vehicle) is \(health.rawValue) at \(clock(at))")
        }
    }

    func say(_ line: String) { announcements.append(line) }

    func takeOrders() -> [TransportOrder] {
        defer { changed.removeAll() }
        return Array(changed.values)
    }

    func takeAnnouncements() -> [String] {
        defer { announcements.removeAll() }
        return announcements
    }

    func requeue(_ orders: [TransportOrder]) {
        for order in orders where changed[order.id] == nil { changed[order.id] = order }
    }

    func clear() {
        changed.removeAll()
        announcements.removeAll()
    }

    private func clock(_ time: Double) -> String { clockFormat.string(from: Date(timeIntervalSince1970: time)) }
}

/// `GET /api/v1/corridor/vehicles`: the fleet, and the corridor's state beside the list.
struct CorridorStatusView: Encodable, Sendable {
    var items: [VehicleStatus]
    var nextCursor: String?
    var corridor: CorridorStateView

    private enum CodingKeys: String, CodingKey { case items, nextCursor, corridor }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encode(nextCursor, forKey: .nextCursor)
        try c.encode(corridor, forKey: .corridor)
    }
}

struct CorridorStateView: Encodable, Sendable {
    var name: String
    var paused: Bool
    var emergencyStop: Bool
    var windowOpen: Bool
    var windowClosesAt: Date?
    var nextOpening: Date?
    /// Crossings the safety checker saw start, and the most vehicles it ever saw on the span.
    var crossings: Int
    var mostOnSpan: Int
    var violations: Int
}

/// Advances the corridor every second and stores what changed, each state change in the
/// audit chain.
final class CorridorClock: LifecycleHandler, Sendable {
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)
    private let announce: @Sendable (String) -> Void

    init(announce: @escaping @Sendable (String) -> Void) { self.announce = announce }

    func didBootAsync(_ application: Application) async throws {
        guard let operations = application.smartGate.corridor else { return }
        let leases = application.smartGate.leases
        let announce = announce
        // The first second before the server answers: orders accepted before a restart are
        // back in dispatch when the first request arrives.
        var inCharge = false
        try await Self.tick(operations, application, inCharge: &inCharge, leases: leases, announce: announce)
        task.withLockedValue { [inCharge] in
            $0 = Task {
                var inCharge = inCharge
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    do {
                        try await Self.tick(operations, application, inCharge: &inCharge, leases: leases, announce: announce)
                    } catch {
                        application.logger.warning("corridor: \(String(describing: error)); tried again in a second")
                    }
                }
            }
        }
    }

    /// One second of the corridor on the instance in charge of it: on taking it over, a
    /// fresh controller gets every order that has not ended; then each second, the orders
    /// other instances stored since, and the changes to store.
    private static func tick(
        _ operations: CorridorOperations, _ application: Application, inCharge: inout Bool, leases: Leases,
        announce: @Sendable (String) -> Void
    ) async throws {
        guard leases.holds(.corridor) else {
            if inCharge { application.logger.notice("corridor: no longer in charge here; another instance runs it") }
            inCharge = false
            return
        }
        if !inCharge {
            await operations.restart()
            inCharge = true
        }
        for order in try await openOrders(on: application.db) { await operations.submit(order) }
        let (orders, said) = await operations.advance()
        said.forEach(announce)
        guard !orders.isEmpty else { return }
        do {
            try await store(orders, application)
        } catch let lost as LeaseLost {
            inCharge = false
            await leases.lost(.corridor, logger: application.logger)
            throw lost
        } catch {
            await operations.requeue(orders)
            throw error
        }
    }

    /// Orders accepted and not ended, with what they depended on and finished already
    /// taken off their dependencies.
    static func openOrders(on db: any Database) async throws -> [TransportOrder] {
        let open = try await CorridorOrderModel.query(on: db)
            .filter(\.$state !~ [TransportOrderState.finished.rawValue, TransportOrderState.failed.rawValue, TransportOrderState.withdrawn.rawValue])
            .sort(\.$createdMs).all()
        let openIDs = Set(open.compactMap { $0.id?.uuidString })
        let elsewhere = Set(open.flatMap(\.dependencyIDs)).subtracting(openIDs).compactMap(UUID.init(uuidString:))
        let finished = elsewhere.isEmpty ? [] : Set(try await CorridorOrderModel.query(on: db)
            .filter(\.$id ~~ elsewhere).filter(\.$state == TransportOrderState.finished.rawValue).all()
            .compactMap { $0.id?.uuidString })
        return open.map { model in
            var order = model.order
            order.dependsOn.removeAll { finished.contains($0) }
            return order
        }
    }

    func shutdownAsync(_ application: Application) async {
        let running = task.withLockedValue { $0 }
        running?.cancel()
        await running?.value
    }

    static func store(_ orders: [TransportOrder], _ application: Application) async throws {
        let context = application.smartGate
        let audit = context.audit
        let ids = orders.compactMap { UUID(uuidString: $0.id) }
        try await context.commits.perform { db in
            // Fenced: an instance that lost the corridor a moment ago stores nothing more.
            try await context.leases.confirm(.corridor, on: db)
            // One read for the whole batch, not one per order.
            let models = Dictionary(uniqueKeysWithValues: try await CorridorOrderModel.query(on: db).filter(\.$id ~~ ids).all()
                .compactMap { model in model.id.map { ($0.uuidString, model) } })
            for order in orders {
                guard let model = models[order.id], let id = model.id else { continue }
                let before = model.state
                model.update(from: order)
                try await model.save(on: db)
                if before != model.state {
                    try await audit.append(
                        actor: "system", action: "transport-order.\(model.state)", subject: AuditSubject.transportOrder(id).description,
                        payload: Data("\(model.state)\n\(model.vehicle ?? "")\n\(model.reason ?? "")".utf8), at: context.now, on: db)
                }
            }
        }
    }
}
