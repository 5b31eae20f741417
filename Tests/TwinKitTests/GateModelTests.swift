import Foundation
import GateKit
import Testing
@testable import TwinKit

/// The border-gate model: the shipped scenario reads, the traditional gate reproduces the
/// ceiling observed at Kim Thành, the smart lane decides with GateKit's engine, and the
/// scenario file's problems are each reported on one line.
@Suite struct GateModelTests {
    static func kimThanh() throws -> ScenarioDocument {
        try ScenarioDocument.parse(try #require(ScenarioDocument.shipped("kim-thanh")))
    }

    @Test func theShippedScenarioReadsAndEveryFigureHasASource() throws {
        let document = try Self.kimThanh()
        #expect(document.rows.count == 45)
        #expect(document.rows.allSatisfy { !$0.source.isEmpty })
        #expect(document.rows.contains { $0.source.hasPrefix("assumption") })
        #expect(document.scenario.exportLanes == 2 && document.scenario.importLanes == 3)
    }

    @Test func theTraditionalGateClearsAboutAThousandTrucksADayOnFiveLanes() throws {
        // Kim Thành: up to ~1,000 trucks/day on 5 lanes (TWIN-PARAMETERS.md). Saturate both
        // directions, lift the other side's limit, and count what the booths clear.
        var scenario = try Self.kimThanh().scenario
        scenario.acceptancePerDay = nil
        scenario.days = 5
        scenario.warmupDays = 1
        let study = try TwinStudy(scenario: scenario)
        let runs = try study.replicate(scenario, .traditional, demand: 3_000, seed: 1, range: 0..<2)
        let cleared = runs.map(\.throughputPerDay).reduce(0, +) / Double(runs.count)
        #expect(abs(cleared - 1_000) / 1_000 <= 0.15, "cleared \(cleared) trucks/day")
    }

    @Test func aReplicationIsTheSameForTheSameSeed() throws {
        var scenario = try Self.kimThanh().scenario
        scenario.days = 2
        let study = try TwinStudy(scenario: scenario)
        for mode in GateMode.allCases {
            let a = try study.replicate(scenario, mode, demand: 400, seed: 4, range: 0..<1)[0]
            let b = try study.replicate(scenario, mode, demand: 400, seed: 4, range: 0..<1)[0]
            #expect(a.hours == b.hours && a.events == b.events, "\(mode)")
        }
    }

    @Test func theSmartModeAtTodaysDemandIsFasterAndTheShuttlesBreakNoRule() throws {
        var scenario = try Self.kimThanh().scenario
        scenario.days = 3
        let study = try TwinStudy(scenario: scenario)
        let traditional = try study.replicate(scenario, .traditional, demand: 600, seed: 1, range: 0..<2)
        let smart = try study.replicate(scenario, .smart, demand: 600, seed: 1, range: 0..<2)
        #expect(smart.map(\.meanHours).reduce(0, +) < traditional.map(\.meanHours).reduce(0, +))
        #expect(smart.allSatisfy { $0.violations == 0 })
        #expect(smart.allSatisfy { $0.shuttleShare > 0.3 })
        #expect(traditional.allSatisfy { $0.shuttleShare == 0 && ($0.cost["transshipment"] ?? 0) > 3_000_000 })
    }

    @Test(arguments: [
        (plate: 0.0, low: 0.0, container: 0.0, device: 0.0, channel: Channel.green, release: true),
        (plate: 1.0, low: 0.0, container: 0.0, device: 0.0, channel: .green, release: true),
        (plate: 0.0, low: 1.0, container: 0.0, device: 0.0, channel: .green, release: false),
        (plate: 0.0, low: 0.0, container: 1.0, device: 0.0, channel: .green, release: false),
        (plate: 0.0, low: 0.0, container: 0.0, device: 0.0, channel: .yellow, release: false),
        (plate: 0.0, low: 0.0, container: 0.0, device: 0.0, channel: .red, release: false),
    ])
    func theSmartLaneDecidesWithGateKitsEngine(plate: Double, low: Double, container: Double, device: Double, channel: Channel, release: Bool) throws {
        var scenario = try Self.kimThanh().scenario
        scenario.plateMisreadRate = plate
        scenario.plateLowConfidenceRate = low
        scenario.containerMisreadRate = container
        scenario.deviceErrorRate = device
        let lanes = LaneTrials(count: 8)
        var random = RandomStream(seed: 1, name: "devices")
        for serial in 0..<16 {
            let outcome = lanes.decide(export: serial % 2 == 0, serial: serial, channel: channel, scenario: scenario, &random)
            #expect((outcome == .release) == release, "truck \(serial): \(outcome)")
        }
    }

    @Test func theRiskModelSetsTheChannelsNearTheScenariosShares() throws {
        let channels = try RiskChannels(greenShare: 0.575, redShare: 0.05)
        #expect(abs((channels.shares[.green] ?? 0) - 0.575) < 0.05)
        #expect(abs((channels.shares[.red] ?? 0) - 0.05) < 0.03)
    }

    @Test func everyProblemOfAScenarioFileIsOneLine() throws {
        let shipped = try #require(ScenarioDocument.shipped("kim-thanh"))
        var json = try #require(try JSONSerialization.jsonObject(with: shipped) as? [String: Any])
        var parameters = try #require(json["parameters"] as? [String: Any])
        parameters["lanes.export"] = ["value": 2]
        parameters["inspection.minutes"] = ["value": ["triangular": [90, 45, 20]], "source": "assumption"]
        parameters["risk.greenShare"] = ["value": 1.5, "source": "assumption"]
        parameters["smart.openingHours"] = ["value": "22:00-06:00", "source": "assumption"]
        parameters.removeValue(forKey: "corridor.shuttles")
        parameters["lanes.exprot"] = ["value": 2, "source": "typo"]
        json["parameters"] = parameters
        let data = try JSONSerialization.data(withJSONObject: json)
        let error = try #require(throws: ScenarioError.self) { try ScenarioDocument.parse(data) }
        #expect(error.problems.count == 6, "\(error.problems)")
        for field in ["lanes.export.source", "inspection.minutes", "risk.greenShare", "smart.openingHours", "corridor.shuttles: missing", "lanes.exprot"] {
            #expect(error.problems.contains { $0.contains(field) }, "\(field) in \(error.problems)")
        }
        #expect(error.problems.allSatisfy { !$0.contains("\n") })
    }

    @Test func notJSONIsOneProblem() {
        let error = #expect(throws: ScenarioError.self) { try ScenarioDocument.parse(Data("{".utf8)) }
        #expect(error?.problems.count == 1)
    }
}

/// `--json`'s shape is the issue's: `{"traditional":{…},"smart":{…},"ratio":{"capacity":…,"costPerContainer":…}}`.
@Suite struct ReportShapeTests {
    @Test func ratiosAreNumbersWithTheirIntervalsBeside() throws {
        let ratios = Ratios(capacity: Ratio(value: 2.5, low: 2.4, high: 2.6), costPerContainer: Ratio(value: 0.7, low: 0.68, high: 0.72),
                            shuttleContainerCost: nil, meanHours: Ratio(value: 0.5, low: 0.49, high: 0.51), p95Hours: Ratio(value: 0.8, low: 0.7, high: 0.9))
        let data = try JSONEncoder().encode(ratios)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["capacity"] as? Double == 2.5 && json["costPerContainer"] as? Double == 0.7)
        #expect((json["intervals"] as? [String: Any])?["capacity"] as? [Double] == [2.4, 2.6])
        #expect(try JSONDecoder().decode(Ratios.self, from: data) == ratios)
    }
}

/// The study's searches on a scenario cheap enough for a test: no shuttles, short runs.
@Suite struct StudySearchTests {
    static func quick() throws -> Scenario {
        var scenario = try GateModelTests.kimThanh().scenario
        scenario.shuttles = 0
        scenario.days = 3
        scenario.rampMaxPerDay = 4_000
        return scenario
    }

    @Test func theRampsBracketHasAPassingRateBelowAndAFailingOneAbove() throws {
        let scenario = try Self.quick()
        let found = try CapacityRamp(replications: 2, days: 3).search(try TwinStudy(scenario: scenario), scenario, .traditional, seed: 1)
        let result = found.result
        #expect(result.bounded && result.low < result.high && result.low <= result.perDay && result.perDay <= result.high)
        #expect(result.ramp.contains { $0.passed && $0.demandPerDay == result.low })
        #expect(result.ramp.contains { !$0.passed && $0.demandPerDay == result.high })
        #expect((result.high - result.low) / result.low <= 0.05)
        #expect(!found.waitsAtFailure.isEmpty)
    }

    @Test func aTargetOutOfReachEndsWithinItsAttemptsAndSaysSo() throws {
        let scenario = try Self.quick()
        var small = scenario
        small.rampMaxPerDay = 1_500  // few rates to try: the point is that the search ends
        let search = LeverSearch(study: try TwinStudy(scenario: small), maxAttempts: 2, ramp: CapacityRamp(replications: 2, days: 2))
        let answer = try search.search(50, seed: 1)
        #expect(!answer.reached && answer.verdict.contains("out of reach"))
        #expect(answer.steps.count <= 3)
    }

    @Test(arguments: [(precision: 10.0, expected: 4), (precision: 0.0, expected: 8)])
    func replicationsAreAddedUntilTheHeadlinesArePreciseOrTheMost(precision: Double, expected: Int) throws {
        var scenario = try Self.quick()
        scenario.days = 2
        var settings = StudySettings(replications: 4, maxReplications: 8)
        settings.precision = precision
        let runs = try TwinStudy(scenario: scenario).atDemand(settings)
        #expect(runs[.traditional]?.count == expected && runs[.smart]?.count == expected)
    }
}
