import Foundation

/// One goods line as risk sees it: what, from where, worth how much, weighing how much.
public struct RiskLine: Sendable, Equatable, Codable {
    /// The HS code as declared (at least the 4-digit heading).
    public var hsCode: String
    /// ISO 3166 alpha-2 origin.
    public var origin: String
    /// Declared value in US dollars at the reference rate; nil when the currency has none.
    public var valueUSD: Double?
    public var grossKg: Double

    public init(hsCode: String, origin: String, valueUSD: Double?, grossKg: Double) {
        self.hsCode = hsCode
        self.origin = origin
        self.valueUSD = valueUSD
        self.grossKg = grossKg
    }

    /// The 4-digit heading, the level the norms are kept at.
    public var heading: String { String(hsCode.prefix(4)) }
    /// The 2-digit chapter.
    public var chapter: Int { Int(hsCode.prefix(2)) ?? 0 }
}

/// What customs knew of a declarant when a trip was declared.
public struct DeclarantHistory: Sendable, Equatable, Codable {
    /// Trips the enterprise declared before this one.
    public var priorTrips: Int
    /// Inspections of its earlier trips that recorded a discrepancy or a seizure.
    public var priorDiscrepancies: Int

    public init(priorTrips: Int, priorDiscrepancies: Int) {
        self.priorTrips = priorTrips
        self.priorDiscrepancies = priorDiscrepancies
    }

    /// An enterprise with fewer trips than this is "new": customs knows little of it.
    public static let newDeclarantTrips = 5
    public var isNew: Bool { priorTrips < Self.newDeclarantTrips }
}

/// The facts of one trip that risk rules and the model look at. Built from a
/// `TripDeclaration` on the server, and read from the history CSV for training, so both
/// go through the same feature extractor.
public struct RiskCase: Sendable, Equatable {
    public var gate: String
    public var direction: TripDirection
    public var declarant: String
    public var history: DeclarantHistory
    public var containers: Int
    public var documents: Set<DocumentKind>
    public var lines: [RiskLine]

    public init(
        gate: String, direction: TripDirection, declarant: String, history: DeclarantHistory, containers: Int,
        documents: Set<DocumentKind>, lines: [RiskLine]
    ) {
        self.gate = gate
        self.direction = direction
        self.declarant = declarant
        self.history = history
        self.containers = containers
        self.documents = documents
        self.lines = lines
    }

    /// A declared trip with what customs knows of its declarant.
    public init(_ trip: TripDeclaration, history: DeclarantHistory) {
        self.init(
            gate: trip.gate, direction: trip.direction, declarant: trip.declarant.taxCode.value, history: history,
            containers: trip.containers.count, documents: Set(trip.documents.map(\.kind)),
            lines: trip.goods.map {
                RiskLine(
                    hsCode: $0.hsCode.value, origin: $0.origin.value,
                    valueUSD: ReferenceRates.usd($0.value), grossKg: $0.grossKg)
            })
    }

    /// The line that carries most of the value (most of the mass when values are unknown):
    /// its heading and origin stand for the trip.
    public var mainLine: RiskLine? {
        lines.max { ($0.valueUSD ?? 0, $0.grossKg) < ($1.valueUSD ?? 0, $1.grossKg) }
    }

    public var totalGrossKg: Double { lines.reduce(0) { $0 + $1.grossKg } }

    /// The documents customs expects for these goods: always the invoice and packing
    /// list; a phytosanitary certificate for plants and plant products (HS 06–14); a
    /// health certificate for animals and animal products (HS 01–05, 16).
    public var requiredDocuments: Set<DocumentKind> {
        var required: Set<DocumentKind> = [.commercialInvoice, .packingList]
        for line in lines {
            if SanitaryControl.needsPhytosanitaryCertificate(chapter: line.chapter) { required.insert(.phytosanitaryCertificate) }
            if SanitaryControl.needsHealthCertificate(chapter: line.chapter) { required.insert(.healthCertificate) }
        }
        return required
    }

    public var missingDocuments: Set<DocumentKind> { requiredDocuments.subtracting(documents) }
}

/// Fixed reference rates to US dollars, used only to compare declared values with the
/// norm for their HS heading (never for duty). Approximate mid-2026 rates; a currency
/// without one leaves the value comparison out rather than guessing.
public enum ReferenceRates {
    public static let usdPerUnit: [String: Double] = [
        "USD": 1, "CNY": 0.14, "VND": 0.000039, "EUR": 1.08, "JPY": 0.0066, "KRW": 0.00072, "THB": 0.028,
        "LAK": 0.000046, "KHR": 0.00025, "SGD": 0.74, "HKD": 0.128, "TWD": 0.031, "GBP": 1.27, "AUD": 0.66,
    ]

    /// The amount in US dollars, or nil when the currency has no reference rate.
    public static func usd(_ money: Money) -> Double? {
        guard let rate = usdPerUnit[money.currency.value] else { return nil }
        return NSDecimalNumber(decimal: money.amount).doubleValue * rate
    }
}

/// Goods under sanitary and phytosanitary control, by HS chapter: what needs a
/// certificate, and which inspections quarantine officers take.
public enum SanitaryControl {
    /// Plants and plant products (HS 06–14).
    public static func needsPhytosanitaryCertificate(chapter: Int) -> Bool { (6...14).contains(chapter) }
    /// Animals and animal products (HS 01–05, 16).
    public static func needsHealthCertificate(chapter: Int) -> Bool { (1...5).contains(chapter) || chapter == 16 }
    public static func covers(chapter: Int) -> Bool {
        needsPhytosanitaryCertificate(chapter: chapter) || needsHealthCertificate(chapter: chapter)
    }
}
