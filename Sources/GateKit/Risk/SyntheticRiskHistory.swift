import Foundation

/// A small, fast, seedable generator (SplitMix64): the same seed gives the same history
/// on every machine, which `Random.SystemRandomNumberGenerator` cannot.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(UInt64(1) << 53) }
    mutating func normal() -> Double {
        let u = max(uniform(), 1e-300)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * uniform())
    }
    mutating func pick<T>(_ weighted: [(T, Double)]) -> T {
        let total = weighted.reduce(0) { $0 + $1.1 }
        var target = uniform() * total
        for (item, weight) in weighted {
            target -= weight
            if target < 0 { return item }
        }
        return weighted[weighted.count - 1].0
    }
}

/// One trip of a risk history: the facts, the outcome an inspection recorded, and, for
/// generated histories, which planted pattern (if any) made it a true discrepancy.
public struct RiskHistoryRow: Sendable, Equatable {
    public var trip: String
    public var riskCase: RiskCase
    /// The recorded outcome: true when the inspection recorded a discrepancy. What models learn.
    public var discrepancy: Bool
    /// `none`, or the planted pattern behind a true discrepancy. Generated data only;
    /// never read by training.
    public var pattern: String

    public init(trip: String, riskCase: RiskCase, discrepancy: Bool, pattern: String) {
        self.trip = trip
        self.riskCase = riskCase
        self.discrepancy = discrepancy
        self.pattern = pattern
    }
}

/// Generates a realistic synthetic history of inspected trips through the Lào Cai gates,
/// with documented planted patterns (docs/RISK-HISTORY.md says the same in prose):
///
/// - **Goods**: 24 HS headings traded over Lào Cai (fruit, cassava, rice, tea, ores,
///   fertiliser, steel, electronics, parts, textiles, rubber, wood…), each with a value
///   per kg, a mass per container and usual origins. Clean trips scatter around them
///   (value ×e^N(0, 0.3), mass ×e^N(0, 0.12)); 2 % legitimately come from an unusual
///   origin and 2 % forget a required document.
/// - **Declarants**: one per 40 trips; activity is heavy-tailed; 30 % enter during the
///   history with no record; the rest arrive with 10–300 earlier trips. Each has a fraud
///   propensity: 2–5 % for most, 25 % for the 6 % who are **repeat offenders**.
/// - **Interaction**: a declarant with fewer than 5 earlier trips declaring electronics
///   (HS 84–85) cheats 40 % of the time. Being new alone, or declaring electronics alone,
///   carries the declarant's ordinary propensity: only the two together mean risk.
/// - **How a cheat shows**: **undervaluation** (value ×0.3–0.6, 40 %), **misdeclared
///   weight** (mass ×0.6–0.8, 25 %), **mismatched origin** (an origin rare for the
///   heading, 20 %), **missing SPS certificate** (plants and food only, 15 %; otherwise
///   undervaluation).
/// - **Labels as noisy as real inspections**: 10 % of true discrepancies are recorded as
///   cleared, 1 % of clean trips as discrepancies. The declarant's history counts
///   recorded outcomes, as customs' records would.
///
/// The true discrepancy rate comes out near 5 % (2–8 % by CONTRACTS §9); `summary`
/// reports it for each generated history.
public struct SyntheticRiskHistory: Sendable {
    struct Goods {
        var heading: String
        var usdPerKg: Double
        var kgPerContainer: Double
        var origins: [(String, Double)]
        var weight: Double
    }

    static let catalog: [Goods] = [
        Goods(heading: "0810", usdPerKg: 1.1, kgPerContainer: 22_000, origins: [("VN", 0.9), ("TH", 0.07), ("LA", 0.03)], weight: 9),
        Goods(heading: "0804", usdPerKg: 1.3, kgPerContainer: 21_000, origins: [("VN", 0.8), ("TH", 0.2)], weight: 5),
        Goods(heading: "0803", usdPerKg: 0.5, kgPerContainer: 24_000, origins: [("VN", 0.9), ("LA", 0.1)], weight: 6),
        Goods(heading: "0808", usdPerKg: 1.0, kgPerContainer: 20_000, origins: [("CN", 0.96), ("NZ", 0.04)], weight: 4),
        Goods(heading: "0714", usdPerKg: 0.25, kgPerContainer: 26_000, origins: [("VN", 0.7), ("LA", 0.2), ("KH", 0.1)], weight: 5),
        Goods(heading: "1006", usdPerKg: 0.55, kgPerContainer: 26_000, origins: [("VN", 0.95), ("KH", 0.05)], weight: 4),
        Goods(heading: "0902", usdPerKg: 3.0, kgPerContainer: 18_000, origins: [("VN", 0.6), ("CN", 0.4)], weight: 2),
        Goods(heading: "0306", usdPerKg: 8.0, kgPerContainer: 18_000, origins: [("VN", 0.92), ("ID", 0.08)], weight: 3),
        Goods(heading: "2602", usdPerKg: 0.2, kgPerContainer: 27_000, origins: [("VN", 0.7), ("LA", 0.3)], weight: 3),
        Goods(heading: "2701", usdPerKg: 0.12, kgPerContainer: 28_000, origins: [("CN", 0.8), ("MN", 0.2)], weight: 2),
        Goods(heading: "3102", usdPerKg: 0.35, kgPerContainer: 27_000, origins: [("CN", 0.9), ("RU", 0.1)], weight: 5),
        Goods(heading: "3004", usdPerKg: 40, kgPerContainer: 5_000, origins: [("CN", 0.6), ("IN", 0.25), ("DE", 0.15)], weight: 2),
        Goods(heading: "7208", usdPerKg: 0.7, kgPerContainer: 27_000, origins: [("CN", 0.95), ("KR", 0.05)], weight: 4),
        Goods(heading: "8471", usdPerKg: 120, kgPerContainer: 6_000, origins: [("CN", 0.85), ("VN", 0.1), ("KR", 0.05)], weight: 5),
        Goods(heading: "8517", usdPerKg: 250, kgPerContainer: 4_000, origins: [("CN", 0.8), ("VN", 0.15), ("KR", 0.05)], weight: 5),
        Goods(heading: "8542", usdPerKg: 400, kgPerContainer: 2_500, origins: [("CN", 0.5), ("KR", 0.3), ("TW", 0.2)], weight: 3),
        Goods(heading: "8504", usdPerKg: 20, kgPerContainer: 12_000, origins: [("CN", 0.95), ("JP", 0.05)], weight: 3),
        Goods(heading: "8418", usdPerKg: 6, kgPerContainer: 8_000, origins: [("CN", 0.9), ("TH", 0.1)], weight: 2),
        Goods(heading: "8708", usdPerKg: 8, kgPerContainer: 14_000, origins: [("CN", 0.9), ("JP", 0.1)], weight: 4),
        Goods(heading: "5208", usdPerKg: 6, kgPerContainer: 15_000, origins: [("CN", 0.95), ("IN", 0.05)], weight: 4),
        Goods(heading: "6203", usdPerKg: 15, kgPerContainer: 10_000, origins: [("VN", 0.6), ("CN", 0.4)], weight: 4),
        Goods(heading: "6402", usdPerKg: 12, kgPerContainer: 9_000, origins: [("VN", 0.7), ("CN", 0.3)], weight: 3),
        Goods(heading: "4001", usdPerKg: 1.6, kgPerContainer: 22_000, origins: [("VN", 0.8), ("LA", 0.1), ("TH", 0.1)], weight: 3),
        Goods(heading: "4407", usdPerKg: 0.5, kgPerContainer: 22_000, origins: [("VN", 0.5), ("LA", 0.4), ("CN", 0.1)], weight: 3),
    ]
    /// Origins a cheat claims when it misstates where goods come from.
    static let transitOrigins = ["LA", "MM", "KH", "TH", "MY", "ID", "PH", "BD"]
    static let gates: [(String, Double)] = [
        ("kim-thanh", 0.55), ("lao-cai-road-1", 0.2), ("lao-cai-rail", 0.1), ("ban-vuoc", 0.08), ("muong-khuong", 0.07),
    ]

    struct Enterprise {
        var code: String
        var propensity: Double
        var activity: Double
        var entersAt: Int
        var trips: Int
        var discrepancies: Int
    }

    public let count: Int
    public let seed: UInt64

    public init(count: Int, seed: UInt64) {
        self.count = count
        self.seed = seed
    }

    /// The history, oldest trip first.
    public func rows() -> [RiskHistoryRow] {
        var random = SeededGenerator(seed: seed)
        var enterprises = makeEnterprises(&random)
        var cumulative: [Double] = []
        var running = 0.0
        for enterprise in enterprises {
            running += enterprise.activity
            cumulative.append(running)
        }
        let goodsWeights = Self.catalog.indices.map { ($0, Self.catalog[$0].weight) }
        var rows: [RiskHistoryRow] = []
        rows.reserveCapacity(count)
        for index in 0..<count {
            var who = 0
            for _ in 0..<20 {  // someone who has already entered the market
                let target = random.uniform() * running
                var low = 0
                var high = cumulative.count - 1
                while low < high {
                    let mid = (low + high) / 2
                    if cumulative[mid] > target { high = mid } else { low = mid + 1 }
                }
                who = low
                if enterprises[who].entersAt <= index { break }
            }
            let goods = Self.catalog[random.pick(goodsWeights)]
            let (row, recorded) = trip(number: index, enterprise: enterprises[who], goods: goods, random: &random)
            enterprises[who].trips += 1
            if recorded { enterprises[who].discrepancies += 1 }
            rows.append(row)
        }
        return rows
    }

    private func makeEnterprises(_ random: inout SeededGenerator) -> [Enterprise] {
        let total = max(50, count / 40)
        var used: Set<String> = []
        return (0..<total).map { _ in
            var code = ""
            repeat { code = Self.taxCode(&random) } while used.contains(code)
            used.insert(code)
            let offender = random.uniform() < 0.06
            let propensity = offender ? 0.25 : 0.02 + 0.03 * random.uniform()
            let newcomer = random.uniform() < 0.3
            let prior = newcomer ? 0 : 10 + Int(random.uniform() * 290)
            // What the record shows of an established firm's past: its propensity, as
            // imperfectly as inspections record it.
            let past = (0..<prior).reduce(0) { count, _ in count + (random.uniform() < propensity * 0.9 + 0.01 ? 1 : 0) }
            return Enterprise(
                code: code, propensity: propensity, activity: exp(random.normal() * 1.2),
                entersAt: newcomer ? Int(random.uniform() * Double(count)) : 0, trips: prior, discrepancies: past)
        }
    }

    /// A valid Vietnamese tax code from Lào Cai's range (53…), check digit included.
    static func taxCode(_ random: inout SeededGenerator) -> String {
        while true {
            var digits = [5, 3] + (0..<7).map { _ in Int(random.next() % 10) }
            let weights = [31, 29, 23, 19, 17, 13, 7, 5, 3]
            let check = 10 - zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 } % 11
            guard check < 10 else { continue }
            digits.append(check)
            let code = digits.map(String.init).joined()
            if (try? EnterpriseCode(code)) != nil { return code }
        }
    }

    private func trip(number: Int, enterprise: Enterprise, goods: Goods, random: inout SeededGenerator) -> (RiskHistoryRow, Bool) {
        let history = DeclarantHistory(priorTrips: enterprise.trips, priorDiscrepancies: enterprise.discrepancies)
        var origin = random.pick(goods.origins)
        if random.uniform() < 0.02 { origin = Self.unusualOrigin(for: goods, &random) }
        let direction: TripDirection = random.uniform() < 0.04 ? .transit : (origin == "VN" ? .export : .import)
        let containers = random.uniform() < 0.7 ? 1 : 2
        var grossKg = goods.kgPerContainer * Double(containers) * exp(random.normal() * 0.12)
        var valueUSD = goods.usdPerKg * grossKg * exp(random.normal() * 0.3)
        let chapter = Int(goods.heading.prefix(2))!
        let line = RiskLine(hsCode: goods.heading + "00", origin: origin, valueUSD: valueUSD, grossKg: grossKg)
        var trip = RiskCase(
            gate: random.pick(Self.gates), direction: direction, declarant: enterprise.code, history: history,
            containers: containers, documents: [], lines: [line])
        var documents = trip.requiredDocuments
        if random.uniform() < 0.5 { documents.insert(.certificateOfOrigin) }
        // Sorted before drawing: a Set's order differs between instances, the history must not.
        if random.uniform() < 0.02, let forgotten = documents.subtracting([.certificateOfOrigin]).sorted(by: { $0.rawValue < $1.rawValue }).randomElement(using: &random) {
            documents.remove(forgotten)
        }

        let electronics = (84...85).contains(chapter)
        let propensity = history.isNew && electronics ? 0.40 : enterprise.propensity
        var pattern = "none"
        if random.uniform() < propensity {
            pattern = random.pick([("undervaluation", 0.40), ("weight", 0.25), ("origin", 0.20), ("documents", 0.15)])
            let plants = (6...14).contains(chapter)
            if pattern == "documents", !plants { pattern = "undervaluation" }
            switch pattern {
            case "undervaluation": valueUSD *= 0.3 + 0.3 * random.uniform()
            case "weight":
                let factor = 0.6 + 0.2 * random.uniform()
                grossKg *= factor
                valueUSD *= factor  // the invoice matches the declared (light) mass
            case "origin": origin = Self.unusualOrigin(for: goods, &random)
            default: documents.remove(.phytosanitaryCertificate)
            }
        }
        trip.lines = [RiskLine(hsCode: line.hsCode, origin: origin, valueUSD: (valueUSD * 100).rounded() / 100, grossKg: grossKg.rounded())]
        trip.documents = documents
        let truth = pattern != "none"
        let recorded = truth ? random.uniform() < 0.9 : random.uniform() < 0.01
        let row = RiskHistoryRow(trip: String(format: "T%07d", number + 1), riskCase: trip, discrepancy: recorded, pattern: pattern)
        return (row, recorded)
    }

    private static func unusualOrigin(for goods: Goods, _ random: inout SeededGenerator) -> String {
        let usual = Set(goods.origins.map(\.0))
        let candidates = transitOrigins.filter { !usual.contains($0) }
        return candidates[Int(random.next() % UInt64(candidates.count))]
    }
}
