import Foundation

/// One thing wrong with a plant file, at a JSON path (`paths[3].to`).
public struct PlantIssue: Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { field.isEmpty ? message : "\(field): \(message)" }
}

/// A plant file that cannot be used, with every problem found in it.
public struct PlantError: Error, Sendable, CustomStringConvertible {
    public var issues: [PlantIssue]

    public init(_ issues: [PlantIssue]) { self.issues = issues }

    public var description: String {
        "corridor plant is invalid: " + issues.map(\.description).joined(separator: "; ")
    }
}

extension CorridorPlant {
    /// Decodes and validates a plant file, reporting every problem at once.
    public static func load(_ data: Data) throws(PlantError) -> CorridorPlant {
        let plant: CorridorPlant
        do {
            plant = try JSONDecoder().decode(CorridorPlant.self, from: data)
        } catch let error as DecodingError {
            throw PlantError([Self.issue(from: error)])
        } catch {
            throw PlantError([PlantIssue("", "not JSON: \(error)")])
        }
        let issues = plant.validate()
        if !issues.isEmpty { throw PlantError(issues) }
        return plant
    }

    /// Reads and validates the plant file at `url`.
    public static func load(contentsOf url: URL) throws(PlantError) -> CorridorPlant {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw PlantError([PlantIssue("", "cannot read \(url.path): \(error.localizedDescription)")])
        }
        return try load(data)
    }

    /// The Kim Thành–Bắc Sơn corridor shipped with SmartGate (geometry in docs/CORRIDOR.md).
    public static func kimThanh() -> CorridorPlant {
        guard let url = Bundle.module.url(forResource: "kim-thanh-corridor", withExtension: "json") else {
            fatalError("CorridorKit resource kim-thanh-corridor.json is missing from the bundle")
        }
        do { return try load(contentsOf: url) } catch {
            fatalError("the shipped corridor plant is invalid: \(error)")
        }
    }

    private static func issue(from error: DecodingError) -> PlantIssue {
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce(into: "") { text, key in
                if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return PlantIssue(parent.isEmpty ? key.stringValue : "\(parent).\(key.stringValue)", "required")
        case .typeMismatch(let type, let context):
            return PlantIssue(path(context.codingPath), "expected \(type)")
        case .valueNotFound(let type, let context):
            return PlantIssue(path(context.codingPath), "expected \(type), got null")
        case .dataCorrupted(let context):
            return PlantIssue(path(context.codingPath), context.debugDescription)
        @unknown default:
            return PlantIssue("", "\(error)")
        }
    }

    /// Every rule a usable plant keeps; empty when it keeps them all.
    public func validate() -> [PlantIssue] {
        var issues: [PlantIssue] = []
        func fail(_ field: String, _ message: String) { issues.append(PlantIssue(field, message)) }

        if format != Self.currentFormat { fail("format", "expected \(Self.currentFormat), got \(format)") }
        if name.trimmingCharacters(in: .whitespaces).isEmpty { fail("name", "empty") }
        if TimeZone(identifier: timeZone) == nil { fail("timeZone", "unknown time zone \(timeZone)") }

        var pointIDs = Set<String>()
        for (i, point) in points.enumerated() {
            if point.id.isEmpty { fail("points[\(i)].id", "empty") }
            if !pointIDs.insert(point.id).inserted { fail("points[\(i)].id", "duplicate point \(point.id)") }
        }
        var pathIDs = Set<String>()
        for (i, path) in paths.enumerated() {
            let at = "paths[\(i)]"
            if path.id.isEmpty { fail("\(at).id", "empty") }
            if !pathIDs.insert(path.id).inserted { fail("\(at).id", "duplicate path \(path.id)") }
            if !pointIDs.contains(path.from) { fail("\(at).from", "unknown point \(path.from)") }
            if !pointIDs.contains(path.to) { fail("\(at).to", "unknown point \(path.to)") }
            if path.from == path.to { fail("\(at).to", "a path joins two different points") }
            if !(path.length > 0 && path.length <= 50_000) { fail("\(at).length", "metres, greater than 0 and at most 50000") }
            if !(path.maxSpeedKmh > 0 && path.maxSpeedKmh <= 120) { fail("\(at).maxSpeedKmh", "greater than 0 and at most 120") }
        }

        var blockOfPath: [String: String] = [:]
        var blockIDs = Set<String>()
        for (i, block) in blocks.enumerated() {
            let at = "blocks[\(i)]"
            if !blockIDs.insert(block.id).inserted { fail("\(at).id", "duplicate block \(block.id)") }
            if block.paths.isEmpty { fail("\(at).paths", "a block has at least one path") }
            if block.kind == .singleVehicle, block.reverse != nil {
                fail("\(at).reverse", "a single-vehicle block lists all its paths in paths; reverse is for same-direction blocks")
            }
            for (j, id) in (block.paths + (block.reverse ?? [])).enumerated() {
                let field = j < block.paths.count ? "\(at).paths[\(j)]" : "\(at).reverse[\(j - block.paths.count)]"
                if !pathIDs.contains(id) { fail(field, "unknown path \(id)") }
                if let other = blockOfPath[id] { fail(field, "path \(id) is already in block \(other)") }
                blockOfPath[id] = block.id
            }
        }

        // A location is a dead-end spur: every path touching its point leads to one
        // neighbour, so a vehicle standing there is off every through route.
        var locationIDs = Set<String>()
        var locationPoints: [String: String] = [:]
        var groups: [String: (LocationKind, BorderSide)] = [:]
        for (i, location) in locations.enumerated() {
            let at = "locations[\(i)]"
            if !locationIDs.insert(location.id).inserted { fail("\(at).id", "duplicate location \(location.id)") }
            if blockIDs.contains(location.id) { fail("\(at).id", "\(location.id) is also a block id") }
            guard pointIDs.contains(location.point) else { fail("\(at).point", "unknown point \(location.point)"); continue }
            if let other = locationPoints[location.point] { fail("\(at).point", "point \(location.point) is already location \(other)") }
            locationPoints[location.point] = location.id
            let incoming = paths.filter { $0.to == location.point }
            let outgoing = paths.filter { $0.from == location.point }
            let neighbours = Set(incoming.map(\.from) + outgoing.map(\.to))
            if incoming.isEmpty || outgoing.isEmpty {
                fail("\(at).point", "a location needs a path in and a path out")
            } else if neighbours.count != 1 {
                fail("\(at).point", "\(location.kind.rawValue) \(location.id) is on a through route; a location is a dead-end spur off the yard road")
            }
            for path in incoming + outgoing {
                if let block = blockOfPath[path.id] {
                    fail("\(at).point", "the spur of \(location.id) is in block \(block); a location is its own one-vehicle resource")
                }
            }
            if let group = location.group {
                if group.isEmpty { fail("\(at).group", "empty") }
                if locationIDs.contains(group) || pointIDs.contains(group) { fail("\(at).group", "group \(group) clashes with a location or point id") }
                if let (kind, side) = groups[group], kind != location.kind || side != location.side {
                    fail("\(at).group", "group \(group) mixes kinds or sides")
                }
                groups[group] = (location.kind, location.side)
            }
        }

        if let span = blocks.first(where: { $0.id == bridge.block }) {
            if span.kind == .singleVehicle, bridge.maxVehicles != 1 {
                fail("bridge.maxVehicles", "the span is a single-vehicle block, so at most 1")
            }
        } else {
            fail("bridge.block", "unknown block \(bridge.block)")
        }
        if !(1...50).contains(bridge.maxVehicles) { fail("bridge.maxVehicles", "between 1 and 50") }
        if !(bridge.speedLimitKmh > 0 && bridge.speedLimitKmh <= 120) { fail("bridge.speedLimitKmh", "greater than 0 and at most 120") }

        issues += WindowCalendar.issues(in: windows)

        var fleetIDs = Set<String>()
        var homes: [String: String] = [:]
        for (i, shuttle) in fleet.enumerated() {
            let at = "fleet[\(i)]"
            if shuttle.id.isEmpty { fail("\(at).id", "empty") }
            if !fleetIDs.insert(shuttle.id).inserted { fail("\(at).id", "duplicate vehicle \(shuttle.id)") }
            for (name, value) in [("batteryKWh", shuttle.batteryKWh), ("emptyKWhPerKm", shuttle.emptyKWhPerKm),
                                  ("loadedKWhPerKm", shuttle.loadedKWhPerKm), ("chargeKW", shuttle.chargeKW),
                                  ("maxSpeedKmh", shuttle.maxSpeedKmh)] where !(value > 0 && value <= 10_000) {
                fail("\(at).\(name)", "greater than 0 and at most 10000")
            }
            if let home = locations.first(where: { $0.id == shuttle.home }) {
                if home.kind != .parking { fail("\(at).home", "\(shuttle.home) is a \(home.kind.rawValue), not parking") }
            } else {
                fail("\(at).home", "unknown location \(shuttle.home)")
            }
            if let other = homes[shuttle.home] { fail("\(at).home", "\(shuttle.home) is already home of \(other)") }
            homes[shuttle.home] = shuttle.id
        }
        if fleet.isEmpty { fail("fleet", "at least one vehicle") }

        let e = energy
        if !(0 < e.critical && e.critical < e.good && e.good <= e.sufficient && e.sufficient < e.full && e.full <= 1) {
            fail("energy", "need 0 < critical < good <= sufficient < full <= 1")
        }
        let o = operations
        for (name, value) in [("loadSeconds", o.loadSeconds), ("unloadSeconds", o.unloadSeconds),
                              ("reportEverySeconds", o.reportEverySeconds), ("silentAfterSeconds", o.silentAfterSeconds),
                              ("waitBoundSeconds", o.waitBoundSeconds)] where !(value > 0 && value <= 86_400) {
            fail("operations.\(name)", "seconds, greater than 0 and at most 86400")
        }
        if o.silentAfterSeconds <= o.reportEverySeconds {
            fail("operations.silentAfterSeconds", "must exceed reportEverySeconds, or every healthy vehicle would look silent")
        }
        if !(1...20).contains(o.maxSameDirectionInRow) { fail("operations.maxSameDirectionInRow", "between 1 and 20") }

        let parking = locations.filter { $0.kind == .parking }.count
        if parking < fleet.count {
            fail("locations", "\(parking) parking places for \(fleet.count) vehicles; each needs one so idle vehicles leave the bays and the span free")
        }
        for side in BorderSide.allCases where !locations.contains(where: { $0.kind == .handoverBay && $0.side == side }) {
            fail("locations", "no handover bay on the \(side.rawValue) side")
        }
        if !locations.contains(where: { $0.kind == .charger }) { fail("locations", "no charger") }

        // Every location must reach every other, or an order or a parking move could
        // never be routed.
        if issues.isEmpty, let first = locations.first {
            var adjacency: [String: [String]] = [:]
            var reverse: [String: [String]] = [:]
            for path in paths {
                adjacency[path.from, default: []].append(path.to)
                reverse[path.to, default: []].append(path.from)
            }
            func reach(_ graph: [String: [String]]) -> Set<String> {
                var seen: Set<String> = [first.point]
                var stack = [first.point]
                while let point = stack.popLast() {
                    for next in graph[point] ?? [] where seen.insert(next).inserted { stack.append(next) }
                }
                return seen
            }
            let forward = reach(adjacency), backward = reach(reverse)
            for (i, location) in locations.enumerated() where !forward.contains(location.point) || !backward.contains(location.point) {
                fail("locations[\(i)].point", "\(location.id) cannot be reached from \(first.id) and back")
            }
        }
        return issues
    }
}
