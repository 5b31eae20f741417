import Foundation

extension IssueCode {
    public static let ruleWithoutCriteria = IssueCode(
        "rule.no-criteria",
        en: "a rule needs at least one criterion, or a sampleRate (a rule matching every trip is a sampling rule)",
        vi: "quy tắc cần ít nhất một tiêu chí, hoặc sampleRate (quy tắc áp dụng cho mọi chuyến là quy tắc lấy mẫu)",
        zh: "规则至少需要一个条件，或设置 sampleRate（适用于所有车次的规则即抽样规则）")
    public static let ruleEffect = IssueCode(
        "rule.effect",
        en: "give either minChannel (yellow or red) or block: true",
        vi: "hãy khai minChannel (yellow hoặc red) hoặc block: true",
        zh: "请提供 minChannel（yellow 或 red）或 block: true 之一")
    public static let ruleBlockNeedsDeclarants = IssueCode(
        "rule.block-declarants",
        en: "a blocking rule names the declarants it blocks (criteria.declarants) and nothing else",
        vi: "quy tắc chặn phải nêu doanh nghiệp bị chặn (criteria.declarants) và không có tiêu chí khác",
        zh: "拦截规则须列出被拦截的申报人（criteria.declarants），且不得有其他条件")
    public static let ruleValidity = IssueCode(
        "rule.validity",
        en: "validUntil must be after validFrom",
        vi: "validUntil phải sau validFrom",
        zh: "validUntil 必须晚于 validFrom")
    public static let hsPrefix = IssueCode(
        "hs.prefix",
        en: "an HS code or prefix is 2 to 10 digits (got \"{actual}\")",
        vi: "mã HS hoặc tiền tố gồm 2 đến 10 chữ số (nhận được \"{actual}\")",
        zh: "HS 编码或前缀为 2 至 10 位数字（实际为\"{actual}\"）")
}

/// What a rule looks at. Every criterion given must hold (AND); a list holds when any of
/// its entries does (OR).
public struct RuleCriteria: Sendable, Equatable, Codable {
    /// HS codes or prefixes ("08" a chapter, "0810" a heading): any goods line under one.
    public var hsCodes: [String]?
    /// Origins: any goods line from one of them.
    public var origins: [String]?
    /// Declarants by tax code.
    public var declarants: [String]?
    /// Declarants with fewer than 5 earlier trips (true), or only established ones (false).
    public var newDeclarant: Bool?
    /// Declarants with at least this many recorded discrepancies.
    public var minPriorDiscrepancies: Int?
    public var directions: [TripDirection]?
    /// Declared value per kg at most this multiple of the norm for the HS heading (0.5 =
    /// half the norm or less). Needs a loaded model: the norms travel with it.
    public var maxValueVsNorm: Double?
    /// Goods mass per container (per vehicle when loose) at least this many kg.
    public var minKgPerContainer: Double?
    /// Any of these documents not referenced.
    public var missingDocuments: [DocumentKind]?

    public init() {}

    static let fields = [
        "hsCodes", "origins", "declarants", "newDeclarant", "minPriorDiscrepancies", "directions", "maxValueVsNorm",
        "minKgPerContainer", "missingDocuments",
    ]

    var isEmpty: Bool { self == RuleCriteria() }

    /// Whether the trip meets every criterion given.
    public func matches(_ trip: RiskCase, norms: RiskNorms?) -> Bool {
        if let hsCodes, !trip.lines.contains(where: { line in hsCodes.contains { line.hsCode.hasPrefix($0) } }) { return false }
        if let origins, !trip.lines.contains(where: { origins.contains($0.origin) }) { return false }
        if let declarants, !declarants.contains(trip.declarant) { return false }
        if let newDeclarant, trip.history.isNew != newDeclarant { return false }
        if let minPriorDiscrepancies, trip.history.priorDiscrepancies < minPriorDiscrepancies { return false }
        if let directions, !directions.contains(trip.direction) { return false }
        if let maxValueVsNorm {
            guard let ratio = norms?.valueRatio(trip), ratio <= maxValueVsNorm else { return false }
        }
        if let minKgPerContainer, trip.totalGrossKg / Double(max(trip.containers, 1)) < minKgPerContainer { return false }
        if let missingDocuments, !missingDocuments.contains(where: { !trip.documents.contains($0) }) { return false }
        return true
    }
}

/// A selectivity rule managed by customs officers: when its criteria hold, the trip goes
/// at least to `minChannel` (or, for a blocking rule, is refused at submission), with
/// `reason` shown to the officer. A `sampleRate` makes it a random sampling rule: it
/// applies to that share of the matching trips, drawn by `RandomSampling`.
public struct RiskRule: Sendable, Equatable, Codable {
    public var name: String
    public var reason: String
    public var minChannel: Channel?
    public var block: Bool
    /// The gates it applies at; empty means every gate (admin only).
    public var gates: [String]
    public var criteria: RuleCriteria
    public var sampleRate: Double?
    public var validFrom: Date?
    public var validUntil: Date?

    static let fields = ["name", "reason", "minChannel", "block", "gates", "criteria", "sampleRate", "validFrom", "validUntil"]

    /// Whether the rule is in force at `now`.
    public func isValid(at now: Date) -> Bool {
        (validFrom.map { now >= $0 } ?? true) && (validUntil.map { now < $0 } ?? true)
    }

    /// Whether the rule applies to the trip (gate, validity and criteria; not the sampling draw).
    public func applies(to trip: RiskCase, norms: RiskNorms?, at now: Date) -> Bool {
        isValid(at: now) && (gates.isEmpty || gates.contains(trip.gate)) && criteria.matches(trip, norms: norms)
    }

    /// Validates a rule document and reports every bad field at once; unknown fields are
    /// refused, since a misspelt criterion would silently widen the rule.
    public static func parse(_ json: JSONValue, knownGates: Set<String>) throws(ValidationFailure) -> RiskRule {
        guard case .object(let root) = json else {
            throw ValidationFailure([Issue(field: "", .wrongType, ["expected": "an object", "actual": json.typeName])])
        }
        var reader = FieldReader()
        reader.refuseUnknown(in: root, allowed: fields)
        let name = reader.string(root["name"], at: "name", maxLength: 120)
        let reason = reader.string(root["reason"], at: "reason", maxLength: 500)
        let minChannel = reader.choice(root["minChannel"], at: "minChannel", required: false, as: Channel.self)
        let block = reader.bool(root["block"], at: "block", required: false) ?? false
        // Exactly one effect: a channel above green, or a block.
        if block ? root["minChannel"] != nil && root["minChannel"] != .null : root["minChannel"] == nil || minChannel == .green {
            reader.add(Issue(field: "minChannel", .ruleEffect))
        }
        var gates: [String] = []
        for (index, item) in (reader.array(root["gates"], at: "gates", required: false, maxCount: 20) ?? []).enumerated() {
            guard let gate = reader.string(item, at: "gates[\(index)]", maxLength: 64) else { continue }
            if !knownGates.contains(gate) {
                reader.add(Issue(field: "gates[\(index)]", .unknownGate, ["actual": gate, "allowed": knownGates.sorted().joined(separator: ", ")]))
            } else if gates.contains(gate) {
                reader.add(Issue(field: "gates[\(index)]", .duplicate, ["other": "gates[\(gates.firstIndex(of: gate)!)]"]))
            } else {
                gates.append(gate)
            }
        }
        let criteria = parseCriteria(root["criteria"], reader: &reader)
        let sampleRate = reader.number(root["sampleRate"], at: "sampleRate", required: false, minimum: 0, maximum: 1, exclusiveMinimum: true)
        let validFrom = reader.timestamp(root["validFrom"], at: "validFrom", required: false, within: .calendar)
        let validUntil = reader.timestamp(root["validUntil"], at: "validUntil", required: false, within: .calendar)
        if let validFrom, let validUntil, validUntil <= validFrom { reader.add(Issue(field: "validUntil", .ruleValidity)) }
        if let criteria {
            var declarantsOnly = RuleCriteria()
            declarantsOnly.declarants = criteria.declarants
            if block {
                if criteria.declarants == nil || criteria != declarantsOnly || sampleRate != nil {
                    reader.add(Issue(field: "criteria.declarants", .ruleBlockNeedsDeclarants))
                }
            } else if criteria.isEmpty, sampleRate == nil, case .object(let given)? = root["criteria"], given.isEmpty {
                reader.add(Issue(field: "criteria", .ruleWithoutCriteria))
            }
        }
        try reader.finish()
        return RiskRule(
            name: name!, reason: reason!, minChannel: block ? nil : minChannel, block: block, gates: gates, criteria: criteria!,
            sampleRate: sampleRate.map { NSDecimalNumber(decimal: $0).doubleValue }, validFrom: validFrom, validUntil: validUntil)
    }

    private static func parseCriteria(_ value: JSONValue?, reader: inout FieldReader) -> RuleCriteria? {
        guard let object = reader.object(value, at: "criteria") else { return nil }
        reader.refuseUnknown(in: object, allowed: RuleCriteria.fields, at: "criteria")
        var criteria = RuleCriteria()
        func list<T>(_ key: String, _ item: (JSONValue, String, inout FieldReader) -> T?) -> [T]? {
            guard let items = reader.array(object[key], at: "criteria.\(key)", required: false, minCount: 1, maxCount: 500) else { return nil }
            let parsed = items.enumerated().compactMap { item($0.element, "criteria.\(key)[\($0.offset)]", &reader) }
            return parsed.count == items.count && !items.isEmpty ? parsed : nil
        }
        criteria.hsCodes = list("hsCodes") { value, path, reader in
            guard let text = reader.string(value, at: path, maxLength: 16) else { return nil }
            let digits = text.replacingOccurrences(of: ".", with: "")
            guard (2...10).contains(digits.count), digits.allSatisfy({ ("0"..."9").contains($0) }) else {
                reader.add(Issue(field: path, .hsPrefix, ["actual": text]))
                return nil
            }
            return digits
        }
        criteria.origins = list("origins") { value, path, reader in reader.parse(value, at: path, maxLength: 8, CountryCode.init)?.value }
        criteria.declarants = list("declarants") { value, path, reader in reader.parse(value, at: path, maxLength: 32, EnterpriseCode.init)?.value }
        criteria.newDeclarant = reader.bool(object["newDeclarant"], at: "criteria.newDeclarant", required: false)
        if let count = reader.number(
            object["minPriorDiscrepancies"], at: "criteria.minPriorDiscrepancies", required: false, minimum: 1, maximum: 100_000) {
            if count == Decimal(NSDecimalNumber(decimal: count).intValue) {
                criteria.minPriorDiscrepancies = NSDecimalNumber(decimal: count).intValue
            } else {
                reader.add(Issue(field: "criteria.minPriorDiscrepancies", .wrongType, ["expected": "a whole number", "actual": "\(count)"]))
            }
        }
        criteria.directions = list("directions") { value, path, reader in reader.choice(value, at: path, as: TripDirection.self) }
        criteria.maxValueVsNorm = reader.number(
            object["maxValueVsNorm"], at: "criteria.maxValueVsNorm", required: false, minimum: 0, maximum: 10, exclusiveMinimum: true
        ).map { NSDecimalNumber(decimal: $0).doubleValue }
        criteria.minKgPerContainer = reader.number(
            object["minKgPerContainer"], at: "criteria.minKgPerContainer", required: false, minimum: 0, maximum: DeclarationLimits.maxKg,
            exclusiveMinimum: true
        ).map { NSDecimalNumber(decimal: $0).doubleValue }
        criteria.missingDocuments = list("missingDocuments") { value, path, reader in reader.choice(value, at: path, as: DocumentKind.self) }
        return criteria
    }
}
