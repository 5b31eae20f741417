import Foundation

/// Order ids in creation order, with O(1) membership and cheap removal.
struct OrderedIDs: Sequence {
    private var ids: [String] = []
    private var present: Set<String> = []
    private var removed = 0

    var isEmpty: Bool { present.isEmpty }
    var count: Int { present.count }

    mutating func append(_ id: String) {
        guard present.insert(id).inserted else { return }
        dropStaleCopies(of: id)
        ids.append(id)
    }

    /// An id removed and added again (an order handed back to dispatch) may still have its
    /// old, skipped copy in `ids`: left there, the id would be visited twice and its order
    /// dispatched to two vehicles.
    private mutating func dropStaleCopies(of id: String) {
        guard removed > 0 else { return }
        let before = ids.count
        ids.removeAll { $0 == id }
        removed -= before - ids.count
    }

    /// Inserts keeping creation order (orders may arrive back in dispatch after a failure).
    mutating func insert(_ id: String, createdAt: Date, in orders: [String: TransportOrder]) {
        guard present.insert(id).inserted else { return }
        dropStaleCopies(of: id)
        if let last = ids.last(where: present.contains), let lastOrder = orders[last], lastOrder.createdAt > createdAt {
            let at = ids.firstIndex { present.contains($0) && (orders[$0]?.createdAt ?? .distantPast) > createdAt } ?? ids.count
            ids.insert(id, at: at)
        } else {
            ids.append(id)
        }
    }

    mutating func remove(_ id: String) {
        guard present.remove(id) != nil else { return }
        removed += 1
        // Compact now and then so iteration stays proportional to what is present.
        if removed > 64 && removed > ids.count / 2 {
            ids.removeAll { !present.contains($0) }
            removed = 0
        }
    }

    func makeIterator() -> IndexingIterator<[String]> {
        (removed == 0 ? ids : ids.filter(present.contains)).makeIterator()
    }

    /// Visits present ids in order until `body` returns false, without copying.
    func visit(_ body: (String) -> Bool) {
        for id in ids where present.contains(id) {
            if !body(id) { return }
        }
    }
}
