import Foundation
import Testing
@testable import GateKit

/// The passage rules as tables: what each reading does to the lane's active passage, and
/// which declarations move after what the writer found.
@Suite struct PassagePlannerTests {
    static let idle: Int64 = 600_000
    static let now: Int64 = 10_000_000
    static let trip = UUID(uuidString: "00000000-0000-0000-0000-00000000000a")!
    static let other = UUID(uuidString: "00000000-0000-0000-0000-00000000000b")!

    static func active(_ state: PassageState, trip: UUID? = nil, silentFor ms: Int64 = 1_000) -> PassagePlanner.Active {
        PassagePlanner.Active(state: state, declarationId: trip, lastReadingMs: now - ms)
    }

    static let plate = ReadingPayload.plate(text: "24C12345", confidence: 0.97)

    /// (case, active passage, reading, expected plan; nil: refused, no vehicle in the lane)
    static let planRows: [(String, PassagePlanner.Active?, ReadingPayload, PassagePlanner.Plan?)] = [
        ("a plate in an empty lane opens a passage and matches", nil, plate, .init(ending: nil, opensPassage: true, step: .identify)),
        ("a container read in an empty lane opens a passage", nil, .container(text: "CSQU3054383", confidence: 0.9), .init(ending: nil, opensPassage: true, step: .record)),
        ("ready in an empty lane opens a passage and decides", nil, .ready, .init(ending: nil, opensPassage: true, step: .decide)),
        ("passed in an empty lane is refused", nil, .passed, nil),
        ("a plate joins an open passage with no trip and matches", active(.open), plate, .init(ending: nil, opensPassage: false, step: .identify)),
        ("a plate joins an open passage with a trip", active(.open, trip: trip), plate, .init(ending: nil, opensPassage: false, step: .record)),
        ("ready decides an open passage", active(.open, trip: trip), .ready, .init(ending: nil, opensPassage: false, step: .decide)),
        ("passed before ready leaves it undecided", active(.open, trip: trip), .passed, .init(ending: nil, opensPassage: false, step: .leftUndecided)),
        ("passed after the decision passes the barrier", active(.decided, trip: trip), .passed, .init(ending: nil, opensPassage: false, step: .passedBarrier)),
        ("the next vehicle's plate closes a decided passage and opens its own", active(.decided, trip: trip), plate,
         .init(ending: .closed, opensPassage: true, step: .identify)),
        ("a second ready does not decide again", active(.decided, trip: trip), .ready, .init(ending: nil, opensPassage: false, step: .record)),
        ("a weight after the decision is recorded", active(.decided), .weight(grossKg: 33_600), .init(ending: nil, opensPassage: false, step: .record)),
        ("an open passage silent past the limit is abandoned undecided when it had a trip", active(.open, trip: trip, silentFor: idle + 1), plate,
         .init(ending: .abandoned(undecided: true), opensPassage: true, step: .identify)),
        ("abandoned without a trip needs no officer", active(.open, silentFor: idle + 1), .ready, .init(ending: .abandoned(undecided: false), opensPassage: true, step: .decide)),
        ("passed after the abandoned passage finds no vehicle", active(.open, silentFor: idle + 1), .passed, nil),
        ("silent exactly the limit is still open", active(.open, trip: trip, silentFor: idle), .ready, .init(ending: nil, opensPassage: false, step: .decide)),
        ("a decided passage is never abandoned, however long", active(.decided, trip: trip, silentFor: 10 * idle), .passed,
         .init(ending: nil, opensPassage: false, step: .passedBarrier)),
    ]

    @Test(arguments: planRows)
    func plan(_ row: (String, PassagePlanner.Active?, ReadingPayload, PassagePlanner.Plan?)) {
        let (name, active, reading, expected) = row
        let plan = try? PassagePlanner.plan(active: active, reading: reading, at: Self.now, idleTimeoutMs: Self.idle)
        #expect(plan == expected, "\(name)")
    }

    static func decision(_ outcome: DecisionOutcome, for id: UUID?, _ reasons: [DecisionReason] = []) -> LaneDecision {
        LaneDecision(outcome: outcome, declarationId: id, plate: "24C12345", reasons: reasons, readings: [])
    }

    static let weight = DecisionReason(.weightMismatch, .refer, "off by 9 %")
    static let corrected = DecisionReason(.plateCorrected, .info, "O read as 0")
    static let undeclared = DecisionReason(.vehicleUndeclared, .refer, "no trip")

    /// (case, finding, statuses, expected moves)
    static let moveRows: [(String, PassagePlanner.Finding, [UUID: DeclarationStatus], [PassagePlanner.Move])] = [
        ("a matched trip the declarant could still amend is at the lane", .identified(trip), [trip: .submitted], [.init(trip, to: .atLane, reason: "plate read")]),
        ("an amended one too", .identified(trip), [trip: .amended], [.init(trip, to: .atLane, reason: "plate read")]),
        ("a trip at the lane already stays", .identified(trip), [trip: .atLane], []),
        ("no match moves nothing", .identified(nil), [trip: .submitted], []),
        ("a release of a trip never matched by plate passes through the lane", .decided(decision(.release, for: trip, [corrected]), linked: nil), [trip: .submitted],
         [.init(trip, to: .atLane, reason: "ready at barrier"), .init(trip, to: .released, reason: nil)]),
        ("a release of the matched trip", .decided(decision(.release, for: trip), linked: trip), [trip: .atLane], [.init(trip, to: .released, reason: nil)]),
        ("a referral carries its codes, not the notes", .decided(decision(.refer, for: trip, [weight, corrected]), linked: trip), [trip: .atLane],
         [.init(trip, to: .referred, reason: "WEIGHT_MISMATCH")]),
        ("a rejection", .decided(decision(.reject, for: trip), linked: trip), [trip: .atLane], [.init(trip, to: .rejected, reason: nil)]),
        ("the decision chose another trip: the plate's match goes to an officer", .decided(decision(.release, for: other), linked: trip),
         [trip: .atLane, other: .atLane], [.init(other, to: .released, reason: nil), .init(trip, to: .referred, reason: "")]),
        ("no trip decided: the plate's match goes to an officer with the codes", .decided(decision(.refer, for: nil, [undeclared]), linked: trip), [trip: .atLane],
         [.init(trip, to: .referred, reason: "VEHICLE_UNDECLARED")]),
        ("a decided trip no longer awaiting its vehicle is not moved", .decided(decision(.release, for: trip), linked: nil), [:], []),
        ("an undecided passage refers its trip at the lane", .undecided(linked: trip), [trip: .atLane], [.init(trip, to: .referred, reason: "PASSAGE_UNDECIDED")]),
        ("an undecided passage leaves a trip an officer already settled", .undecided(linked: trip), [trip: .released], []),
        ("an undecided passage with no trip moves nothing", .undecided(linked: nil), [:], []),
        ("a released trip through the barrier has crossed", .passedBarrier(trip, hasDecision: true), [trip: .released], [.init(trip, to: .crossed, reason: "passed the barrier")]),
        ("a referred trip through the barrier has not", .passedBarrier(trip, hasDecision: true), [trip: .referred], []),
        ("no recorded decision, no crossing", .passedBarrier(trip, hasDecision: false), [trip: .released], []),
    ]

    @Test(arguments: moveRows)
    func moves(_ row: (String, PassagePlanner.Finding, [UUID: DeclarationStatus], [PassagePlanner.Move])) {
        let (name, finding, statuses, expected) = row
        #expect(PassagePlanner.moves(after: finding, statuses: statuses) == expected, "\(name)")
    }

    @Test func theUndecidedOutcomeRefersWithTheFirstPlateRead() {
        let readings = [
            LaneReading(deviceId: "loop-1", eventId: "e0", observedAt: Date(timeIntervalSince1970: 0), payload: .ready),
            LaneReading(deviceId: "anpr-1", eventId: "e1", observedAt: Date(timeIntervalSince1970: 1), payload: .plate(text: "24C-123.45", confidence: 0.9)),
        ]
        let decision = LaneDecision.undecided(declarationId: Self.trip, readings: readings, reason: "left")
        #expect(decision.outcome == .refer)
        #expect(decision.plate == "24C12345")
        #expect(decision.reasons.map(\.code) == [.passageUndecided])
    }
}
