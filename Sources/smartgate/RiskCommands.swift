import ArgumentParser
import Foundation
import GateKit
import SmartGateServer

/// `smartgate risk …`: the model's lifecycle, from a synthetic history to an evaluated model file.
struct Risk: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a risk history, train and evaluate the risk model.",
        subcommands: [Generate.self, Train.self, Evaluate.self, Features.self, Draw.self])

    /// Where a history comes from: a CSV file, or the outcomes recorded in the database.
    struct HistorySource: ParsableArguments {
        @Option(help: "History CSV (from `risk generate`).") var input: String?
        @Flag(help: "Use the inspections recorded in the database instead (--database, or $DATABASE_URL).") var fromDatabase = false
        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            guard (input == nil) == fromDatabase else { throw ValidationError("give either --input FILE or --from-database") }
        }

        var name: String { input ?? "the recorded inspections" }

        func rows() async throws -> [RiskHistoryRow] {
            if let input { return try readHistory(input) }
            bootstrapLogging()
            return try await SmartGateHost.recordedOutcomes(try database.hostOptions())
        }
    }

    /// Which rows of a history a command uses: all, the older part (train) or the newest part (test).
    struct Split: ParsableArguments {
        @Option(help: "Hold out the newest share of trips (0 < x < 1): train uses the rest, evaluate uses only them.")
        var holdout: Double?

        func validate() throws {
            if let holdout, !(holdout > 0 && holdout < 1) { throw ValidationError("--holdout must be between 0 and 1, not \(holdout)") }
        }

        func rows(_ all: [RiskHistoryRow], testPart: Bool) -> [RiskHistoryRow] {
            guard let holdout else { return all }
            let cut = all.count - Int((Double(all.count) * holdout).rounded())
            return testPart ? Array(all[cut...]) : Array(all[..<cut])
        }
    }

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a synthetic history of inspected trips with planted patterns (docs/RISK-HISTORY.md).")

        @Option(help: "Number of trips (1 to 10,000,000).") var count: Int
        @Option(help: "Seed: the same seed writes the same file.") var seed: UInt64 = 1
        @Option(help: "CSV file to write.") var output: String

        func validate() throws {
            guard (1...10_000_000).contains(count) else { throw ValidationError("--count must be between 1 and 10000000, not \(count)") }
        }

        func run() throws {
            let rows = SyntheticRiskHistory(count: count, seed: seed).rows()
            try write(Data(RiskHistoryCSV.write(rows).utf8), to: output)
            let truth = rows.filter { $0.pattern != "none" }.count
            let recorded = rows.filter(\.discrepancy).count
            print(String(
                format: "wrote %d trips to %@: true discrepancy rate %.2f %%, recorded %.2f %% (seed %llu)",
                rows.count, output, 100 * Double(truth) / Double(rows.count), 100 * Double(recorded) / Double(rows.count), seed))
        }
    }

    struct Train: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Train a model from a history file and write the model file.")

        @OptionGroup var source: HistorySource
        @Option(help: "Model file to write.") var output: String
        @Option(help: "boosted-trees or logistic.") var kind: String = RiskModelKind.boostedTrees.rawValue
        @Option(help: "Share of trips the thresholds send to yellow or red.") var inspectionRate = 0.08
        @Option(help: "Share of trips the thresholds send to red.") var redRate = 0.02
        @Option(help: "Boosting rounds (trees).") var rounds = 200
        @Option(help: "Depth of each tree.") var depth = 4
        @OptionGroup var split: Split

        func validate() throws {
            guard RiskModelKind(rawValue: kind) != nil else { throw ValidationError("--kind must be boosted-trees or logistic, not \(kind)") }
            guard (1...5000).contains(rounds), (1...12).contains(depth) else { throw ValidationError("--rounds must be 1–5000 and --depth 1–12") }
        }

        func run() async throws {
            let rows = split.rows(try await source.rows(), testPart: false)
            guard !rows.isEmpty else { throw ValidationError("\(source.name): no trips to train on") }
            var settings = BoostedRiskTrees.Settings()
            settings.rounds = rounds
            settings.maxDepth = depth
            let started = Date()
            let model = try RiskModel.train(
                cases: rows.map(\.riskCase), labels: rows.map(\.discrepancy), kind: RiskModelKind(rawValue: kind)!,
                inspectionRate: inspectionRate, redRate: redRate, trees: settings, at: started)
            let seconds = Date().timeIntervalSince(started)
            try write(try model.encoded(), to: output)
            print(String(format: "trained %@ on %d trips in %.2f s: wrote %@", model.version, rows.count, seconds, output))
        }
    }

    struct Evaluate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print AUC, precision at the inspection rate against random sampling, and the confusion at the thresholds.")

        @Option(help: "Model file.") var model: String
        @OptionGroup var source: HistorySource
        @OptionGroup var split: Split

        func run() async throws {
            let loaded = try readModel(model)
            let rows = split.rows(try await source.rows(), testPart: true)
            guard !rows.isEmpty else { throw ValidationError("\(source.name): no trips to evaluate") }
            for line in RiskEvaluation(model: loaded, rows: rows).report(model: loaded) { print(line) }
        }
    }

    struct Features: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the feature matrix a model sees (for comparisons with other learners), or describe the features.")

        @Option(help: "Model file whose norms the features are computed against.") var model: String?
        @Option(help: "History CSV.") var input: String?
        @Option(help: "CSV file to write: one column per feature, then `discrepancy`.") var output: String?
        @Flag(help: "Print each feature's meaning instead.") var describe = false
        @OptionGroup var split: Split
        @Flag(help: "With --holdout: the held-out (newest) trips instead of the training part.") var test = false

        func run() throws {
            if describe {
                for name in RiskFeatures.names { print("\(name)\t\(RiskFeatures.meanings[name] ?? "")") }
                return
            }
            guard let model, let input, let output else { throw ValidationError("--model, --input and --output are required (or --describe)") }
            let loaded = try readModel(model)
            let rows = split.rows(try readHistory(input), testPart: test)
            var text = (RiskFeatures.names + ["discrepancy"]).joined(separator: ",") + "\n"
            for row in rows {
                let values = RiskFeatures.extract(row.riskCase, norms: loaded.norms).map { String($0) }
                text += (values + [row.discrepancy ? "1" : "0"]).joined(separator: ",") + "\n"
            }
            try write(Data(text.utf8), to: output)
            print("wrote \(rows.count) rows × \(RiskFeatures.names.count) features to \(output)")
        }
    }

    struct Draw: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute a declaration's random-sampling draw with this server's secret (for auditors).")

        @Option(help: "Declaration id.") var declaration: String
        @Option(help: "A sampling rule's rate, to say whether the draw falls under it.") var rate: Double?
        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            guard UUID(uuidString: declaration) != nil else { throw ValidationError("--declaration must be a UUID, not \(declaration)") }
            if let rate, !(rate > 0 && rate <= 1) { throw ValidationError("--rate must be in (0, 1], not \(rate)") }
        }

        func run() throws {
            let draw = try SmartGateHost.samplingDraw(try database.hostOptions().settings, declaration: UUID(uuidString: declaration)!)
            var line = "declaration \(declaration.lowercased()) draw " + String(format: "%.6f", draw)
            if let rate { line += draw < rate ? " < \(rate): sampled" : " ≥ \(rate): not sampled" }
            print(line)
        }
    }
}

private func readHistory(_ path: String) throws -> [RiskHistoryRow] {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw ValidationError("cannot read \(path)") }
    do { return try RiskHistoryCSV.read(String(decoding: data, as: UTF8.self)) } catch { throw ValidationError("\(path): \(error)") }
}

private func readModel(_ path: String) throws -> RiskModel {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw ValidationError("cannot read \(path)") }
    do { return try RiskModel.decode(data) } catch { throw ValidationError("\(path): \(error)") }
}

private func write(_ data: Data, to path: String) throws {
    do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch { throw ValidationError("cannot write \(path): \(error.localizedDescription)") }
}
