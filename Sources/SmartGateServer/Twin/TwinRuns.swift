import Foundation
import NIOConcurrencyHelpers
import TwinKit
import Vapor

/// The levers a board member may change on the twin's page, read from its query and
/// checked field by field.
struct TwinQuestion: Sendable, Hashable {
    var demand: Int
    var exportLanes: Int
    var importLanes: Int
    var shuttles: Int
    var window: String
    var openingHours: String
    var acceptance: Int
    var greenPercent: Int
    var days: Int
    var capacity: Bool

    /// The shipped scenario's values: what the form starts with.
    init(_ scenario: Scenario) {
        demand = Int(scenario.demandPerDay)
        exportLanes = scenario.exportLanes
        importLanes = scenario.importLanes
        shuttles = scenario.shuttles
        window = scenario.corridorWindow.description
        openingHours = scenario.smartHours.description
        acceptance = scenario.acceptancePerDay ?? 0
        greenPercent = Int((scenario.greenShare * 100).rounded())
        days = 3
        capacity = false
    }

    /// Each field's bounds: (name, lower, upper).
    static let bounds: [(String, Int, Int)] = [
        ("demand", 50, 5_000), ("exportLanes", 1, 12), ("importLanes", 1, 12), ("shuttles", 0, 12),
        ("acceptance", 0, 20_000), ("greenPercent", 5, 95), ("days", 2, 7),
    ]

    /// Reads the query over the defaults; returns the catalog key of each bad field's message.
    mutating func read(_ query: [String: String]) -> [String: (key: String, parameters: [String: String])] {
        var errors: [String: (key: String, parameters: [String: String])] = [:]
        for (name, low, high) in Self.bounds {
            guard let text = query[name] else { continue }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)), (low...high).contains(value) else {
                errors[name] = ("twin.error.range", ["min": String(low), "max": String(high)])
                continue
            }
            switch name {
            case "demand": demand = value
            case "exportLanes": exportLanes = value
            case "importLanes": importLanes = value
            case "shuttles": shuttles = value
            case "acceptance": acceptance = value
            case "greenPercent": greenPercent = value
            default: days = value
            }
        }
        for name in ["window", "openingHours"] {
            guard let text = query[name] else { continue }
            guard let hours = DailyHours(text.trimmingCharacters(in: .whitespaces)) else {
                errors[name] = ("twin.error.hours", [:])
                continue
            }
            if name == "window" { window = hours.description } else { openingHours = hours.description }
        }
        capacity = query["capacity"] == "on"
        return errors
    }

    /// Each lever that differs from `base`, as the report lists them ("export lanes: 3").
    func changes(from base: TwinQuestion) -> [String] {
        let pairs: [(String, String, String)] = [
            ("demand (trucks/day)", String(demand), String(base.demand)), ("export lanes", String(exportLanes), String(base.exportLanes)),
            ("import lanes", String(importLanes), String(base.importLanes)), ("shuttles", String(shuttles), String(base.shuttles)),
            ("corridor window", window, base.window), ("smart opening hours", openingHours, base.openingHours),
            ("acceptance limit (exports/day; 0: none)", String(acceptance), String(base.acceptance)),
            ("green share (%)", String(greenPercent), String(base.greenPercent)), ("days", String(days), String(base.days)),
        ]
        return pairs.filter { $0.1 != $0.2 }.map { "\($0.0): \($0.1)" }
    }

    /// The scenario with these levers pulled.
    func apply(to base: Scenario) -> Scenario {
        var s = base
        s.demandPerDay = Double(demand)
        s.exportLanes = exportLanes
        s.importLanes = importLanes
        s.shuttles = shuttles
        s.corridorWindow = DailyHours(window) ?? s.corridorWindow
        s.smartHours = DailyHours(openingHours) ?? s.smartHours
        s.acceptancePerDay = acceptance == 0 ? nil : acceptance
        s.greenShare = Double(greenPercent) / 100
        s.days = days
        s.warmupDays = 1
        // The page's ramp stops lower than the command's: it runs on one core of a live server.
        s.rampMaxPerDay = min(s.rampMaxPerDay, 6_000)
        return s
    }
}

/// Runs the twin for the page: one study at a time on the thread pool (a study uses every
/// core), the last few answers kept so the full report is served without running again.
final class TwinRuns: Sendable {
    /// Replications per mode on the page: enough for intervals, few enough to answer in seconds.
    static let replications = 4
    private let running = NIOLockedValueBox(false)
    private let answers = NIOLockedValueBox([(TwinQuestion, TwinReport)]())
    let document: ScenarioDocument

    init() {
        // The shipped scenario is tested to read; failing here is a packaging error.
        document = try! ScenarioDocument.parse(ScenarioDocument.shipped("kim-thanh")!)
    }

    enum Refusal: Error { case busy }

    func answer(_ question: TwinQuestion, on pool: NIOThreadPool) async throws -> TwinReport {
        if let known = answers.withLockedValue({ $0.first { $0.0 == question }?.1 }) { return known }
        guard running.withLockedValue({ busy in defer { busy = true }; return !busy }) else { throw Refusal.busy }
        defer { running.withLockedValue { $0 = false } }
        let document = self.document
        let report = try await pool.runIfActive {
            var settings = StudySettings(replications: Self.replications, maxReplications: Self.replications)
            settings.capacity = question.capacity
            settings.sensitivity = false
            // One core: the gate's requests keep the others.
            let study = try TwinStudy(scenario: question.apply(to: document.scenario), parallel: false)
            return try study.report(settings, document: document, levers: question.changes(from: TwinQuestion(document.scenario)))
        }
        answers.withLockedValue { list in
            list.insert((question, report), at: 0)
            if list.count > 8 { list.removeLast() }
        }
        return report
    }
}
