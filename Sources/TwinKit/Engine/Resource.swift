import Collections

/// Servers (lanes, officers, inspection bays) with a FIFO queue and a capacity that may
/// change with shifts and opening hours.
///
/// The resource grants and queues; the model schedules what follows. A capacity cut
/// never interrupts a service under way: the servers finish and are not replaced.
public struct Resource<Token> {
    public private(set) var capacity: Int
    public private(set) var busy = 0
    private var waiting = Deque<Token>()

    public init(capacity: Int) { self.capacity = capacity }

    public var queueLength: Int { waiting.count }

    /// Asks for a server: true when granted at once; otherwise `token` waits its turn.
    public mutating func request(_ token: Token) -> Bool {
        if busy < capacity {
            busy += 1
            return true
        }
        waiting.append(token)
        return false
    }

    /// Frees a server; returns the waiting token that gets it, if any.
    public mutating func release() -> Token? {
        busy -= 1
        guard busy < capacity, let next = waiting.popFirst() else { return nil }
        busy += 1
        return next
    }

    /// Changes the number of servers; returns the waiting tokens granted by an increase.
    public mutating func setCapacity(_ newCapacity: Int) -> [Token] {
        capacity = max(0, newCapacity)
        var granted: [Token] = []
        while busy < capacity, let next = waiting.popFirst() {
            busy += 1
            granted.append(next)
        }
        return granted
    }
}

/// A buffer of items (permits, containers) with takers that wait when it is empty.
public struct Store<Item, Token> {
    private var items = Deque<Item>()
    private var takers = Deque<Token>()

    public init() {}

    public var count: Int { items.count }
    public var waitingTakers: Int { takers.count }

    /// Adds an item; returns the waiting taker that gets it straight away, if any.
    public mutating func put(_ item: Item) -> (Token, Item)? {
        if let taker = takers.popFirst() { return (taker, item) }
        items.append(item)
        return nil
    }

    /// Takes an item now, or queues `token` for the next one.
    public mutating func take(_ token: Token) -> Item? {
        if let item = items.popFirst() { return item }
        takers.append(token)
        return nil
    }

    /// Drops the items not taken (a day's unused permits).
    public mutating func discardItems() { items.removeAll() }
}
