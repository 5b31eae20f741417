import Foundation

/// Which way the goods cross the border, seen from the Vietnamese side.
public enum TripDirection: String, Sendable, Codable, CaseIterable {
    case export
    case `import`
    case transit
}

/// How the goods cross the bridge: on the road truck itself, or handed to an autonomous
/// shuttle at the Vietnamese handover yard (smart mode).
public enum CrossingMode: String, Sendable, Codable, CaseIterable {
    case truck
    case shuttle
}

/// Customs selectivity channel: green is released automatically, yellow is a document
/// check by an officer, red a physical inspection.
public enum Channel: String, Sendable, Codable, CaseIterable {
    case green, yellow, red
}

/// The kinds of supporting document a trip may reference. Documents travel as a
/// reference and a SHA-256 of the file, never as paper.
public enum DocumentKind: String, Sendable, Codable, CaseIterable {
    case commercialInvoice, packingList, certificateOfOrigin, phytosanitaryCertificate
    case healthCertificate, fumigationCertificate, billOfLading, contract, importLicence
    case exportLicence, transitPermit, other
}

/// A sum of money: a decimal amount (never a binary float) in an ISO 4217 currency.
/// Encoded as `{"amount": "54000.00", "currency": "USD"}` with the currency's minor units.
public struct Money: Sendable, Equatable, Codable {
    public var amount: Decimal
    public var currency: CurrencyCode

    public init(amount: Decimal, currency: CurrencyCode) {
        self.amount = amount
        self.currency = currency
    }

    /// The amount with exactly the currency's minor units: `54000.00` for USD, `1250000` for VND.
    public var formattedAmount: String {
        let minor = currency.minorUnits
        var scaled = amount * Decimal(sign: .plus, exponent: minor, significand: 1)
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .bankers)
        let units = NSDecimalNumber(decimal: rounded).int64Value
        guard minor > 0 else { return "\(units)" }
        let divisor = Int64(pow(10, Double(minor)))
        let fraction = String(abs(units % divisor))
        let padded = String(repeating: "0", count: minor - fraction.count) + fraction
        return "\(units / divisor).\(padded)"
    }

    private enum CodingKeys: String, CodingKey { case amount, currency }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        currency = try container.decode(CurrencyCode.self, forKey: .currency)
        let text = try container.decode(String.self, forKey: .amount)
        guard let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else {
            throw DecodingError.dataCorruptedError(forKey: .amount, in: container, debugDescription: "not a decimal")
        }
        amount = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(formattedAmount, forKey: .amount)
        try container.encode(currency, forKey: .currency)
    }
}

/// The enterprise that declares the trip.
public struct Declarant: Sendable, Equatable, Codable {
    public var taxCode: EnterpriseCode
    public var name: String
}

/// The road vehicle: its plate, the trailer's plate if any, and the seals on a loose-cargo
/// vehicle (a truck carrying no container is sealed on its body).
public struct DeclaredVehicle: Sendable, Equatable, Codable {
    public var plate: VehiclePlate
    public var trailerPlate: VehiclePlate?
    public var seals: [String]
}

/// The driver who will present the vehicle at the lane.
public struct DeclaredDriver: Sendable, Equatable, Codable {
    public var name: String
    public var documentNumber: String
    public var nationality: CountryCode
}

/// One container on the vehicle and the e-seals on it.
public struct DeclaredContainer: Sendable, Equatable, Codable {
    public var number: ContainerNumber
    public var seals: [String]
}

/// One line of goods.
public struct GoodsLine: Sendable, Equatable, Codable {
    public var hsCode: HSCode
    public var description: String
    public var quantity: Double
    /// UN/ECE Recommendation 20 unit code, e.g. `KGM`, `TNE`, `PCE`.
    public var unit: String
    public var netKg: Double
    public var grossKg: Double
    public var value: Money
    public var origin: CountryCode
}

/// A supporting document by reference: no paper crosses the counter.
public struct DocumentReference: Sendable, Equatable, Codable {
    public var kind: DocumentKind
    public var reference: String
    public var sha256: SHA256Digest
}

/// A trip declared before arrival: who, which vehicle and driver, which containers and
/// seals, which goods, which documents, when, and through which gate.
public struct TripDeclaration: Sendable, Equatable, Codable {
    public var direction: TripDirection
    public var gate: String
    public var declarant: Declarant
    public var vehicle: DeclaredVehicle
    public var driver: DeclaredDriver
    public var containers: [DeclaredContainer]
    public var goods: [GoodsLine]
    public var documents: [DocumentReference]
    public var plannedArrival: Date
    /// Declared empty mass of tractor, trailer and containers.
    public var tareKg: Double
    /// Smart mode (`shuttle`): released at the lane, each container becomes a transport
    /// order over the corridor. Absent means `truck`.
    public var crossing: CrossingMode? = nil

    /// Every seal the lane must find intact: those on containers and those on the vehicle.
    public var allSeals: [String] { containers.flatMap(\.seals) + vehicle.seals }

    /// What the weighbridge should read: tare plus the gross mass of every goods line.
    public var expectedGrossKg: Double { tareKg + goods.reduce(0) { $0 + $1.grossKg } }
}
