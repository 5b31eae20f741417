import Fluent
import SQLKit

/// One decision per passage, held by the database itself: the writer's turn serialises
/// the instances, and this index would refuse a second decision should anything ever get
/// past it (two processes sharing a lane's cache by mistake).
struct IndexDecisionsByPassage: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await (database as! any SQLDatabase).create(index: "lane_decisions_passage").unique()
            .on(LaneDecisionModel.schema).column("passage_id").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).drop(index: "lane_decisions_passage").run()
    }
}
