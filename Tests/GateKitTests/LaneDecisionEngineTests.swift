import Foundation
import Testing
@testable import GateKit

// MARK: - Helpers

/// A lane device event in test shorthand; device ids, event ids and times are filled in
/// by `engineReadings`.
enum EngineRead: Sendable {
    case plate(String, confidence: Double = 0.97)
    case container(String, confidence: Double = 0.95)
    case seal(String, intact: Bool = true)
    case weight(Double)
    /// The vehicle stops at the barrier this many hours after its planned arrival.
    case ready(hoursLate: Double = 0.25)
    case passed
}

private let engineDeclarationId = UUID(uuidString: "5A7E0000-0000-4000-8000-000000000001")!
private let engineOtherId = UUID(uuidString: "5A7E0000-0000-4000-8000-000000000002")!

/// The reads of a clean export passage at Kim Thành, section by section, so a case
/// replaces only the section it is about.
private func engineReads(
    plates: [EngineRead] = [.plate("24C-123.45")],
    containers: [EngineRead] = [.container("CSQU3054383")],
    seals: [EngineRead] = [.seal("VNLC0000123")],
    weights: [EngineRead] = [.weight(DomainFixtures.expectedGrossKg)],
    ready: [EngineRead] = [.ready()]
) -> [EngineRead] {
    plates + containers + seals + weights + ready
}

/// Turns shorthand into readings: one device per kind, event ids `evt-0`, `evt-1`, …, and
/// times a few seconds apart shortly after the planned arrival.
private func engineReadings(_ reads: [EngineRead]) -> [LaneReading] {
    reads.enumerated().map { index, read in
        let soon = DomainFixtures.plannedArrival.addingTimeInterval(600 + Double(index))
        let (device, at, payload): (String, Date, ReadingPayload) = switch read {
        case .plate(let text, let confidence): ("anpr-1", soon, .plate(text: text, confidence: confidence))
        case .container(let text, let confidence): ("ocr-1", soon, .container(text: text, confidence: confidence))
        case .seal(let id, let intact): ("rfid-1", soon, .seal(id: id, intact: intact))
        case .weight(let kg): ("scale-1", soon, .weight(grossKg: kg))
        case .ready(let hours): ("loop-1", DomainFixtures.plannedArrival.addingTimeInterval(hours * 3600), .ready)
        case .passed: ("loop-1", soon, .passed)
        }
        return LaneReading(deviceId: device, eventId: "evt-\(index)", observedAt: at, payload: payload)
    }
}

private func engineLane(gate: String = "kim-thanh", direction: LaneDirection = .outbound) -> LaneProfile {
    LaneProfile(id: "\(gate)-\(direction.rawValue)-1", gateId: gate, direction: direction)
}

private func engineCandidate(
    _ declaration: TripDeclaration, id: UUID = engineDeclarationId,
    status: DeclarationStatus = .submitted, channel: Channel = .green
) -> DeclarationCandidate {
    DeclarationCandidate(id: id, status: status, channel: channel, declaration: declaration)
}

private func engineReference(_ reading: LaneReading) -> ReadingReference {
    ReadingReference(deviceId: reading.deviceId, eventId: reading.eventId, kind: reading.payload.kind)
}

/// The severity each reason code must carry, by hand.
private let engineSeverity: [ReasonCode: ReasonSeverity] = [
    .plateCorrected: .info, .containerRepaired: .info, .sealTampered: .reject,
]

/// One lane scenario against the standard declaration and what the engine must answer.
struct EngineCase: Sendable, CustomTestStringConvertible {
    var name: String
    var reads: [EngineRead]
    var outcome: DecisionOutcome
    var reasons: [ReasonCode]
    var matched = true
    var channel: Channel = .green
    var direction: TripDirection = .export
    var laneGate = "kim-thanh"
    var laneDirection: LaneDirection = .outbound

    var testDescription: String { name }
}

private let engineCases: [EngineCase] = [
    EngineCase(name: "clean export at its lane", reads: engineReads(), outcome: .release, reasons: []),

    // Weight: tolerance is max(2 % of 33 500 = 670 kg, 300 kg) = 670 kg.
    EngineCase(name: "weight +670 kg (boundary)", reads: engineReads(weights: [.weight(34_170)]), outcome: .release, reasons: []),
    EngineCase(name: "weight -670 kg (boundary)", reads: engineReads(weights: [.weight(32_830)]), outcome: .release, reasons: []),
    EngineCase(name: "weight +671 kg", reads: engineReads(weights: [.weight(34_171)]), outcome: .refer, reasons: [.weightMismatch]),
    EngineCase(name: "weight -671 kg", reads: engineReads(weights: [.weight(32_829)]), outcome: .refer, reasons: [.weightMismatch]),
    EngineCase(name: "no weight", reads: engineReads(weights: []), outcome: .refer, reasons: [.weightMissing]),
    EngineCase(
        name: "last weight counts", reads: engineReads(weights: [.weight(41_000), .weight(33_600)]),
        outcome: .release, reasons: []),
    EngineCase(
        name: "last weight counts (bad last)", reads: engineReads(weights: [.weight(33_500), .weight(41_000)]),
        outcome: .refer, reasons: [.weightMismatch]),

    // Seals.
    EngineCase(
        name: "tampered seal", reads: engineReads(seals: [.seal("VNLC0000123", intact: false)]),
        outcome: .reject, reasons: [.sealTampered]),
    EngineCase(
        name: "tampered seal, then read intact",
        reads: engineReads(seals: [.seal("VNLC0000123", intact: false), .seal("VNLC0000123")]),
        outcome: .reject, reasons: [.sealTampered]),
    EngineCase(
        name: "intact seal, then read tampered",
        reads: engineReads(seals: [.seal("VNLC0000123"), .seal("VNLC0000123", intact: false)]),
        outcome: .reject, reasons: [.sealTampered]),
    EngineCase(name: "seal not read", reads: engineReads(seals: []), outcome: .refer, reasons: [.sealMissing]),
    EngineCase(
        name: "undeclared seal", reads: engineReads(seals: [.seal("VNLC0000123"), .seal("VNLC0000999")]),
        outcome: .refer, reasons: [.sealUndeclared]),
    EngineCase(
        name: "only an undeclared seal", reads: engineReads(seals: [.seal("VNLC0000999")]),
        outcome: .refer, reasons: [.sealMissing, .sealUndeclared]),

    // Containers.
    EngineCase(
        name: "container O read for 0 in the serial", reads: engineReads(containers: [.container("CSQU3O54383")]),
        outcome: .release, reasons: [.containerRepaired]),
    EngineCase(
        name: "container with two OCR confusions", reads: engineReads(containers: [.container("CSQU3OS4383")]),
        outcome: .refer, reasons: [.containerUnreadable, .containerMissing]),
    EngineCase(
        name: "container with unrepairable check digit", reads: engineReads(containers: [.container("CSQU3054384")]),
        outcome: .refer, reasons: [.containerUnreadable, .containerMissing]),
    EngineCase(
        name: "container read with spaces and lower case", reads: engineReads(containers: [.container("csqu 305438 3")]),
        outcome: .release, reasons: []),
    EngineCase(name: "container not read", reads: engineReads(containers: []), outcome: .refer, reasons: [.containerMissing]),
    EngineCase(
        name: "container read below confidence", reads: engineReads(containers: [.container("CSQU3054383", confidence: 0.5)]),
        outcome: .refer, reasons: [.containerMissing]),
    EngineCase(
        name: "undeclared container",
        reads: engineReads(containers: [.container("CSQU3054383"), .container("MSKU1234565")]),
        outcome: .refer, reasons: [.containerUndeclared]),

    // Plates.
    EngineCase(
        name: "plate OCR confusions I/1 and S/5", reads: engineReads(plates: [.plate("24C-I23.4S")]),
        outcome: .release, reasons: [.plateCorrected]),
    EngineCase(
        name: "plate read with other separators", reads: engineReads(plates: [.plate("24c 123.45")]),
        outcome: .release, reasons: []),
    EngineCase(name: "no plate read", reads: engineReads(plates: []), outcome: .refer, reasons: [.plateUnread], matched: false),
    EngineCase(
        name: "only low-confidence plate reads",
        reads: engineReads(plates: [.plate("24C-123.45", confidence: 0.5), .plate("24C-123.46", confidence: 0.79)]),
        outcome: .refer, reasons: [.plateLowConfidence], matched: false),
    EngineCase(
        name: "only the trailer plate", reads: engineReads(plates: [.plate("24R-012.34")]),
        outcome: .refer, reasons: [.plateUnread], matched: false),
    EngineCase(
        name: "only a low-confidence trailer plate", reads: engineReads(plates: [.plate("24R-012.34", confidence: 0.4)]),
        outcome: .refer, reasons: [.plateUnread], matched: false),
    EngineCase(
        name: "unknown plate", reads: engineReads(plates: [.plate("29H-999.99")]),
        outcome: .refer, reasons: [.vehicleUndeclared], matched: false),
    EngineCase(
        name: "second tractor plate in the passage",
        reads: engineReads(plates: [.plate("24C-123.45"), .plate("29H-999.99")]),
        outcome: .refer, reasons: [.plateConflict]),
    EngineCase(
        name: "second tractor plate read twice is reported once",
        reads: engineReads(plates: [.plate("24C-123.45"), .plate("29H-999.99"), .plate("29H99999")]),
        outcome: .refer, reasons: [.plateConflict]),
    EngineCase(
        name: "declared trailer read", reads: engineReads(plates: [.plate("24C-123.45"), .plate("24R-012.34")]),
        outcome: .release, reasons: []),
    EngineCase(
        name: "wrong trailer", reads: engineReads(plates: [.plate("24C-123.45"), .plate("24R-999.99")]),
        outcome: .refer, reasons: [.trailerMismatch]),
    EngineCase(
        name: "low-confidence second plate is ignored",
        reads: engineReads(plates: [.plate("24C-123.45"), .plate("29H-999.99", confidence: 0.3)]),
        outcome: .release, reasons: []),
    EngineCase(
        name: "unparsable plate noise proves nothing", reads: engineReads(plates: [.plate("24C-123.45"), .plate("#!?")]),
        outcome: .release, reasons: []),

    // Where and when.
    EngineCase(name: "wrong gate", reads: engineReads(), outcome: .refer, reasons: [.gateMismatch], laneGate: "lao-cai-rail"),
    EngineCase(
        name: "import at an outbound lane", reads: engineReads(), outcome: .refer, reasons: [.directionMismatch],
        direction: .import),
    EngineCase(
        name: "export at an inbound lane", reads: engineReads(), outcome: .refer, reasons: [.directionMismatch],
        laneDirection: .inbound),
    EngineCase(name: "transit at an outbound lane", reads: engineReads(), outcome: .release, reasons: [], direction: .transit),
    EngineCase(
        name: "import at an inbound lane", reads: engineReads(), outcome: .release, reasons: [],
        direction: .import, laneDirection: .inbound),
    EngineCase(
        name: "ready 73 h after planned arrival", reads: engineReads(ready: [.ready(hoursLate: 73)]),
        outcome: .refer, reasons: [.outsideArrivalWindow]),
    EngineCase(
        name: "ready 72 h after planned arrival", reads: engineReads(ready: [.ready(hoursLate: 72)]),
        outcome: .release, reasons: []),
    EngineCase(
        name: "ready 73 h before planned arrival", reads: engineReads(ready: [.ready(hoursLate: -73)]),
        outcome: .refer, reasons: [.outsideArrivalWindow]),

    // Channel.
    EngineCase(name: "yellow channel", reads: engineReads(), outcome: .refer, reasons: [.channelYellow], channel: .yellow),
    EngineCase(name: "red channel", reads: engineReads(), outcome: .refer, reasons: [.channelRed], channel: .red),
    EngineCase(
        name: "red channel with a tampered seal",
        reads: engineReads(seals: [.seal("VNLC0000123", intact: false)]),
        outcome: .reject, reasons: [.sealTampered, .channelRed], channel: .red),

    // Several findings, in the engine's order: plates, where/when, containers, seals, weight, channel.
    EngineCase(
        name: "everything at once",
        reads: engineReads(
            plates: [.plate("24C-I23.4S"), .plate("24R-999.99")],
            containers: [.container("CSQU3O54383")],
            seals: [],
            weights: [.weight(40_000)],
            ready: [.ready(hoursLate: 80)]),
        outcome: .refer,
        reasons: [
            .plateCorrected, .trailerMismatch, .gateMismatch, .directionMismatch, .outsideArrivalWindow,
            .containerRepaired, .sealMissing, .weightMismatch, .channelYellow,
        ],
        channel: .yellow, direction: .import, laneGate: "lao-cai-rail"),
]

// MARK: - Decisions

@Suite struct LaneDecisionEngineTests {
    @Test(arguments: engineCases)
    func decide(_ scenario: EngineCase) throws {
        var declaration = try DomainFixtures.validDeclaration()
        declaration.direction = scenario.direction
        let decision = LaneDecisionEngine.decide(
            lane: engineLane(gate: scenario.laneGate, direction: scenario.laneDirection),
            readings: engineReadings(scenario.reads),
            candidates: [engineCandidate(declaration, channel: scenario.channel)])

        #expect(decision.outcome == scenario.outcome)
        #expect(decision.reasons.map(\.code) == scenario.reasons)
        for reason in decision.reasons {
            #expect(reason.severity == engineSeverity[reason.code, default: .refer], "\(reason.code)")
            #expect(!reason.message.isEmpty)
        }
        if scenario.matched {
            #expect(decision.declarationId == engineDeclarationId)
            #expect(decision.plate == "24C12345")
        } else {
            #expect(decision.declarationId == nil)
        }
        // The outcome is the worst severity: a release carries no refer or reject reason.
        if decision.outcome == .release {
            #expect(decision.reasons.allSatisfy { $0.severity == .info })
        }
        if scenario.channel != .green {
            #expect(decision.outcome != .release)
        }
    }

    @Test func cleanExportListsTheReadingsItUsed() throws {
        let readings = engineReadings(engineReads())
        let decision = LaneDecisionEngine.decide(
            lane: engineLane(), readings: readings, candidates: [engineCandidate(try DomainFixtures.validDeclaration())])
        #expect(decision == LaneDecision(
            outcome: .release, declarationId: engineDeclarationId, plate: "24C12345", reasons: [],
            readings: [
                ReadingReference(deviceId: "anpr-1", eventId: "evt-0", kind: "plate"),
                ReadingReference(deviceId: "ocr-1", eventId: "evt-1", kind: "container"),
                ReadingReference(deviceId: "rfid-1", eventId: "evt-2", kind: "seal"),
                ReadingReference(deviceId: "scale-1", eventId: "evt-3", kind: "weight"),
                ReadingReference(deviceId: "loop-1", eventId: "evt-4", kind: "ready"),
            ]))
    }

    @Test func readingsLeaveOutWhatWasNotRelied() throws {
        let readings = engineReadings([
            .plate("24C-123.45", confidence: 0.4),  // 0: too doubtful
            .plate("24C-123.45"),  // 1
            .plate("24R-012.34"),  // 2: declared trailer
            .container("CSQU3054383", confidence: 0.2),  // 3: too doubtful
            .container("CSQU3054383"),  // 4
            .weight(50_000),  // 5: superseded
            .seal("VNLC0000123"),  // 6
            .weight(33_400),  // 7
            .passed,  // 8
            .ready(),  // 9: superseded
            .ready(hoursLate: 0.5),  // 10
        ])
        let decision = LaneDecisionEngine.decide(
            lane: engineLane(), readings: readings, candidates: [engineCandidate(try DomainFixtures.validDeclaration())])
        #expect(decision.outcome == .release)
        #expect(decision.reasons == [])
        #expect(decision.readings == [1, 2, 4, 6, 7, 10].map { engineReference(readings[$0]) })
    }

    @Test func unmatchedDecisionListsTheTrustedPlateReads() throws {
        let readings = engineReadings([.plate("29H-999.99"), .plate("24R-012.34"), .plate("29H-999.99", confidence: 0.1), .ready()])
        let decision = LaneDecisionEngine.decide(
            lane: engineLane(), readings: readings, candidates: [engineCandidate(try DomainFixtures.validDeclaration())])
        #expect(decision.outcome == .refer)
        #expect(decision.declarationId == nil)
        #expect(decision.plate == "29H99999")
        #expect(decision.reasons.map(\.code) == [.vehicleUndeclared])
        #expect(decision.readings == [0, 1].map { engineReference(readings[$0]) })
    }

    @Test func noPlateMeansNoPlateAndNoReadings() throws {
        let decision = LaneDecisionEngine.decide(
            lane: engineLane(), readings: engineReadings(engineReads(plates: [])),
            candidates: [engineCandidate(try DomainFixtures.validDeclaration())])
        #expect(decision.plate == nil)
        #expect(decision.readings == [])
        #expect(decision.reasons == [DecisionReason(.plateUnread, .refer, "No vehicle plate was read.")])
    }

    /// A read that is the declared plate character for character, only written with other
    /// separators or full-width forms (which `VehiclePlate` accepts as the same plate), was
    /// not corrected through any OCR confusion and must not be noted as such.
    @Test(arguments: [
        ("24C-123.45", "２４Ｃ－１２３．４５"),  // full-width, as Chinese OCR and IMEs send
        ("24C-123.45", "24C\t123.45"),
        ("云A·12345", "云A•12345"),
        ("云A·12345", "云A・12345"),
    ])
    func exactReadWithOtherSeparatorsIsNotACorrection(declared: String, read: String) throws {
        var declaration = try DomainFixtures.validDeclaration()
        declaration.vehicle.plate = try VehiclePlate(declared)
        try #require(try VehiclePlate(read) == declaration.vehicle.plate)
        let decision = LaneDecisionEngine.decide(
            lane: engineLane(), readings: engineReadings(engineReads(plates: [.plate(read)])),
            candidates: [engineCandidate(declaration)])
        #expect(decision.outcome == .release)
        #expect(decision.declarationId == engineDeclarationId)
        #expect(decision.reasons.map(\.code) == [])
    }

    @Test func correctedPlateReportsTheDeclaredPlate() throws {
        let decision = LaneDecisionEngine.decide(
            lane: engineLane(), readings: engineReadings(engineReads(plates: [.plate("24C-I23.4S")])),
            candidates: [engineCandidate(try DomainFixtures.validDeclaration())])
        #expect(decision.outcome == .release)
        #expect(decision.plate == "24C12345")
        #expect(decision.reasons == [DecisionReason(
            .plateCorrected, .info, "Plate read 24CI234S matched declared 24C-123.45 through OCR confusions.")])
    }

    @Test func repairedContainerSaysWhatItBecame() throws {
        let decision = LaneDecisionEngine.decide(
            lane: engineLane(), readings: engineReadings(engineReads(containers: [.container("CSQU3O54383")])),
            candidates: [engineCandidate(try DomainFixtures.validDeclaration())])
        #expect(decision.reasons == [DecisionReason(
            .containerRepaired, .info, "Container read CSQU3O54383 repaired to CSQU3054383 through its check digit.")])
    }

    /// Two valid plates an OCR engine cannot tell apart: the engine must match neither.
    @Test(arguments: [("云A·B2345", "云A·82345", "云A82345"), ("云A·Z2345", "云A·22345", "云A22345")])
    func ambiguousPlatesMatchNobody(first: String, second: String, read: String) throws {
        let one = try VehiclePlate(first)
        let other = try VehiclePlate(second)
        try #require(one != other)
        try #require(one.matchKey == other.matchKey)
        try #require(!one.isTrailer && !other.isTrailer)

        var a = try DomainFixtures.validDeclaration()
        a.vehicle.plate = one
        var b = try DomainFixtures.validDeclaration()
        b.vehicle.plate = other
        let readings = engineReadings(engineReads(plates: [.plate(read)]))
        for candidates in [
            [engineCandidate(a), engineCandidate(b, id: engineOtherId)],
            [engineCandidate(b, id: engineOtherId), engineCandidate(a)],
        ] {
            let decision = LaneDecisionEngine.decide(lane: engineLane(), readings: readings, candidates: candidates)
            #expect(decision.outcome == .refer)
            #expect(decision.declarationId == nil)
            #expect(decision.reasons.map(\.code) == [.plateAmbiguous])
            // The best read is shown, never either declared plate.
            #expect(decision.plate == read)
        }

        // Either alone is matched, through OCR tolerance if need be.
        for (candidate, id) in [(engineCandidate(a), engineDeclarationId), (engineCandidate(b, id: engineOtherId), engineOtherId)] {
            let decision = LaneDecisionEngine.decide(lane: engineLane(), readings: readings, candidates: [candidate])
            #expect(decision.declarationId == id)
            #expect(decision.outcome == .release)
        }
    }

    @Test func sameTruckDeclaredTwiceIsAmbiguous() throws {
        let declaration = try DomainFixtures.validDeclaration()
        let decision = LaneDecisionEngine.decide(
            lane: engineLane(), readings: engineReadings(engineReads()),
            candidates: [engineCandidate(declaration), engineCandidate(declaration, id: engineOtherId, status: .amended)])
        #expect(decision.outcome == .refer)
        #expect(decision.declarationId == nil)
        #expect(decision.reasons.map(\.code) == [.plateAmbiguous])
    }

    @Test(arguments: DeclarationStatus.allCases)
    func onlyDeclarationsAwaitingAVehicleAreMatched(status: DeclarationStatus) throws {
        let declaration = try DomainFixtures.validDeclaration()
        let decision = LaneDecisionEngine.decide(
            lane: engineLane(), readings: engineReadings(engineReads()),
            candidates: [engineCandidate(declaration, status: status)])
        let awaits: Set<DeclarationStatus> = [.submitted, .amended, .atLane]
        if awaits.contains(status) {
            #expect(decision.declarationId == engineDeclarationId)
            #expect(decision.outcome == .release)
        } else {
            #expect(decision.declarationId == nil)
            #expect(decision.outcome == .refer)
            #expect(decision.reasons.map(\.code) == [.vehicleUndeclared])
        }
    }

    @Test(arguments: [DeclarationStatus.cancelled, .released, .crossed, .closed, .rejected, .expired])
    func closedDeclarationNeverShadowsTheOpenOne(closed: DeclarationStatus) throws {
        let declaration = try DomainFixtures.validDeclaration()
        for candidates in [
            [engineCandidate(declaration, id: engineOtherId, status: closed), engineCandidate(declaration)],
            [engineCandidate(declaration), engineCandidate(declaration, id: engineOtherId, status: closed)],
        ] {
            let decision = LaneDecisionEngine.decide(lane: engineLane(), readings: engineReadings(engineReads()), candidates: candidates)
            #expect(decision.declarationId == engineDeclarationId)
            #expect(decision.outcome == .release)
        }
    }

    @Test func noCandidatesAtAll() {
        let decision = LaneDecisionEngine.decide(lane: engineLane(), readings: engineReadings(engineReads()), candidates: [])
        #expect(decision.outcome == .refer)
        #expect(decision.declarationId == nil)
        #expect(decision.plate == "24C12345")
        #expect(decision.reasons == [DecisionReason(.vehicleUndeclared, .refer, "No open declaration for plate 24C12345.")])
    }

    @Test func messagesNameTheNumbers() throws {
        let declaration = try DomainFixtures.validDeclaration()
        let heavy = LaneDecisionEngine.decide(
            lane: engineLane(), readings: engineReadings(engineReads(weights: [.weight(34_171)])),
            candidates: [engineCandidate(declaration)])
        #expect(heavy.reasons.map(\.message) == [
            "Weighed 34171 kg against 33500 kg declared (tare + goods): +671 kg, tolerance ±670 kg.",
        ])
        let late = LaneDecisionEngine.decide(
            lane: engineLane(), readings: engineReadings(engineReads(ready: [.ready(hoursLate: 73)])),
            candidates: [engineCandidate(declaration)])
        #expect(late.reasons.map(\.message) == ["Arrived 73 h after the planned arrival; the window is ±72 h."])
        let conflict = LaneDecisionEngine.decide(
            lane: engineLane(), readings: engineReadings(engineReads(plates: [.plate("24C-123.45"), .plate("29H-999.99")])),
            candidates: [engineCandidate(declaration)])
        #expect(conflict.reasons.map(\.message) == [
            "A second vehicle plate 29H-999.99 was read in the same passage as 24C-123.45.",
        ])
        let trailer = LaneDecisionEngine.decide(
            lane: engineLane(), readings: engineReadings(engineReads(plates: [.plate("24C-123.45"), .plate("24R-999.99")])),
            candidates: [engineCandidate(declaration)])
        #expect(trailer.reasons.map(\.message) == ["Trailer 24R-999.99 read; declared trailer: 24R-012.34."])
    }

    // MARK: Weight tolerance

    @Test(arguments: [(33_500.0, 670.0), (13_000, 300), (15_000, 300), (20_000, 400), (0, 300)])
    func weightToleranceIsTheLargerOfPercentAndFloor(expected: Double, tolerance: Double) {
        #expect(LanePolicy.standard.weightTolerance(forExpectedKg: expected) == tolerance)
    }

    /// A light truck: tare 4 000 + goods 9 000 = 13 000 kg, where the 300 kg floor applies.
    @Test(arguments: [
        (13_300.0, DecisionOutcome.release), (12_700, .release), (13_260, .release), (12_740, .release),
        (13_301, .refer), (12_699, .refer),
    ])
    func weightFloorForLightTrucks(measured: Double, outcome: DecisionOutcome) throws {
        var declaration = try DomainFixtures.validDeclaration()
        declaration.tareKg = 4_000
        declaration.goods[0].netKg = 8_500
        declaration.goods[0].grossKg = 9_000
        try #require(declaration.expectedGrossKg == 13_000)
        let decision = LaneDecisionEngine.decide(
            lane: engineLane(), readings: engineReadings(engineReads(weights: [.weight(measured)])),
            candidates: [engineCandidate(declaration)])
        #expect(decision.outcome == outcome)
        #expect(decision.reasons.map(\.code) == (outcome == .release ? [] : [.weightMismatch]))
    }

    @Test func policyIsTunable() throws {
        let declaration = try DomainFixtures.validDeclaration()
        let strict = LanePolicy(weightTolerancePercent: 0.5, weightToleranceMinimumKg: 100, arrivalWindow: 3600, minimumReadConfidence: 0.99)
        let decision = LaneDecisionEngine.decide(
            lane: engineLane(),
            readings: engineReadings(engineReads(weights: [.weight(33_700)], ready: [.ready(hoursLate: 2)])),
            candidates: [engineCandidate(declaration)], policy: strict)
        // The 0.97 plate read is no longer trusted, so nothing else is even checked.
        #expect(decision.reasons.map(\.code) == [.plateLowConfidence])

        let lenient = LanePolicy(weightTolerancePercent: 0.5, weightToleranceMinimumKg: 100, arrivalWindow: 3600, minimumReadConfidence: 0.5)
        let second = LaneDecisionEngine.decide(
            lane: engineLane(),
            readings: engineReadings(engineReads(weights: [.weight(33_700)], ready: [.ready(hoursLate: 2)])),
            candidates: [engineCandidate(declaration)], policy: lenient)
        // 200 kg over against max(167.5, 100) kg; two hours late against a one-hour window.
        #expect(second.reasons.map(\.code) == [.outsideArrivalWindow, .weightMismatch])
    }

    @Test func plateKeysAreTheTrustedVehicleReads() {
        let readings = engineReadings([
            .plate("24C-I23.4S"), .plate("24R-012.34"), .plate("29H-999.99", confidence: 0.2), .plate("云A·B2345"),
        ])
        #expect(LaneDecisionEngine.plateKeys(in: readings) == ["24C12345", "云A82345"])
    }
}

// MARK: - Reading documents

/// A reading document: the common members plus `members` (JSON text; nil removes one).
private func engineReadingJSON(_ members: [String: String?]) throws -> JSONValue {
    var all: [String: String?] = [
        "deviceId": #""anpr-kt-out-1""#,
        "eventId": #""evt:2026-11-23:0001""#,
        "observedAt": #""2026-11-23T08:10:00+07:00""#,
    ]
    all.merge(members) { _, new in new }
    let text = "{" + all.compactMap { key, value in value.map { "\"\(key)\": \($0)" } }.joined(separator: ", ") + "}"
    return try DomainFixtures.json(text)
}

/// The server clock for reading documents: 2026-11-23T01:10:00Z, when the reading was taken.
private let engineNow = DomainFixtures.plannedArrival.addingTimeInterval(600)

private func engineReadingIssues(_ members: [String: String?]) throws -> [String] {
    do {
        _ = try LaneReading.parse(try engineReadingJSON(members), now: engineNow)
        return []
    } catch let failure as ValidationFailure {
        return failure.issues.map(\.fieldAndCode)
    }
}

@Suite struct LaneReadingParseTests {
    @Test func plate() throws {
        let reading = try LaneReading.parse(
            try engineReadingJSON(["kind": #""plate""#, "plate": #""24C-123.45""#, "confidence": "0.93"]), now: engineNow)
        #expect(reading.deviceId == "anpr-kt-out-1")
        #expect(reading.eventId == "evt:2026-11-23:0001")
        #expect(reading.observedAt == engineNow)
        guard case .plate(let text, let confidence) = reading.payload else {
            Testing.Issue.record("expected a plate payload, got \(reading.payload)")
            return
        }
        #expect(text == "24C-123.45")
        #expect(abs(confidence - 0.93) < 1e-12)
        #expect(reading.payload.kind == "plate")
    }

    @Test func confidenceDefaultsToCertain() throws {
        let plate = try LaneReading.parse(try engineReadingJSON(["kind": #""plate""#, "plate": #""24C-123.45""#]), now: engineNow)
        #expect(plate.payload == .plate(text: "24C-123.45", confidence: 1))
        let container = try LaneReading.parse(
            try engineReadingJSON(["kind": #""container""#, "container": #""CSQU3O54383""#]), now: engineNow)
        // The raw read is kept as read: repairing it is the engine's job.
        #expect(container.payload == .container(text: "CSQU3O54383", confidence: 1))
    }

    @Test(arguments: [
        (["kind": #""container""#, "container": #""CSQU3054383""#, "confidence": "0.5"] as [String: String?], ReadingPayload.container(text: "CSQU3054383", confidence: 0.5)),
        (["kind": #""plate""#, "plate": #""云A·12345""#, "confidence": "0"], .plate(text: "云A·12345", confidence: 0)),
        (["kind": #""plate""#, "plate": #""  24C-123.45 ""#, "confidence": "1"], .plate(text: "24C-123.45", confidence: 1)),
        (["kind": #""seal""#, "seal": #""vnlc0000123""#, "intact": "true"], .seal(id: "VNLC0000123", intact: true)),
        (["kind": #""seal""#, "seal": #""VNLC0000123""#, "intact": "false"], .seal(id: "VNLC0000123", intact: false)),
        (["kind": #""weight""#, "grossKg": "33480.5"], .weight(grossKg: 33_480.5)),
        (["kind": #""ready""#], .ready),
        (["kind": #""passed""#], .passed),
    ])
    func eachKind(members: [String: String?], payload: ReadingPayload) throws {
        let reading = try LaneReading.parse(try engineReadingJSON(members), now: engineNow)
        #expect(reading.payload == payload)
    }

    @Test(arguments: [
        (["kind": #""plate""#] as [String: String?], ["plate|field.required"]),
        (["kind": #""plate""#, "plate": #""""#], ["plate|field.empty"]),
        (["kind": #""plate""#, "plate": "12345"], ["plate|field.type"]),
        (["kind": #""container""#], ["container|field.required"]),
        (["kind": #""seal""#], ["seal|field.required", "intact|field.required"]),
        (["kind": #""seal""#, "seal": #""VNLC0000123""#], ["intact|field.required"]),
        (["kind": #""seal""#, "seal": #""AB""#, "intact": "true"], ["seal|seal.format"]),
        (["kind": #""seal""#, "seal": #""VNLC0000123""#, "intact": #""yes""#], ["intact|field.type"]),
        (["kind": #""weight""#], ["grossKg|field.required"]),
        (["kind": #""weight""#, "grossKg": "0"], ["grossKg|field.range"]),
        (["kind": #""weight""#, "grossKg": "200001"], ["grossKg|field.range"]),
        // Hardening (issue 13): members of other kinds, server-owned or unknown ones are refused by name.
        (["kind": #""ready""#, "plate": "42"], ["plate|field.unknown"]),
        (["kind": #""weight""#, "grossKg": "30000", "status": #""ok""#], ["status|field.unknown"]),
        (["kind": #""plate""#, "plate": #""24C-123.45""#, "unknownField": "1"], ["unknownField|field.unknown"]),
        (["kind": #""weight""#, "grossKg": "1e308"], ["grossKg|field.range"]),
        (["kind": #""ready""#, "eventId": "\"\(String(repeating: "e", count: 65))\""], ["eventId|field.too-long"]),
        (["kind": #""ready""#, "deviceId": "\"\(String(repeating: "d", count: 65))\""], ["deviceId|field.too-long"]),
        (["kind": #""ready""#, "observedAt": #""1970-01-01T00:00:00Z""#], ["observedAt|timestamp.implausible"]),
        (["kind": #""ready""#, "observedAt": #""0000-01-01T00:00:00Z""#], ["observedAt|timestamp.implausible"]),
        (["kind": #""ready""#, "observedAt": #""2026-11-23 08:10:00+07:00""#], ["observedAt|timestamp.invalid"]),
        (["kind": nil], ["kind|field.required"]),
        (["kind": #""smoke""#], ["kind|field.value"]),
        (["kind": #""ready""#, "deviceId": nil], ["deviceId|field.required"]),
        (["kind": #""ready""#, "deviceId": #""cam 1""#], ["deviceId|identifier.format"]),
        (["kind": #""ready""#, "eventId": "\"\(String(repeating: "e", count: 129))\""], ["eventId|field.too-long"]),
        (["kind": #""ready""#, "observedAt": nil], ["observedAt|field.required"]),
        (["kind": #""ready""#, "observedAt": #""2026-11-23T08:10:00""#], ["observedAt|timestamp.offset-missing"]),
        (["kind": #""ready""#, "observedAt": #""2026-11-31T08:10:00+07:00""#], ["observedAt|timestamp.invalid"]),
        (["kind": #""plate""#, "plate": #""24C-123.45""#, "confidence": "1.5"], ["confidence|field.range"]),
        (["kind": #""plate""#, "plate": #""24C-123.45""#, "confidence": "-0.1"], ["confidence|field.range"]),
        (["kind": #""container""#, "container": #""CSQU3054383""#, "confidence": "1.01"], ["confidence|field.range"]),
        (["kind": #""plate""#, "plate": #""24C-123.45""#, "confidence": #""0.9""#], ["confidence|field.type"]),
        // Everything wrong is reported together.
        (["kind": #""plate""#, "deviceId": nil, "confidence": "2"], [
            "deviceId|field.required", "plate|field.required", "confidence|field.range",
        ]),
    ])
    func invalidDocuments(members: [String: String?], expected: [String]) throws {
        #expect(try engineReadingIssues(members) == expected)
    }

    @Test(arguments: [
        (0.0, true), (299, true), (300, true), (301, false), (3_600, false), (-86_400 * 7, true),
    ] as [(Double, Bool)])
    func clockSkew(secondsAhead: Double, accepted: Bool) throws {
        let observed = Timestamp.format(engineNow.addingTimeInterval(secondsAhead))
        let members: [String: String?] = ["kind": #""ready""#, "observedAt": "\"\(observed)\""]
        let issues = try engineReadingIssues(members)
        #expect(issues == (accepted ? [] : ["observedAt|reading.future"]))
    }

    @Test func futureReadingSaysHowFarAhead() throws {
        let observed = Timestamp.format(engineNow.addingTimeInterval(301))
        let failure = #expect(throws: ValidationFailure.self) {
            try LaneReading.parse(try engineReadingJSON(["kind": #""ready""#, "observedAt": "\"\(observed)\""]), now: engineNow)
        }
        #expect(failure?.issues.first?.params == ["seconds": "301", "max": "300"])
        #expect(failure?.issues.first?.message() == "is 301 s ahead of the server clock (at most 300 s allowed)")
    }

    @Test(arguments: ["[]", #""plate""#, "null", "7"])
    func nonObjectDocument(body: String) throws {
        let failure = #expect(throws: ValidationFailure.self) {
            try LaneReading.parse(try DomainFixtures.jsonFragment(body), now: engineNow)
        }
        #expect(failure?.issues.map(\.fieldAndCode) == ["|field.type"])
    }
}
