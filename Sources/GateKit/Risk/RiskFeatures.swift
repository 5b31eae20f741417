import Foundation

/// What is normal for each HS heading, learned from the trips a model is trained on:
/// the median value per kilogram, the median mass per container and where the goods
/// usually come from. Kept inside the model file, so a score always compares a trip with
/// the norms the model was trained against.
public struct RiskNorms: Sendable, Equatable, Codable {
    /// Median USD per kg by heading ("0810") and by chapter ("ch08"), with "*" for all goods.
    public var valuePerKg: [String: Double]
    /// Median goods mass per container (per vehicle when loose), same keys.
    public var kgPerUnit: [String: Double]
    /// Share of trips by origin, per heading with enough trips to tell.
    public var originShares: [String: [String: Double]]

    /// A heading or chapter needs this many trips before its norm is trusted.
    public static let minimumTrips = 20
    /// An origin below this share of its heading's trips is unusual for it.
    public static let unusualOriginShare = 0.05

    public init(valuePerKg: [String: Double], kgPerUnit: [String: Double], originShares: [String: [String: Double]]) {
        self.valuePerKg = valuePerKg
        self.kgPerUnit = kgPerUnit
        self.originShares = originShares
    }

    /// No norms: value, mass and origin comparisons are left out.
    public static let none = RiskNorms(valuePerKg: [:], kgPerUnit: [:], originShares: [:])

    /// Learns the norms from the main line of each trip.
    public static func learn(from cases: [RiskCase]) -> RiskNorms {
        var values: [String: [Double]] = [:]
        var masses: [String: [Double]] = [:]
        var origins: [String: [String: Int]] = [:]
        for trip in cases {
            guard let line = trip.mainLine, line.grossKg > 0 else { continue }
            let keys = [line.heading, "ch" + line.hsCode.prefix(2), "*"]
            let perUnit = trip.totalGrossKg / Double(max(trip.containers, 1))
            for key in keys {
                if let value = line.valueUSD, value > 0 { values[key, default: []].append(value / line.grossKg) }
                masses[key, default: []].append(perUnit)
            }
            origins[line.heading, default: [:]][line.origin, default: 0] += 1
        }
        func medians(_ samples: [String: [Double]]) -> [String: Double] {
            samples.filter { $0.value.count >= minimumTrips }.mapValues { list in
                let sorted = list.sorted()
                return sorted[sorted.count / 2]
            }
        }
        let shares = origins.filter { $0.value.values.reduce(0, +) >= minimumTrips }.mapValues { counts in
            let total = Double(counts.values.reduce(0, +))
            return counts.mapValues { Double($0) / total }
        }
        return RiskNorms(valuePerKg: medians(values), kgPerUnit: medians(masses), originShares: shares)
    }

    /// The most specific norm known for a line: its heading, else its chapter, else all goods.
    func lookup(_ table: [String: Double], _ line: RiskLine) -> Double? {
        table[line.heading] ?? table["ch" + line.hsCode.prefix(2)] ?? table["*"]
    }

    /// The declared value per kg against what the norms expect for the same goods, over
    /// all lines (1 = normal, 0.4 = declared at 40 % of the norm); nil when unknown.
    public func valueRatio(_ trip: RiskCase) -> Double? {
        var declared = 0.0
        var expected = 0.0
        for line in trip.lines {
            guard let value = line.valueUSD, let norm = lookup(valuePerKg, line) else { return nil }
            declared += value
            expected += norm * line.grossKg
        }
        guard expected > 0, declared > 0 else { return nil }
        return declared / expected
    }

    /// Goods mass per container (per vehicle when loose) against the norm of the main line.
    public func massRatio(_ trip: RiskCase) -> Double? {
        guard let line = trip.mainLine, let norm = lookup(kgPerUnit, line), norm > 0 else { return nil }
        let perUnit = trip.totalGrossKg / Double(max(trip.containers, 1))
        return perUnit > 0 ? perUnit / norm : nil
    }

    /// Whether the main line's origin is rare for its heading; false when the heading is unknown.
    public func isOriginUnusual(_ trip: RiskCase) -> Bool {
        guard let line = trip.mainLine, let shares = originShares[line.heading] else { return false }
        return (shares[line.origin] ?? 0) < Self.unusualOriginShare
    }
}

/// The one feature extractor: the generator's documentation, training and scoring all
/// call `RiskFeatures.extract`, so a model never sees a feature computed two ways.
public enum RiskFeatures {
    /// Feature names, in the order `extract` returns them. Stable: model files name them.
    public static let names: [String] = [
        "value_vs_norm_log",
        "mass_vs_norm_log",
        "origin_unusual_for_hs",
        "declarant_new",
        "declarant_trips_log",
        "declarant_discrepancy_rate",
        "missing_required_documents",
        "hs_electronics",
        "hs_plants_food",
        "hs_textiles",
        "hs_minerals_metals",
        "direction_import",
        "direction_transit",
        "value_usd_log10",
        "containers",
    ]

    /// Plain-language meaning of each feature, for `smartgate risk features --describe`
    /// and the officer's explanation.
    public static let meanings: [String: String] = [
        "value_vs_norm_log": "declared value per kg against the norm for the HS heading (natural log; 0 = normal, −0.7 = half)",
        "mass_vs_norm_log": "goods mass per container against the norm for the HS heading (natural log)",
        "origin_unusual_for_hs": "origin is rare (< 5 % of trips) for the HS heading",
        "declarant_new": "declarant has fewer than 5 earlier trips",
        "declarant_trips_log": "log(1 + earlier trips of the declarant)",
        "declarant_discrepancy_rate": "declarant's recorded discrepancies per earlier trip (smoothed)",
        "missing_required_documents": "required documents not referenced (invoice, packing list, SPS certificates)",
        "hs_electronics": "goods in HS chapters 84–85",
        "hs_plants_food": "goods in HS chapters 06–14 (plants, fruit, vegetables, cereals)",
        "hs_textiles": "goods in HS chapters 50–63",
        "hs_minerals_metals": "goods in HS chapters 25–27 or 72–83",
        "direction_import": "the trip is an import",
        "direction_transit": "the trip is in transit",
        "value_usd_log10": "log10 of the declared value in USD",
        "containers": "number of containers",
    ]

    /// The feature row of one trip against `norms`.
    public static func extract(_ trip: RiskCase, norms: RiskNorms) -> [Double] {
        let chapter = trip.mainLine?.chapter ?? 0
        let value = trip.lines.reduce(0.0) { $0 + ($1.valueUSD ?? 0) }
        let history = trip.history
        return [
            clippedLog(norms.valueRatio(trip)),
            clippedLog(norms.massRatio(trip)),
            norms.isOriginUnusual(trip) ? 1 : 0,
            history.isNew ? 1 : 0,
            log1p(Double(max(history.priorTrips, 0))),
            Double(max(history.priorDiscrepancies, 0)) / Double(max(history.priorTrips, 0) + 5),
            Double(trip.missingDocuments.count),
            (84...85).contains(chapter) ? 1 : 0,
            (6...14).contains(chapter) ? 1 : 0,
            (50...63).contains(chapter) ? 1 : 0,
            (25...27).contains(chapter) || (72...83).contains(chapter) ? 1 : 0,
            trip.direction == .import ? 1 : 0,
            trip.direction == .transit ? 1 : 0,
            log10(max(value, 1)),
            Double(trip.containers),
        ]
    }

    /// ln(ratio) within ±4; 0 (normal) when the ratio is unknown.
    static func clippedLog(_ ratio: Double?) -> Double {
        guard let ratio, ratio > 0, ratio.isFinite else { return 0 }
        return min(max(log(ratio), -4), 4)
    }
}
