import Vapor

/// `GET /api/v1/gates`: the seeded Lào Cai gates with their lanes.
enum GatesController {
    @Sendable static func list(_ request: Request) async throws -> Response {
        let snapshot = try await request.application.smartGate.gates.snapshot(on: request.db)
        return try WireJSON.response(Page(items: snapshot.gates, nextCursor: nil))
    }
}
