import Testing
@testable import GateKit

/// The declaration lifecycle, written out by hand from the specification — deliberately
/// not derived from `DeclarationStatus.allowedTransitions`, so a change to that table
/// has to be made here too.
private let lifecycleExpectedDeclarationMoves: [String: Set<String>] = [
    "submitted": ["amended", "at-lane", "cancelled", "expired"],
    "amended": ["amended", "at-lane", "cancelled", "expired"],
    "at-lane": ["released", "referred", "rejected"],
    "referred": ["released", "held", "rejected"],
    "held": ["released", "rejected"],
    "released": ["crossed"],
    "crossed": ["closed"],
    "rejected": [],
    "closed": [],
    "cancelled": [],
    "expired": [],
]

/// The passage lifecycle, by hand.
private let lifecycleExpectedPassageMoves: [String: Set<String>] = [
    "open": ["decided", "abandoned", "closed"],
    "decided": ["closed"],
    "closed": [],
    "abandoned": [],
]

@Suite struct DeclarationLifecycleTests {
    @Test func everyStatusIsInTheHandWrittenTable() {
        #expect(Set(DeclarationStatus.allCases.map(\.rawValue)) == Set(lifecycleExpectedDeclarationMoves.keys))
        #expect(DeclarationStatus.allCases.count == 11)
        // Wire names are part of the API.
        #expect(DeclarationStatus.allCases.map(\.rawValue) == [
            "submitted", "amended", "at-lane", "released", "referred", "rejected",
            "held", "crossed", "closed", "cancelled", "expired",
        ])
    }

    @Test(arguments: DeclarationStatus.allCases, DeclarationStatus.allCases)
    func canMove(from: DeclarationStatus, to: DeclarationStatus) {
        let allowed = lifecycleExpectedDeclarationMoves[from.rawValue]?.contains(to.rawValue) ?? false
        #expect(from.canMove(to: to) == allowed)
    }

    @Test(arguments: DeclarationStatus.allCases, DeclarationStatus.allCases)
    func move(from: DeclarationStatus, to: DeclarationStatus) {
        let allowed = lifecycleExpectedDeclarationMoves[from.rawValue]?.contains(to.rawValue) ?? false
        if allowed {
            #expect((try? from.move(to: to)) == to)
        } else {
            let refused = #expect(throws: TransitionRefused.self) { try from.move(to: to) }
            #expect(refused == TransitionRefused(from: from, to: to))
            #expect(refused?.description == "a declaration that is \(from.rawValue) cannot become \(to.rawValue)")
        }
    }

    @Test func refusalNamesBothStates() {
        let refused = #expect(throws: TransitionRefused.self) { try DeclarationStatus.released.move(to: .cancelled) }
        #expect(refused?.from == .released)
        #expect(refused?.to == .cancelled)
        #expect(refused?.description == "a declaration that is released cannot become cancelled")
    }

    @Test func happyPathFromSubmissionToClosure() throws {
        var status = DeclarationStatus.submitted
        for next in [DeclarationStatus.amended, .amended, .atLane, .referred, .held, .released, .crossed, .closed] {
            status = try status.move(to: next)
        }
        #expect(status == .closed)
    }

    @Test(arguments: [
        (DeclarationStatus.submitted, true, true),
        (.amended, true, true),
        (.atLane, false, true),
        (.released, false, false),
        (.referred, false, false),
        (.rejected, false, false),
        (.held, false, false),
        (.crossed, false, false),
        (.closed, false, false),
        (.cancelled, false, false),
        (.expired, false, false),
    ])
    func amendableAndAwaitingVehicle(status: DeclarationStatus, amendable: Bool, awaitsVehicle: Bool) {
        #expect(status.isAmendable == amendable)
        #expect(status.awaitsVehicle == awaitsVehicle)
    }
}

@Suite struct PassageLifecycleTests {
    @Test func everyStateIsInTheHandWrittenTable() {
        #expect(PassageState.allCases.map(\.rawValue) == ["open", "decided", "closed", "abandoned"])
        #expect(Set(PassageState.allCases.map(\.rawValue)) == Set(lifecycleExpectedPassageMoves.keys))
    }

    @Test(arguments: PassageState.allCases, PassageState.allCases)
    func canMove(from: PassageState, to: PassageState) {
        let allowed = lifecycleExpectedPassageMoves[from.rawValue]?.contains(to.rawValue) ?? false
        #expect(from.canMove(to: to) == allowed)
    }

    @Test(arguments: [
        (PassageState.open, true), (.decided, true), (.closed, false), (.abandoned, false),
    ])
    func isActive(state: PassageState, active: Bool) {
        #expect(state.isActive == active)
    }
}

@Suite struct LaneDirectionTests {
    /// Which trips each lane direction serves, by hand: transit may use either.
    private static let served: [LaneDirection: Set<TripDirection>] = [
        .outbound: [.export, .transit],
        .inbound: [.import, .transit],
    ]

    @Test(arguments: LaneDirection.allCases, TripDirection.allCases)
    func serves(lane: LaneDirection, trip: TripDirection) {
        #expect(lane.serves(trip) == Self.served[lane]?.contains(trip))
    }

    @Test func spotChecks() {
        #expect(LaneDirection.outbound.serves(.export))
        #expect(!LaneDirection.outbound.serves(.import))
        #expect(LaneDirection.inbound.serves(.import))
        #expect(!LaneDirection.inbound.serves(.export))
        #expect(LaneDirection.allCases.allSatisfy { $0.serves(.transit) })
    }
}
