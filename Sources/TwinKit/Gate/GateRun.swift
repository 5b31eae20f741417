import Foundation
import GateKit

/// Which gate the twin runs: today's, or SmartGate's.
public enum GateMode: String, Sendable, CaseIterable, Codable {
    /// Paper at a booth, manual checks, officers' judgement, transshipment at the border yard.
    case traditional
    /// Pre-arrival declarations, risk channels, lanes that decide, slots, shuttles.
    case smart
}

/// One replication of one mode at one demand: the gate's processes on an event calendar.
///
/// A truck arrives (smart: in its booked slot), queues for a lane of its direction, is
/// checked (booth, or the lane decision engine and an officer for a referral), inspected
/// if chosen, waits for the other side's daily acceptance when exporting, and leaves
/// Vietnam by transshipment at the border yard or, in smart mode, by shuttle.
final class GateRun {
    enum Event {
        case arrival
        case reach(Int)
        case laneDone(Int)
        case officerDone(Int)
        case inspectionDone(Int)
        case transshipDone(Int)
        case opening(Bool)
        case midnight
        case corridorPoll
    }

    struct Truck {
        var export: Bool
        var shuttle: Bool
        var channel: Channel
        /// When it reached the gate (smart: in its slot).
        var arrived: Double
        /// When it wanted to come: a truck waiting for a later slot is still demand not served.
        var wanted: Double
        var handedOver: Double?
        var corridorSeconds = 0.0
        var yardSince: Double?
        var yardSeconds = 0.0
        var usedYard = false
        var transshipped = false
        var done: Double?
        /// When it began waiting for the resource it now waits for.
        var waitSince: Double?
    }

    let scenario: Scenario
    let mode: GateMode
    private let arrivals: HourlyArrivals
    private var calendar = EventCalendar<Event>()
    private var streams: [String: RandomStream] = [:]
    private let seed: UInt64
    private let replication: Int
    private let risk: RiskChannels?
    private let lanes: LaneTrials?
    private let corridor: ShuttleCorridor?
    private var trucks: [Truck] = []
    private var exportLanes: Resource<Int>
    private var importLanes: Resource<Int>
    private var officers: Resource<Int>
    private var inspection: Resource<Int>
    private var permits = Store<Void, Int>()
    private var slots: TwinSlots
    var queue: HourlyLevel
    var yard: HourlyLevel
    private(set) var outcomes: [DecisionOutcome: Int] = [:]
    private(set) var inspected = 0
    private(set) var slotShiftSeconds = Tally()
    /// Seconds waited for each resource, summed over all trucks, by the lever that adds to it.
    private(set) var waited: [String: Double] = [:]
    let horizon: Double
    let warmup: Double

    init(scenario: Scenario, mode: GateMode, demandPerDay: Double, seed: UInt64, replication: Int,
         risk: RiskChannels?, lanes: LaneTrials?) throws {
        self.scenario = scenario
        self.mode = mode
        self.seed = seed
        self.replication = replication
        self.risk = risk
        self.lanes = lanes
        arrivals = HourlyArrivals(perDay: demandPerDay, weights: scenario.arrivalWeights)
        horizon = Double(scenario.days) * 86_400
        warmup = Double(min(scenario.warmupDays, scenario.days - 1)) * 86_400
        exportLanes = Resource(capacity: 0)
        importLanes = Resource(capacity: 0)
        officers = Resource(capacity: 0)
        inspection = Resource(capacity: 0)
        slots = TwinSlots(scenario: scenario, base: scenario.simulationStart)
        queue = HourlyLevel(start: 0)
        yard = HourlyLevel(start: 0)
        let usesShuttles = mode == .smart && scenario.shuttles > 0 && scenario.shuttleShare > 0
        corridor = usesShuttles ? try ShuttleCorridor(scenario: scenario, base: scenario.simulationStart) : nil
    }

    /// The named stream of this replication: the same name draws the same numbers in both
    /// modes (common random numbers for arrivals, directions, channels and service times).
    private func draw<T>(_ name: String, _ body: (inout RandomStream) -> T) -> T {
        var stream = streams[name] ?? RandomStream(seed: seed, name: "\(name).\(replication)")
        defer { streams[name] = stream }
        return body(&stream)
    }

    private var hours: DailyHours { mode == .smart ? scenario.smartHours : scenario.traditionalHours }

    /// Runs to the horizon.
    func run() {
        if hours.alwaysOpen { open(true) } else {
            for day in 0..<scenario.days {
                calendar.schedule(.opening(true), at: Double(day) * 86_400 + hours.opens)
                calendar.schedule(.opening(false), at: Double(day) * 86_400 + hours.closes)
            }
        }
        if scenario.acceptancePerDay != nil { calendar.schedule(.midnight, at: 0) }
        if corridor != nil { calendar.schedule(.corridorPoll, at: 60) }
        if let first = draw("arrivals", { arrivals.next(after: 0, &$0) }) { calendar.schedule(.arrival, at: first) }
        while let event = calendar.next(notAfter: horizon) { handle(event) }
    }

    var events: Int { calendar.handled }
    var allTrucks: [Truck] { trucks }

    private func handle(_ event: Event) {
        let now = calendar.now
        switch event {
        case .arrival:
            arrive(at: now)
            if let next = draw("arrivals", { arrivals.next(after: now, &$0) }) { calendar.schedule(.arrival, at: next) }
        case .reach(let i): reach(i)
        case .laneDone(let i): laneDone(i)
        case .officerDone(let i):
            if let next = officers.release() { startOfficer(next) }
            afterOfficer(i)
        case .inspectionDone(let i):
            if let next = inspection.release() { startInspection(next) }
            cleared(i)
        case .transshipDone(let i):
            leaveYard(i)
            finish(i)
        case .opening(let isOpen): open(isOpen)
        case .midnight: refillPermits()
        case .corridorPoll: pollCorridor()
        }
    }

    // MARK: arrival and slots

    private func arrive(at now: Double) {
        let export = draw("direction") { $0.chance(scenario.exportShare) }
        let shuttleUser = draw("shuttle-user") { $0.chance(scenario.shuttleShare) }
        let channel = risk.map { r in draw("channel") { r.draw(&$0) } } ?? .green
        let index = trucks.count
        trucks.append(Truck(export: export, shuttle: corridor != nil && shuttleUser, channel: channel, arrived: now, wanted: now))
        guard mode == .smart, !(trucks[index].shuttle && !export) else {
            // Traditional trucks come when they come; a shuttle import starts on the far side.
            calendar.schedule(.reach(index), at: now)
            return
        }
        // Exports are fresh fruit (HS 08), which the calendar's reserve is kept for.
        let slot = slots.book(wanted: now, export: export, priority: export)
        let at = slot.start <= now ? now : slot.start + draw("slot-arrival") { $0.uniform() } * (slot.end - slot.start)
        slotShiftSeconds.add(at - now)
        trucks[index].arrived = at
        calendar.schedule(.reach(index), at: at)
    }

    /// A shuttle user whose container would wait behind a full corridor goes by truck instead.
    private func corridorTakes(_ i: Int) -> Bool {
        guard trucks[i].shuttle, let corridor else { return false }
        if corridor.waiting < scenario.corridorMaxWaiting { return true }
        trucks[i].shuttle = false
        return false
    }

    private func reach(_ i: Int) {
        if !trucks[i].export, corridorTakes(i) {
            corridor!.submit(truck: i, export: false, at: calendar.now)
            trucks[i].handedOver = calendar.now
            return
        }
        toLane(i)
    }

    // MARK: lanes, officers, inspection

    private func startWaiting(_ i: Int) { trucks[i].waitSince = calendar.now }

    private func stopWaiting(_ i: Int, for lever: String) {
        guard let since = trucks[i].waitSince else { return }
        waited[lever, default: 0] += calendar.now - since
        trucks[i].waitSince = nil
    }

    private func laneLever(_ i: Int) -> String { trucks[i].export ? "lanes.export" : "lanes.import" }

    private func toLane(_ i: Int) {
        let granted = trucks[i].export ? exportLanes.request(i) : importLanes.request(i)
        if granted { startLane(i) } else {
            startWaiting(i)
            queue.add(1, at: calendar.now)
            if mode == .smart { enterYard(i) }
        }
    }

    /// A truck that waited for a lane gets one: off the queue and, in smart mode, out of the yard.
    private func startQueued(_ i: Int) {
        queue.add(-1, at: calendar.now)
        if mode == .smart { leaveYard(i) }
        startLane(i)
    }

    private func startLane(_ i: Int) {
        stopWaiting(i, for: laneLever(i))
        let seconds = draw("lane") { (mode == .smart ? scenario.smartLaneSeconds : scenario.traditionalLaneSeconds).sample(&$0) }
        calendar.schedule(.laneDone(i), after: seconds)
    }

    private func laneDone(_ i: Int) {
        if let next = trucks[i].export ? exportLanes.release() : importLanes.release() { startQueued(next) }
        switch mode {
        case .traditional:
            if draw("judgement", { $0.chance(scenario.traditionalInspectionShare) }) { toInspection(i) } else { cleared(i) }
        case .smart:
            let truck = trucks[i]
            let outcome = draw("devices") { lanes!.decide(export: truck.export, serial: i, channel: truck.channel, scenario: scenario, &$0) }
            outcomes[outcome, default: 0] += 1
            if outcome == .release { cleared(i) } else if officers.request(i) { startOfficer(i) } else { startWaiting(i) }
        }
    }

    private func startOfficer(_ i: Int) {
        stopWaiting(i, for: "smart.officers")
        calendar.schedule(.officerDone(i), after: draw("officer") { scenario.officerMinutes.sample(&$0) } * 60)
    }

    private func afterOfficer(_ i: Int) {
        if trucks[i].channel == .red { toInspection(i) } else { cleared(i) }
    }

    private func toInspection(_ i: Int) {
        inspected += 1
        if inspection.request(i) { startInspection(i) } else { startWaiting(i) }
    }

    private func startInspection(_ i: Int) {
        stopWaiting(i, for: "inspection.teams")
        calendar.schedule(.inspectionDone(i), after: draw("inspection") { scenario.inspectionMinutes.sample(&$0) } * 60)
    }

    private func open(_ isOpen: Bool) {
        for i in exportLanes.setCapacity(isOpen ? scenario.exportLanes : 0) { startQueued(i) }
        for i in importLanes.setCapacity(isOpen ? scenario.importLanes : 0) { startQueued(i) }
        for i in officers.setCapacity(isOpen ? scenario.officers : 0) { startOfficer(i) }
        for i in inspection.setCapacity(isOpen ? scenario.inspectionTeams : 0) { startInspection(i) }
    }

    // MARK: leaving Vietnam

    private func cleared(_ i: Int) {
        guard trucks[i].export, scenario.acceptancePerDay != nil else { return depart(i) }
        if permits.take(i) == nil {
            startWaiting(i)
            enterYard(i)
        } else {
            depart(i)
        }
    }

    private func refillPermits() {
        permits.discardItems()
        for _ in 0..<(scenario.acceptancePerDay ?? 0) {
            if let (i, _) = permits.put(()) {
                stopWaiting(i, for: "acceptance.exportsPerDay")
                leaveYard(i)
                depart(i)
            }
        }
        calendar.schedule(.midnight, after: 86_400)
    }

    private func depart(_ i: Int) {
        // An import that came over by shuttle has passed its lane: it is through.
        if trucks[i].handedOver != nil, !trucks[i].export { return finish(i) }
        if trucks[i].export, corridorTakes(i) {
            corridor!.submit(truck: i, export: true, at: calendar.now)
            trucks[i].handedOver = calendar.now
            return
        }
        trucks[i].transshipped = true
        enterYard(i)
        calendar.schedule(.transshipDone(i), after: draw("transshipment") { scenario.transshipmentHours.sample(&$0) } * 3_600)
    }

    private func pollCorridor() {
        for (i, at, delivered) in corridor!.advance(to: calendar.now) {
            trucks[i].corridorSeconds = at - (trucks[i].handedOver ?? at)
            if !delivered {
                // The corridor failed the order: the container goes the old way.
                trucks[i].shuttle = false
                trucks[i].handedOver = nil
                if trucks[i].export { depart(i) } else { toLane(i) }
            } else if trucks[i].export {
                finish(i, at: at)
            } else {
                toLane(i)
            }
        }
        calendar.schedule(.corridorPoll, after: 60)
    }

    private func finish(_ i: Int, at time: Double? = nil) {
        trucks[i].done = time ?? calendar.now
    }

    private func enterYard(_ i: Int) {
        guard trucks[i].yardSince == nil else { return }
        trucks[i].yardSince = calendar.now
        trucks[i].usedYard = true
        yard.add(1, at: calendar.now)
    }

    private func leaveYard(_ i: Int) {
        guard let since = trucks[i].yardSince else { return }
        trucks[i].yardSeconds += calendar.now - since
        trucks[i].yardSince = nil
        yard.add(-1, at: calendar.now)
    }

    var corridorEnergyKWh: Double { corridor?.energyKWh ?? 0 }
    var corridorViolations: Int { corridor?.violations ?? 0 }
}
