import Foundation

/// A resource a vehicle must hold to be somewhere: a declared block, or a location with its spur.
public struct PlantResource: Sendable {
    public enum Kind: Sendable, Equatable {
        case singleVehicle
        case sameDirection
        /// A location's spur and stopping point: one vehicle at a time.
        case location(Int)
    }
    public var id: String
    public var kind: Kind

    /// True when several vehicles going the same way may share it.
    public var admitsConvoys: Bool { kind == .sameDirection }
}

/// One resource a path (or a point) uses, and which way along it: +1 forward, -1 reverse,
/// 0 where direction does not matter.
public struct ResourceUse: Sendable, Hashable {
    public var resource: Int
    public var direction: Int8
}

/// The plant compiled for fast lookups: integer indices, resource table, travel times and
/// shortest routes. Immutable and shared by the controller, the vehicles and the checker.
public final class CorridorNetwork: Sendable {
    public struct Path: Sendable {
        public let id: String
        public let from: Int
        public let to: Int
        public let length: Double
        /// Metres per second, already capped by the bridge limit on the span.
        public let maxSpeed: Double
        public let onBridge: Bool
        public let uses: [ResourceUse]
    }

    public struct Location: Sendable {
        public let id: String
        public let kind: LocationKind
        public let side: BorderSide
        public let point: Int
        public let resource: Int
        public let group: String?
    }

    /// A route between two points: its points (first is the start) and the paths between them.
    public struct Route: Sendable, Equatable {
        public let points: [Int]
        public let paths: [Int]
        public let seconds: Double
    }

    public let plant: CorridorPlant
    public let pointIDs: [String]
    public let pointIndex: [String: Int]
    public let paths: [Path]
    public let pathIndex: [String: Int]
    public let resources: [PlantResource]
    /// Resources a vehicle standing at a point holds: those all of whose incident paths it belongs to.
    public let pointResources: [[ResourceUse]]
    public let locations: [Location]
    public let locationIndex: [String: Int]
    public let locationAtPoint: [Int?]
    public let groups: [String: [Int]]
    /// Each side's handover bays, in plant order.
    public let bays: [BorderSide: [Int]]
    /// Each side's bay group (one whose members are all that side's handover bays), if any.
    public let bayGroups: [BorderSide: String]
    public let bridgeResource: Int
    public let windows: WindowCalendar
    public let shuttles: [ShuttleSpec]
    public let shuttleIndex: [String: Int]
    private let outgoing: [[Int]]
    /// Shortest travel times and next hops per distinct vehicle speed.
    private let speedClasses: [Double]
    private let nextPath: [[Int]]
    private let travel: [[Double]]
    private let distance: [[Double]]
    private let pointSides: [BorderSide?]

    /// Compiles a validated plant (``CorridorPlant/load(_:)``).
    public init(_ plant: CorridorPlant, windows: WindowCalendar? = nil) {
        self.plant = plant
        pointIDs = plant.points.map(\.id)
        let pointIndex = Dictionary(uniqueKeysWithValues: plant.points.map(\.id).enumerated().map { ($1, $0) })
        self.pointIndex = pointIndex
        let pathIndex = Dictionary(uniqueKeysWithValues: plant.paths.enumerated().map { ($1.id, $0) })
        self.pathIndex = pathIndex

        var resources: [PlantResource] = []
        var uses = Array(repeating: [ResourceUse](), count: plant.paths.count)
        var bridgeResource = 0
        for block in plant.blocks {
            let index = resources.count
            resources.append(PlantResource(id: block.id, kind: block.kind == .singleVehicle ? .singleVehicle : .sameDirection))
            if block.id == plant.bridge.block { bridgeResource = index }
            let single = block.kind == .singleVehicle
            for id in block.paths { uses[pathIndex[id]!].append(ResourceUse(resource: index, direction: single ? 0 : 1)) }
            for id in block.reverse ?? [] { uses[pathIndex[id]!].append(ResourceUse(resource: index, direction: -1)) }
        }
        self.bridgeResource = bridgeResource
        var locations: [Location] = []
        var locationAtPoint = [Int?](repeating: nil, count: plant.points.count)
        var groups: [String: [Int]] = [:]
        for location in plant.locations {
            let point = pointIndex[location.point]!
            let resource = resources.count
            resources.append(PlantResource(id: location.id, kind: .location(locations.count)))
            for (i, path) in plant.paths.enumerated() where path.from == location.point || path.to == location.point {
                uses[i].append(ResourceUse(resource: resource, direction: 0))
            }
            locationAtPoint[point] = locations.count
            if let group = location.group { groups[group, default: []].append(locations.count) }
            locations.append(Location(id: location.id, kind: location.kind, side: location.side, point: point,
                                      resource: resource, group: location.group))
        }
        self.resources = resources
        self.locations = locations
        self.locationAtPoint = locationAtPoint
        self.groups = groups
        locationIndex = Dictionary(uniqueKeysWithValues: locations.enumerated().map { ($1.id, $0) })
        var bays: [BorderSide: [Int]] = [:]
        var bayGroups: [BorderSide: String] = [:]
        for side in BorderSide.allCases {
            bays[side] = locations.indices.filter { locations[$0].kind == .handoverBay && locations[$0].side == side }
            bayGroups[side] = groups.keys.sorted().first { name in
                groups[name]!.allSatisfy { locations[$0].kind == .handoverBay && locations[$0].side == side }
            }
        }
        self.bays = bays
        self.bayGroups = bayGroups

        let bridgePaths = Set(plant.blocks.first { $0.id == plant.bridge.block }.map { $0.paths + ($0.reverse ?? []) } ?? [])
        paths = plant.paths.enumerated().map { i, path in
            let onBridge = bridgePaths.contains(path.id)
            var speed = path.maxSpeedKmh
            if onBridge { speed = min(speed, plant.bridge.speedLimitKmh) }
            return Path(id: path.id, from: pointIndex[path.from]!, to: pointIndex[path.to]!, length: path.length,
                        maxSpeed: speed / 3.6, onBridge: onBridge, uses: uses[i])
        }
        var outgoing = Array(repeating: [Int](), count: plant.points.count)
        var incident = Array(repeating: [Int](), count: plant.points.count)
        for (i, path) in paths.enumerated() {
            outgoing[path.from].append(i)
            incident[path.from].append(i)
            incident[path.to].append(i)
        }
        self.outgoing = outgoing
        let paths = self.paths
        pointResources = incident.map { list in
            guard let first = list.first else { return [] }
            return paths[first].uses.filter { use in
                list.allSatisfy { paths[$0].uses.contains { $0.resource == use.resource } }
            }.map { ResourceUse(resource: $0.resource, direction: 0) }
        }
        self.windows = windows ?? WindowCalendar(plant.windows, timeZone: TimeZone(identifier: plant.timeZone) ?? .gmt)
        shuttles = plant.fleet
        shuttleIndex = Dictionary(uniqueKeysWithValues: plant.fleet.enumerated().map { ($1.id, $0) })

        speedClasses = Array(Set(plant.fleet.map(\.maxSpeedKmh))).sorted()
        var nextPath: [[Int]] = []
        var travel: [[Double]] = []
        var distance: [[Double]] = []
        let n = plant.points.count
        for kmh in speedClasses {
            var next = [Int](repeating: -1, count: n * n)
            var time = [Double](repeating: .infinity, count: n * n)
            var metres = [Double](repeating: .infinity, count: n * n)
            // Dijkstra towards each target over reversed paths, so next hops point forward.
            var incoming = Array(repeating: [Int](), count: n)
            for (i, path) in paths.enumerated() { incoming[path.to].append(i) }
            for target in 0..<n {
                var done = [Bool](repeating: false, count: n)
                time[target * n + target] = 0
                metres[target * n + target] = 0
                for _ in 0..<n {
                    var best = -1
                    for point in 0..<n where !done[point] && time[point * n + target] < .infinity {
                        if best < 0 || time[point * n + target] < time[best * n + target] { best = point }
                    }
                    if best < 0 { break }
                    done[best] = true
                    for p in incoming[best] {
                        let path = paths[p]
                        let cost = time[best * n + target] + path.length / min(path.maxSpeed, kmh / 3.6)
                        if cost < time[path.from * n + target] {
                            time[path.from * n + target] = cost
                            metres[path.from * n + target] = metres[best * n + target] + path.length
                            next[path.from * n + target] = p
                        }
                    }
                }
            }
            nextPath.append(next)
            travel.append(time)
            distance.append(metres)
        }
        self.nextPath = nextPath
        self.travel = travel
        self.distance = distance
        // A point's side: the side of the locations it reaches without crossing the span.
        var sides = [BorderSide?](repeating: nil, count: n)
        var neighbours = Array(repeating: [Int](), count: n)
        for path in paths where !path.onBridge {
            neighbours[path.from].append(path.to)
            neighbours[path.to].append(path.from)
        }
        for location in locations where sides[location.point] == nil {
            var stack = [location.point]
            sides[location.point] = location.side
            while let point = stack.popLast() {
                for next in neighbours[point] where sides[next] == nil {
                    sides[next] = location.side
                    stack.append(next)
                }
            }
        }
        pointSides = sides
    }

    /// Seconds a vehicle with top speed `kmh` takes along a path.
    public func seconds(along path: Int, kmh: Double) -> Double {
        paths[path].length / min(paths[path].maxSpeed, kmh / 3.6)
    }

    /// Shortest travel time between two points, or infinity.
    public func travelSeconds(from: Int, to: Int, kmh: Double) -> Double {
        travel[speedClass(kmh)][from * pointIDs.count + to]
    }

    /// Metres along the fastest route between two points, or infinity.
    public func metres(from: Int, to: Int, kmh: Double) -> Double {
        distance[speedClass(kmh)][from * pointIDs.count + to]
    }

    /// The fastest route between two points, or nil when there is none.
    public func route(from: Int, to: Int, kmh: Double) -> Route? {
        let speed = speedClass(kmh)
        let n = pointIDs.count
        guard travel[speed][from * n + to] < .infinity else { return nil }
        var points = [from]
        var pathList: [Int] = []
        var at = from
        while at != to {
            let p = nextPath[speed][at * n + to]
            pathList.append(p)
            at = paths[p].to
            points.append(at)
        }
        return Route(points: points, paths: pathList, seconds: travel[speed][from * n + to])
    }

    private func speedClass(_ kmh: Double) -> Int {
        speedClasses.firstIndex(of: kmh) ?? speedClasses.indices.min { abs(speedClasses[$0] - kmh) < abs(speedClasses[$1] - kmh) }!
    }

    /// The side a point belongs to: that of the locations it reaches without crossing the span.
    public func side(ofPoint point: Int) -> BorderSide? { pointSides[point] }

    /// Seconds to cross the span, from the first bridge path of `route` to the end of the last.
    public func bridgeSeconds(on paths: ArraySlice<Int>, kmh: Double) -> Double {
        paths.reduce(0) { self.paths[$1].onBridge ? $0 + seconds(along: $1, kmh: kmh) : $0 }
    }
}
