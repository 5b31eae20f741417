import Collections

/// The future events of a simulation, earliest first; events at the same time come out in
/// the order they were scheduled, so a run is the same on every machine.
///
/// A binary heap (swift-collections' `Heap`) of small entries: the event itself is a
/// value the model defines (usually an enum), so scheduling allocates nothing.
public struct EventCalendar<Event> {
    struct Entry: Comparable {
        var time: Double
        var sequence: UInt64
        var event: Event
        static func < (a: Entry, b: Entry) -> Bool { a.time < b.time || (a.time == b.time && a.sequence < b.sequence) }
        static func == (a: Entry, b: Entry) -> Bool { a.time == b.time && a.sequence == b.sequence }
    }

    private var heap = Heap<Entry>()
    private var sequence: UInt64 = 0
    /// The time of the event last taken out.
    public private(set) var now: Double
    /// How many events have been taken out.
    public private(set) var handled = 0

    public init(start: Double = 0) { now = start }

    /// Schedules `event` at `time` (never before now).
    public mutating func schedule(_ event: Event, at time: Double) {
        sequence &+= 1
        heap.insert(Entry(time: Swift.max(time, now), sequence: sequence, event: event))
    }

    /// Schedules `event` `delay` after now.
    public mutating func schedule(_ event: Event, after delay: Double) {
        schedule(event, at: now + delay)
    }

    /// The time of the next event, if any.
    public var nextTime: Double? { heap.min?.time }
    public var isEmpty: Bool { heap.isEmpty }
    public var pending: Int { heap.count }

    /// Takes out the next event and moves the clock to it.
    public mutating func next() -> Event? {
        guard let entry = heap.popMin() else { return nil }
        now = entry.time
        handled += 1
        return entry.event
    }

    /// Takes out the next event if it falls at or before `limit`.
    public mutating func next(notAfter limit: Double) -> Event? {
        guard let time = heap.min?.time, time <= limit else { return nil }
        return next()
    }
}
