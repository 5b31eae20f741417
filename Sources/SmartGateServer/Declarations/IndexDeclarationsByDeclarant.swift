import Fluent
import SQLKit

/// Declarations by declarant: each new declaration's risk counts the declarant's earlier
/// ones, and without this index that count read the whole table (the link's benchmark
/// found it: 10,000 manifests from one exporter took 90 s to apply).
struct IndexDeclarationsByDeclarant: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await (database as! any SQLDatabase).create(index: "declarations_declarant_created").on(DeclarationModel.schema)
            .column("declarant_code").column("created_ms").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).drop(index: "declarations_declarant_created").run()
    }
}
