import Vapor

/// `GET /api/v1/gates`: the seeded Lào Cai gates with their lanes, by id.
enum GatesController {
    @Sendable static func list(_ request: Request) async throws -> Response {
        let page = try PageRequest(request)
        let snapshot = try await request.application.smartGate.gates.snapshot(on: request.db)
        var gates = snapshot.gates  // sorted by id
        if let after = page.after {
            guard after.count == 1 else {
                throw PageRequest.foreignCursor
            }
            gates = gates.filter { $0.id > after[0] }
        }
        let shown = Array(gates.prefix(page.limit))
        let next = gates.count > page.limit ? shown.last.map { PageRequest.encode([$0.id]) } : nil
        return try WireJSON.response(Page(items: shown, nextCursor: next))
    }
}
