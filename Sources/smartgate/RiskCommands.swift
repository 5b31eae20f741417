import ArgumentParser
import Foundation
import GateKit
import SmartGateServer

/// `smartgate risk …`: the model's lifecycle, from a synthetic history to an evaluated model file.
struct Risk: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a risk history, train and evaluate the risk model.",
        subcommands: [Generate.self, Train.self, Evaluate.self, Features.self])

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

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Train a model from a history file and write the model file.")

        @Option(help: "History CSV (from `risk generate`, or exported inspections).") var input: String
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

        func run() throws {
            let rows = split.rows(try readHistory(input), testPart: false)
            var settings = BoostedRiskTrees.Settings()
            settings.rounds = rounds
            settings.maxDepth = depth
            let started = Date()
            let model = try RiskModel.train(
                cases: rows.map(\.riskCase), labels: rows.map(\.discrepancy), kind: RiskModelKind(rawValue: kind)!,
                inspectionRate: inspectionRate, redRate: redRate, trees: settings)
            let seconds = Date().timeIntervalSince(started)
            try write(try model.encoded(), to: output)
            print(String(format: "trained %@ on %d trips in %.2f s: wrote %@", model.version, rows.count, seconds, output))
        }
    }

    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print AUC, precision at the inspection rate against random sampling, and the confusion at the thresholds.")

        @Option(help: "Model file.") var model: String
        @Option(help: "History CSV to evaluate on (trips the model was not trained on).") var input: String
        @OptionGroup var split: Split

        func run() throws {
            let loaded = try readModel(model)
            let rows = split.rows(try readHistory(input), testPart: true)
            guard !rows.isEmpty else { throw ValidationError("\(input) has no trips to evaluate") }
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
