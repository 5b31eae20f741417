import Foundation

/// Where an inspection is: waiting in the gate's queue, assigned to an officer, or done.
public enum InspectionStatus: String, Sendable, Codable, CaseIterable {
    case waiting, assigned, done

    /// The lifecycle as a table: assignment (automatic or a claim), release back to the
    /// queue, and the outcome, which only the assigned officer records.
    public static let allowedTransitions: [InspectionStatus: Set<InspectionStatus>] = [
        .waiting: [.assigned],
        .assigned: [.waiting, .done],
        .done: [],
    ]

    public func canMove(to next: InspectionStatus) -> Bool { Self.allowedTransitions[self]?.contains(next) ?? false }
}

/// What the inspection found.
public enum InspectionOutcome: String, Sendable, Codable, CaseIterable {
    /// Nothing wrong: the trip is released.
    case cleared
    /// Something differed from the declaration: held, or released once settled on the spot.
    case discrepancy
    /// Goods seized: the trip is rejected.
    case seized

    /// Whether the outcome is a recorded discrepancy for training and the declarant's history.
    public var isDiscrepancy: Bool { self != .cleared }
}

/// One corrected value: what was declared and what the officer found.
public struct InspectionCorrection: Sendable, Equatable, Codable {
    /// The declaration's field, e.g. `goods[0].value.amount` or `goods[0].origin`.
    public var field: String
    public var declared: String?
    public var found: String
}

/// An officer's outcome, validated.
public struct InspectionReport: Sendable, Equatable, Codable {
    public var outcome: InspectionOutcome
    public var details: String?
    public var corrections: [InspectionCorrection]
    /// For a discrepancy settled on the spot (duty paid, papers corrected): release the trip.
    public var release: Bool

    static let fields = ["outcome", "details", "corrections", "release"]

    /// Where the declaration goes: cleared → released; discrepancy → held, or released
    /// when settled; seized → rejected.
    public var declarationStatus: DeclarationStatus {
        switch outcome {
        case .cleared: .released
        case .discrepancy: release ? .released : .held
        case .seized: .rejected
        }
    }

    /// Validates an outcome: a discrepancy or seizure needs details, a discrepancy at
    /// least one corrected value.
    public static func parse(_ json: JSONValue) throws(ValidationFailure) -> InspectionReport {
        guard case .object(let root) = json else {
            throw ValidationFailure([Issue(field: "", .wrongType, ["expected": "an object", "actual": json.typeName])])
        }
        var reader = FieldReader()
        reader.refuseUnknown(in: root, allowed: fields)
        let outcome = reader.choice(root["outcome"], at: "outcome", as: InspectionOutcome.self)
        let findings = outcome.map { $0 != .cleared } ?? false
        let details = reader.string(root["details"], at: "details", required: findings, maxLength: 2000)
        let release = reader.bool(root["release"], at: "release", required: false) ?? false
        if release, outcome != .discrepancy { reader.add(Issue(field: "release", .ruleEffectRelease)) }
        var corrections: [InspectionCorrection] = []
        let items = reader.array(root["corrections"], at: "corrections", required: outcome == .discrepancy, minCount: outcome == .discrepancy ? 1 : 0, maxCount: 100) ?? []
        for (index, item) in items.enumerated() {
            let path = "corrections[\(index)]"
            guard let object = reader.object(item, at: path) else { continue }
            let field = reader.string(object["field"], at: "\(path).field", maxLength: 200)
            let declared = reader.string(object["declared"], at: "\(path).declared", required: false, maxLength: 500)
            let found = reader.string(object["found"], at: "\(path).found", maxLength: 500)
            if let field, let found { corrections.append(InspectionCorrection(field: field, declared: declared, found: found)) }
        }
        try reader.finish()
        return InspectionReport(outcome: outcome!, details: details, corrections: corrections, release: release)
    }
}

extension IssueCode {
    public static let ruleEffectRelease = IssueCode(
        "inspection.release",
        en: "release applies only to a discrepancy settled on the spot",
        vi: "release chỉ áp dụng cho sai lệch đã được xử lý tại chỗ",
        zh: "release 仅适用于当场处理完毕的不符情况")
}

/// How long a referred trip should wait for its outcome, by channel; lists show each
/// item's wait against it.
public enum InspectionTargets {
    public static func seconds(for channel: Channel) -> Int {
        switch channel {
        case .green, .yellow: 15 * 60  // a document check
        case .red: 60 * 60  // a physical inspection
        }
    }
}

/// Picks the officer for a new inspection: the one on duty with the fewest open
/// assignments, the longest on duty first among equals, so work spreads evenly.
public enum InspectionAssignment {
    public struct Candidate: Sendable, Equatable {
        public var officer: UUID
        public var openAssignments: Int
        public var onDutySince: Date
        public init(officer: UUID, openAssignments: Int, onDutySince: Date) {
            self.officer = officer
            self.openAssignments = openAssignments
            self.onDutySince = onDutySince
        }
    }

    public static func leastLoaded(_ candidates: [Candidate]) -> UUID? {
        candidates.min {
            ($0.openAssignments, $0.onDutySince, $0.officer.uuidString) < ($1.openAssignments, $1.onDutySince, $1.officer.uuidString)
        }?.officer
    }
}
