/// The corridor's interlocking state: which vehicles hold each resource of the network (the
/// span, a lane block, a bay's stand) and in which direction, and which vehicle is headed to
/// each location. Kept apart from the vehicles so that its rules live in one place; the
/// controller decides what to take and when, this records it.
///
/// Vehicles, resources and locations are their indices in the controller's fleet and the
/// network (`CorridorNetwork.resources`, `.locations`).
struct BlockAllocator {
    /// The vehicles holding each resource, in the order they took it.
    private(set) var holders: [[Int]]
    /// The direction its holders travel each resource in (0: none given, as at a stand).
    private(set) var direction: [Int8]
    /// The vehicle headed to each location, if any.
    private(set) var reservedBy: [Int?]

    init(resources: Int, locations: Int) {
        holders = Array(repeating: [], count: resources)
        direction = Array(repeating: 0, count: resources)
        reservedBy = Array(repeating: nil, count: locations)
    }

    /// Records `v` holding `resource`. The resource's direction is the first holder's, or
    /// that of any holder that gives one (a convoy follows its leader's way).
    mutating func hold(_ resource: Int, by v: Int, direction: Int8) {
        if holders[resource].isEmpty || direction != 0 { self.direction[resource] = direction }
        holders[resource].append(v)
    }

    /// `v` no longer holds `resource`.
    mutating func release(_ resource: Int, by v: Int) {
        holders[resource].removeAll { $0 == v }
    }

    /// `v` is headed to `location`.
    mutating func reserve(_ location: Int, for v: Int) {
        reservedBy[location] = v
    }

    /// Gives up `v`'s reservation of `location`, if it has one.
    mutating func unreserve(_ location: Int?, by v: Int) {
        if let location, reservedBy[location] == v { reservedBy[location] = nil }
    }

    /// A location (whose stand is `resource`) is free for `v` when nobody else holds or
    /// has reserved it.
    func isFree(location: Int, resource: Int, for v: Int) -> Bool {
        (reservedBy[location] == nil || reservedBy[location] == v) && holders[resource].allSatisfy { $0 == v }
    }

    /// The locations `v` is headed to.
    func reservations(of v: Int) -> [Int] {
        reservedBy.indices.filter { reservedBy[$0] == v }
    }
}
