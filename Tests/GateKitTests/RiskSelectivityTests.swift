import Foundation
import GateKit
import Testing

/// Rules, thresholds, the model file, the generated history and the inspection workflow.
@Suite("Risk selectivity: rules, thresholds, model files, history, inspections")
struct RiskSelectivityTests {
    static let gates: Set<String> = ["kim-thanh", "ban-vuoc"]
    static let now = Date(timeIntervalSince1970: 1_795_000_000)

    static func trip(
        hs: String = "081060", origin: String = "VN", value: Double? = 22_000, kg: Double = 20_000, containers: Int = 1,
        documents: Set<DocumentKind> = [.commercialInvoice, .packingList, .phytosanitaryCertificate],
        trips: Int = 50, discrepancies: Int = 0, direction: TripDirection = .export, gate: String = "kim-thanh",
        declarant: String = "5300100269"
    ) -> RiskCase {
        RiskCase(
            gate: gate, direction: direction, declarant: declarant,
            history: DeclarantHistory(priorTrips: trips, priorDiscrepancies: discrepancies), containers: containers,
            documents: documents, lines: [RiskLine(hsCode: hs, origin: origin, valueUSD: value, grossKg: kg)])
    }

    static func rule(_ json: String) throws -> RiskRule {
        try RiskRule.parse(try JSONValue.parse(Data(json.utf8)), knownGates: gates)
    }

    static func ruleIssues(_ json: String) -> [String] {
        do {
            _ = try rule(json)
            return []
        } catch let failure as ValidationFailure {
            return failure.issues.map { "\($0.field) \($0.code.rawValue)" }
        } catch {
            return ["\(error)"]
        }
    }

    /// Norms where fresh fruit (0810) is worth 1.1 USD/kg, 22 t per container, from VN or TH.
    static let norms = RiskNorms(
        valuePerKg: ["0810": 1.1, "*": 2], kgPerUnit: ["0810": 22_000, "*": 20_000],
        originShares: ["0810": ["VN": 0.9, "TH": 0.1]])

    // MARK: - Rules

    @Test("malformed rules are refused, naming each bad field", arguments: [
        (#"{"reason":"r","minChannel":"yellow","criteria":{"hsCodes":["08"]}}"#, ["name field.required"]),
        (#"{"name":"n","reason":"r","criteria":{"hsCodes":["08"]}}"#, ["minChannel rule.effect"]),
        (#"{"name":"n","reason":"r","minChannel":"green","criteria":{"hsCodes":["08"]}}"#, ["minChannel rule.effect"]),
        (#"{"name":"n","reason":"r","minChannel":"purple","criteria":{"hsCodes":["08"]}}"#, ["minChannel field.value"]),
        (#"{"name":"n","reason":"r","minChannel":"red","block":true,"criteria":{"declarants":["5300100269"]}}"#, ["minChannel rule.effect"]),
        (#"{"name":"n","reason":"r","minChannel":"red","criteria":{}}"#, ["criteria rule.no-criteria"]),
        (#"{"name":"n","reason":"r","minChannel":"red","criteria":{"hsCode":["08"]}}"#, ["criteria.hsCode field.unknown"]),
        (#"{"name":"n","reason":"r","minChannel":"red","criteria":{"hsCodes":["8X"]}}"#, ["criteria.hsCodes[0] hs.prefix"]),
        (#"{"name":"n","reason":"r","minChannel":"red","criteria":{"declarants":["5300123456"]}}"#, ["criteria.declarants[0] enterprise.tax-code-unassignable"]),
        (#"{"name":"n","reason":"r","minChannel":"red","gates":["hanoi"],"criteria":{"hsCodes":["08"]}}"#, ["gates[0] gate.unknown"]),
        (#"{"name":"n","reason":"r","minChannel":"red","criteria":{"hsCodes":["08"]},"sampleRate":1.5}"#, ["sampleRate field.range"]),
        (#"{"name":"n","reason":"r","minChannel":"red","criteria":{"minPriorDiscrepancies":1.5}}"#, ["criteria.minPriorDiscrepancies field.type"]),
        (#"{"name":"n","reason":"r","block":true,"criteria":{"hsCodes":["08"]}}"#, ["criteria.declarants rule.block-declarants"]),
        (#"{"name":"n","reason":"r","minChannel":"red","criteria":{"hsCodes":["08"]},"validFrom":"2026-12-01T00:00:00+07:00","validUntil":"2026-11-01T00:00:00+07:00"}"#,
         ["validUntil rule.validity"]),
        (#"{"name":"n","reason":"r","minChannel":"red","criteria":{"hsCodes":["08"]},"validFrom":"2026-12-01T00:00:00"}"#, ["validFrom timestamp.offset-missing"]),
        (#"{"name":"n","reason":"r","minChannel":"red","criteria":{"hsCodes":["08"]},"colour":"red"}"#, ["colour field.unknown"]),
    ])
    func badRules(json: String, expected: [String]) {
        #expect(Self.ruleIssues(json).sorted() == expected.sorted())
    }

    @Test("each criterion matches what it says and nothing else", arguments: [
        (#"{"hsCodes":["0810"]}"#, trip(), true),
        (#"{"hsCodes":["08"]}"#, trip(hs: "080300"), true),
        (#"{"hsCodes":["85"]}"#, trip(), false),
        (#"{"origins":["TH"]}"#, trip(origin: "TH"), true),
        (#"{"origins":["TH"]}"#, trip(), false),
        (#"{"declarants":["5300100283"]}"#, trip(declarant: "5300100283"), true),
        (#"{"declarants":["5300100283"]}"#, trip(), false),
        (#"{"newDeclarant":true}"#, trip(trips: 2), true),
        (#"{"newDeclarant":true}"#, trip(trips: 5), false),
        (#"{"minPriorDiscrepancies":3}"#, trip(discrepancies: 3), true),
        (#"{"minPriorDiscrepancies":3}"#, trip(discrepancies: 2), false),
        (#"{"directions":["import"]}"#, trip(direction: .import), true),
        (#"{"directions":["import"]}"#, trip(), false),
        (#"{"maxValueVsNorm":0.5}"#, trip(value: 9_000), true),  // 0.45 USD/kg against 1.1
        (#"{"maxValueVsNorm":0.5}"#, trip(value: 22_000), false),
        (#"{"maxValueVsNorm":0.5}"#, trip(value: nil), false),  // unknown value: no claim
        (#"{"minKgPerContainer":26000}"#, trip(kg: 28_000), true),
        (#"{"minKgPerContainer":26000}"#, trip(kg: 40_000, containers: 2), false),
        (#"{"missingDocuments":["phytosanitaryCertificate"]}"#, trip(documents: [.commercialInvoice]), true),
        (#"{"missingDocuments":["phytosanitaryCertificate"]}"#, trip(), false),
        (#"{"hsCodes":["0810"],"newDeclarant":true}"#, trip(trips: 50), false),  // every criterion must hold
    ])
    func criteria(criteria: String, trip: RiskCase, matches: Bool) throws {
        let rule = try Self.rule(#"{"name":"n","reason":"r","minChannel":"yellow","criteria":\#(criteria)}"#)
        #expect(rule.applies(to: trip, norms: Self.norms, at: Self.now) == matches)
    }

    @Test("gates and the validity period limit where and when a rule applies")
    func scope() throws {
        let rule = try Self.rule(#"""
            {"name":"n","reason":"r","minChannel":"red","gates":["ban-vuoc"],"criteria":{"hsCodes":["08"]},
             "validFrom":"2026-11-20T00:00:00+07:00","validUntil":"2026-12-01T00:00:00+07:00"}
            """#)
        let inside = try Timestamp.parse("2026-11-25T08:00:00+07:00")
        #expect(rule.applies(to: Self.trip(gate: "ban-vuoc"), norms: nil, at: inside))
        #expect(!rule.applies(to: Self.trip(gate: "kim-thanh"), norms: nil, at: inside))
        #expect(!rule.applies(to: Self.trip(gate: "ban-vuoc"), norms: nil, at: try Timestamp.parse("2026-12-01T00:00:00+07:00")))
        #expect(!rule.applies(to: Self.trip(gate: "ban-vuoc"), norms: nil, at: try Timestamp.parse("2026-11-19T23:59:59+07:00")))
    }

    // MARK: - Combining rules, sampling and the score

    @Test("the channel is the strictest of rules, sampling and score; blocks are reported, not channelled")
    func strictest() throws {
        let yellow = StoredRiskRule(id: UUID(), rule: try Self.rule(#"{"name":"fruit","reason":"r","minChannel":"yellow","criteria":{"hsCodes":["08"]}}"#))
        let red = StoredRiskRule(id: UUID(), rule: try Self.rule(#"{"name":"no phyto","reason":"r","minChannel":"red","criteria":{"missingDocuments":["phytosanitaryCertificate"]}}"#))
        let block = StoredRiskRule(id: UUID(), rule: try Self.rule(#"{"name":"blocked","reason":"r","block":true,"criteria":{"declarants":["5300100283"]}}"#))
        let sample = StoredRiskRule(id: UUID(), rule: try Self.rule(#"{"name":"sample","reason":"r","minChannel":"yellow","criteria":{},"sampleRate":1}"#))
        let id = UUID()
        func channel(_ trip: RiskCase, _ rules: [StoredRiskRule], sampling: RandomSampling? = nil) -> (Channel, [String]) {
            let decision = RiskSelectivity.assess(trip, declarationId: id, rules: rules, model: nil, sampling: sampling, at: Self.now)
            return (decision.channel, (decision.reasons + decision.blockedBy).map(\.code))
        }
        #expect(channel(Self.trip(hs: "850440"), [yellow, red]) == (.green, []))
        #expect(channel(Self.trip(), [yellow, red]) == (.yellow, ["RULE"]))
        #expect(channel(Self.trip(documents: []), [yellow, red]) == (.red, ["RULE", "RULE"]))
        #expect(channel(Self.trip(declarant: "5300100283"), [block]) == (.green, ["RULE_BLOCK"]))
        // A sampling rule draws nothing without a secret (nobody could audit it), and at rate 1 draws every trip.
        #expect(channel(Self.trip(hs: "850440"), [sample]) == (.green, []))
        let sampling = try #require(RandomSampling(secret: Data("sampling secret for tests".utf8)))
        #expect(channel(Self.trip(hs: "850440"), [sample], sampling: sampling) == (.yellow, ["RULE_SAMPLE"]))
    }

    @Test("score thresholds: at or above red is red, at or above yellow is yellow", arguments: [
        (0.01, Channel.green), (0.149, .green), (0.15, .yellow), (0.5, .yellow), (0.6, .red), (0.99, .red),
    ])
    func thresholds(score: Double, channel: Channel) {
        #expect(RiskThresholds(yellow: 0.15, red: 0.6).channel(for: score) == channel)
    }

    // MARK: - Model lifecycle

    static let history = SyntheticRiskHistory(count: 20_000, seed: 11).rows()

    @Test("the generated history keeps its documented promises")
    func generatedHistory() throws {
        let rows = Self.history
        let truth = Double(rows.filter { $0.pattern != "none" }.count) / Double(rows.count)
        #expect((0.02...0.08).contains(truth), "true discrepancy rate \(truth)")
        // Noisy labels: some true discrepancies recorded as cleared, some clean trips as discrepancies.
        let missed = rows.filter { $0.pattern != "none" && !$0.discrepancy }.count
        let falseAlarms = rows.filter { $0.pattern == "none" && $0.discrepancy }.count
        #expect(missed > 0 && falseAlarms > 0)
        // The same seed writes the same history; the CSV reads back to the same trips.
        #expect(SyntheticRiskHistory(count: 500, seed: 11).rows() == Array(SyntheticRiskHistory(count: 500, seed: 11).rows()))
        let roundTrip = try RiskHistoryCSV.read(RiskHistoryCSV.write(Array(rows.prefix(300))))
        #expect(roundTrip.map(\.discrepancy) == rows.prefix(300).map(\.discrepancy))
        #expect(roundTrip.map(\.riskCase.history) == rows.prefix(300).map(\.riskCase.history))
        // No single feature separates on its own above AUC 0.7.
        let norms = RiskNorms.learn(from: rows.map(\.riskCase))
        let features = rows.map { RiskFeatures.extract($0.riskCase, norms: norms) }
        for (j, name) in RiskFeatures.names.enumerated() {
            let auc = RiskMetrics.auc(scores: features.map { $0[j] }, labels: rows.map(\.discrepancy)) ?? 0.5
            #expect(max(auc, 1 - auc) <= 0.7, "\(name) alone has AUC \(auc)")
        }
    }

    @Test("trees learn the interaction a linear score cannot, and both beat random sampling on held-out trips")
    func learning() throws {
        let train = Array(Self.history.prefix(16_000))
        let test = Array(Self.history.suffix(4_000))
        var settings = BoostedRiskTrees.Settings()
        settings.rounds = 80
        let trees = try RiskModel.train(cases: train.map(\.riskCase), labels: train.map(\.discrepancy), trees: settings, at: Self.now)
        let linear = try RiskModel.train(cases: train.map(\.riskCase), labels: train.map(\.discrepancy), kind: .logistic, at: Self.now)
        let treeReport = RiskEvaluation(model: trees, rows: test)
        let linearReport = RiskEvaluation(model: linear, rows: test)
        #expect(try #require(treeReport.auc) > 0.8)
        #expect(treeReport.precision > 3 * treeReport.recordedRate, "precision \(treeReport.precision) vs base \(treeReport.recordedRate)")
        #expect(linearReport.precision > 2 * linearReport.recordedRate)
        // A new declarant with electronics, otherwise ordinary, scores far above the same
        // trip from an established declarant, and above a new declarant with fruit.
        let phone = Self.trip(hs: "851712", origin: "CN", value: 1_000_000, kg: 4_000, documents: [.commercialInvoice, .packingList], trips: 1, direction: .import)
        var established = phone
        established.history = DeclarantHistory(priorTrips: 120, priorDiscrepancies: 2)
        let fruit = Self.trip(trips: 1)
        let newPhone = trees.assess(phone).score
        #expect(newPhone > 3 * trees.assess(established).score, "\(newPhone) vs \(trees.assess(established).score)")
        #expect(newPhone > 2 * trees.assess(fruit).score, "\(newPhone) vs \(trees.assess(fruit).score)")
    }

    @Test("a model file round-trips to the same scores and explanations; a damaged one is refused")
    func modelFile() throws {
        let rows = Array(Self.history.prefix(5_000))
        var settings = BoostedRiskTrees.Settings()
        settings.rounds = 15
        for kind in RiskModelKind.allCases {
            let model = try RiskModel.train(cases: rows.map(\.riskCase), labels: rows.map(\.discrepancy), kind: kind, trees: settings, at: Self.now)
            let decoded = try RiskModel.decode(try model.encoded())
            #expect(decoded == model)
            #expect(model.version.hasPrefix(kind == .boostedTrees ? "bt-" : "lr-"))
            for row in rows.prefix(200) {
                #expect(decoded.assess(row.riskCase) == model.assess(row.riskCase))
            }
            // The explanation adds up: bias + contributions = logit.
            if let trees = model.trees {
                let features = RiskFeatures.extract(rows[0].riskCase, norms: model.norms)
                let (bias, parts) = trees.explain(features)
                #expect(abs(bias + parts.reduce(0, +) - trees.logit(features)) < 1e-9)
            }
        }
        let model = try RiskModel.train(cases: rows.map(\.riskCase), labels: rows.map(\.discrepancy), trees: settings, at: Self.now)
        var text = String(decoding: try model.encoded(), as: UTF8.self)
        #expect(throws: RiskModelError.self) { try RiskModel.decode(Data(text.prefix(text.count / 2).utf8)) }
        text = text.replacingOccurrences(of: "smartgate-risk-model", with: "another-model")
        #expect(text.contains("another-model"))
        #expect(throws: RiskModelError.self) { try RiskModel.decode(Data(text.utf8)) }
        var broken = model
        broken.trees!.trees[0][0].left = 9_999
        #expect(throws: RiskModelError.self) { try RiskModel.decode(try broken.encoded()) }
        broken = model
        broken.thresholds = RiskThresholds(yellow: 0.9, red: 0.1)
        #expect(throws: RiskModelError.self) { try RiskModel.decode(try broken.encoded()) }
    }

    @Test("a history file with a bad line is refused, naming the line")
    func badHistory() {
        let header = RiskHistoryCSV.header.joined(separator: ",")
        let good = "T1,kim-thanh,export,5300100269,3,0,081060,VN,1000.00,20000,1,commercialInvoice,none,0"
        for (line, expected) in [
            (good, ""),
            ("T1,kim-thanh,sideways,5300100269,3,0,081060,VN,1000.00,20000,1,,none,0", "line 2: direction"),
            ("T1,kim-thanh,export,5300100269,-3,0,081060,VN,1000.00,20000,1,,none,0", "line 2: prior_trips"),
            ("T1,kim-thanh,export,5300100269,3,0,081060,VN,1000.00,20000,1,,none,yes", "line 2: discrepancy"),
            ("T1,kim-thanh,export", "line 2: 3 values"),
        ] {
            do {
                _ = try RiskHistoryCSV.read(header + "\n" + line + "\n")
                #expect(expected.isEmpty, "\(line) was accepted")
            } catch {
                #expect(!expected.isEmpty && error.description.hasPrefix(expected), "\(error)")
            }
        }
    }

    // MARK: - Inspections

    @Test("the inspection lifecycle as a table", arguments: [
        (InspectionStatus.waiting, InspectionStatus.assigned, true), (.waiting, .done, false), (.waiting, .waiting, false),
        (.assigned, .waiting, true), (.assigned, .done, true), (.assigned, .assigned, false),
        (.done, .waiting, false), (.done, .assigned, false), (.done, .done, false),
    ])
    func inspectionLifecycle(from: InspectionStatus, to: InspectionStatus, allowed: Bool) {
        #expect(from.canMove(to: to) == allowed)
    }

    @Test("outcomes move the declaration; a discrepancy needs details and corrected values", arguments: [
        (#"{"outcome":"cleared"}"#, "released"),
        (#"{"outcome":"discrepancy","details":"12 t declared, 16 t found","corrections":[{"field":"goods[0].grossKg","declared":"12000","found":"16000"}]}"#, "held"),
        (#"{"outcome":"discrepancy","details":"d","corrections":[{"field":"goods[0].value.amount","found":"61000.00"}],"release":true}"#, "released"),
        (#"{"outcome":"seized","details":"undeclared goods"}"#, "rejected"),
        (#"{"outcome":"discrepancy"}"#, "corrections field.required; details field.required"),
        (#"{"outcome":"discrepancy","details":"d","corrections":[]}"#, "corrections field.too-few"),
        (#"{"outcome":"seized"}"#, "details field.required"),
        (#"{"outcome":"cleared","release":true}"#, "release inspection.release"),
        (#"{"outcome":"lost"}"#, "outcome field.value"),
        (#"{"outcome":"cleared","note":"x"}"#, "note field.unknown"),
    ])
    func outcomes(json: String, expected: String) throws {
        do {
            let report = try InspectionReport.parse(try JSONValue.parse(Data(json.utf8)))
            #expect(report.declarationStatus.rawValue == expected)
        } catch let failure as ValidationFailure {
            #expect(failure.issues.map { "\($0.field) \($0.code.rawValue)" }.sorted().joined(separator: "; ") == expected)
        }
    }

    @Test("work goes to the officer on duty with the fewest open assignments, longest on duty among equals")
    func leastLoaded() {
        let a = UUID(), b = UUID(), c = UUID()
        let t0 = Self.now
        #expect(InspectionAssignment.leastLoaded([]) == nil)
        #expect(InspectionAssignment.leastLoaded([
            .init(officer: a, openAssignments: 3, onDutySince: t0), .init(officer: b, openAssignments: 1, onDutySince: t0.addingTimeInterval(60)),
            .init(officer: c, openAssignments: 2, onDutySince: t0),
        ]) == b)
        #expect(InspectionAssignment.leastLoaded([
            .init(officer: a, openAssignments: 1, onDutySince: t0.addingTimeInterval(60)), .init(officer: b, openAssignments: 1, onDutySince: t0),
        ]) == b)
    }
}
