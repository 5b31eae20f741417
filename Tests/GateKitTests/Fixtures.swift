import Foundation
import Testing
@testable import GateKit

/// Inputs shared by the declaration, lifecycle and lane-decision tests.
///
/// Everything here is built from JSON text through the same entry points a client uses
/// (`JSONValue.parse`, `TripDeclaration.parse`), so the fixtures cannot drift from the rules.
enum DomainFixtures {
    /// The gates the test deployment serves.
    static let knownGates: Set<String> = ["kim-thanh", "lao-cai-rail"]

    /// A SHA-256 of some document: 64 lower-case hex characters.
    static let documentDigest = String(repeating: "0123456789abcdef", count: 4)

    /// A complete, valid export declaration through Kim Thành (durian to China).
    static let validDeclarationText = """
        {
          "direction": "export",
          "gate": "kim-thanh",
          "declarant": {"taxCode": "5300100269", "name": "Cong ty Nong san Lao Cai"},
          "vehicle": {"plate": "24C-123.45", "trailerPlate": "24R-012.34"},
          "driver": {"name": "Nguyen Van A", "documentNumber": "C1234567", "nationality": "VN"},
          "containers": [{"number": "CSQU3054383", "seals": ["VNLC0000123"]}],
          "goods": [{
            "hsCode": "081060",
            "description": "Fresh durian",
            "quantity": 18000,
            "unit": "KGM",
            "netKg": 18000,
            "grossKg": 19500,
            "value": {"amount": 54000, "currency": "USD"},
            "origin": "VN"
          }],
          "documents": [{
            "kind": "commercialInvoice",
            "reference": "INV-2026-001",
            "sha256": "\(documentDigest)"
          }],
          "plannedArrival": "2026-11-23T08:00:00+07:00",
          "tareKg": 14000
        }
        """

    /// `plannedArrival` of the valid declaration: 2026-11-23T01:00:00Z.
    static let plannedArrival = Date(timeIntervalSince1970: 1_795_395_600)

    /// The server's time in the declaration tests: the day before the planned arrival.
    static let now = Date(timeIntervalSince1970: 1_795_395_600 - 86_400)

    /// `tareKg` + Σ `grossKg` of the valid declaration.
    static let expectedGrossKg = 33_500.0

    /// Parses JSON text; throws `MalformedJSON` when it is not JSON.
    static func json(_ text: String) throws -> JSONValue {
        try JSONValue.parse(Data(text.utf8))
    }

    /// One JSON value written as text, e.g. `"\"abc\""` or `"12.5"` (wrapped in an array
    /// so scalars parse regardless of the decoder's top-level fragment support).
    static func jsonFragment(_ text: String) throws -> JSONValue {
        guard case .array(let items) = try json("[\(text)]"), items.count == 1 else {
            throw FixtureError.notOneValue(text)
        }
        return items[0]
    }

    /// The valid declaration as a JSON tree.
    static func validDeclarationJSON() throws -> JSONValue {
        try json(validDeclarationText)
    }

    /// The valid declaration, parsed and validated.
    static func validDeclaration() throws -> TripDeclaration {
        try TripDeclaration.parse(validDeclarationJSON(), knownGates: knownGates, now: DomainFixtures.now)
    }

    /// The issues `TripDeclaration.parse` reports for `json`, or `[]` when it parses.
    static func declarationIssues(_ json: JSONValue) -> [GateKit.Issue] {
        do {
            _ = try TripDeclaration.parse(json, knownGates: knownGates, now: DomainFixtures.now)
            return []
        } catch {
            return error.issues
        }
    }

    enum FixtureError: Error { case notOneValue(String) }
}

extension GateKit.Issue {
    /// `field|code`, compact enough to compare whole issue lists in one `#expect`.
    var fieldAndCode: String { "\(field)|\(code.rawValue)" }
}
