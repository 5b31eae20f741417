import Foundation
import GateKit
import SmartGateServer

/// `smartgate-bench risk --model M --input F [--seconds S]`: how many declarations one
/// core scores per second, feature extraction included (what the server does per
/// declaration), against the trivial reference of only extracting the features.
func riskScoringBenchmark(_ arguments: [String]) throws {
    var model: String?
    var input: String?
    var seconds = 5.0
    var iterator = arguments.makeIterator()
    while let flag = iterator.next() {
        guard let value = iterator.next() else { throw SettingsError("\(flag) needs a value") }
        switch flag {
        case "--model": model = value
        case "--input": input = value
        case "--seconds": seconds = Double(value) ?? seconds
        default: throw SettingsError("unknown option \(flag); use --model, --input, --seconds")
        }
    }
    guard let model, let input else { throw SettingsError("risk needs --model FILE and --input FILE") }
    let loaded = try RiskModel.decode(Data(contentsOf: URL(fileURLWithPath: model)))
    let cases = try RiskHistoryCSV.read(String(decoding: Data(contentsOf: URL(fileURLWithPath: input)), as: UTF8.self)).map(\.riskCase)
    guard !cases.isEmpty else { throw SettingsError("\(input) has no trips") }

    func rate(_ work: (RiskCase) -> Double) -> Double {
        var done = 0
        var sink = 0.0
        let start = Date()
        while Date().timeIntervalSince(start) < seconds {
            for trip in cases.prefix(10_000) { sink += work(trip) }
            done += min(cases.count, 10_000)
        }
        if sink.isNaN { print("") }  // keeps the work observable
        return Double(done) / Date().timeIntervalSince(start)
    }
    let extractOnly = rate { RiskFeatures.extract($0, norms: loaded.norms)[0] }
    let scored = rate { loaded.probability(RiskFeatures.extract($0, norms: loaded.norms)) }
    let explained = rate { loaded.assess($0).score }
    print("risk model: \(loaded.version) (\(loaded.kind.rawValue))")
    print("feature extraction only: \(Int(extractOnly)) trips/s (reference)")
    print("risk scoring: \(Int(scored)) scores/s on one core (extract + score), \(String(format: "%.2f", scored / extractOnly))× the extraction-only rate")
    print("risk scoring with explanation: \(Int(explained)) scores/s on one core")
}
