import Fluent
import Foundation
import GateKit

/// Inspected declarations as a training history: the trip and the declarant record the
/// score saw when the trip was declared, and what the inspection recorded. Trips never
/// inspected carry no outcome and are left out.
enum RecordedOutcomes {
    static func rows(on db: any Database) async throws -> [RiskHistoryRow] {
        let done = try await InspectionModel.query(on: db)
            .filter(\.$status == InspectionStatus.done.rawValue).sort(\.$decidedMs).sort(\.$id).all()
        var rows: [RiskHistoryRow] = []
        rows.reserveCapacity(done.count)
        // In slices: an IN list of thousands of ids is slow or refused by some databases.
        for start in stride(from: 0, to: done.count, by: 500) {
            let slice = done[start..<min(start + 500, done.count)]
            let declarations = try await DeclarationModel.query(on: db).filter(\.$id ~~ slice.map(\.declarationId)).all()
            let byId = Dictionary(declarations.compactMap { model in model.id.map { ($0, model) } }, uniquingKeysWith: { first, _ in first })
            for inspection in slice {
                guard let declaration = byId[inspection.declarationId], let outcome = inspection.outcome.flatMap(InspectionOutcome.init) else { continue }
                let history = DeclarantHistory(priorTrips: declaration.priorTrips ?? 0, priorDiscrepancies: declaration.priorDiscrepancies ?? 0)
                rows.append(RiskHistoryRow(
                    trip: inspection.declarationId.uuidString.lowercased(), riskCase: RiskCase(try declaration.trip(), history: history),
                    discrepancy: outcome.isDiscrepancy, pattern: "none"))
            }
        }
        return rows
    }
}
