import Foundation
import Testing
@testable import GateKit

// MARK: - Helpers

/// One step of a JSON path such as `goods[0].value.currency`.
private enum ParserPathStep {
    case key(String)
    case index(Int)
}

/// Splits `goods[0].value.currency` into `goods`, `0`, `value`, `currency`.
private func parserPathSteps(_ path: String) -> [ParserPathStep] {
    var steps: [ParserPathStep] = []
    for part in path.split(separator: ".") {
        var name = part
        var indices: [Int] = []
        while name.hasSuffix("]"), let open = name.lastIndex(of: "[") {
            let digits = name[name.index(after: open)..<name.index(before: name.endIndex)]
            guard let index = Int(digits) else { preconditionFailure("bad index in path \(path)") }
            indices.insert(index, at: 0)
            name = name[..<open]
        }
        if !name.isEmpty { steps.append(.key(String(name))) }
        steps += indices.map(ParserPathStep.index)
    }
    return steps
}

/// `value` with the member at `steps` replaced by `new`, or removed when `new` is nil.
private func parserReplacing(_ value: JSONValue, _ steps: ArraySlice<ParserPathStep>, with new: JSONValue?) -> JSONValue {
    guard let step = steps.first else { return new ?? .null }
    let rest = steps.dropFirst()
    switch (step, value) {
    case (.key(let key), .object(var members)):
        members[key] = rest.isEmpty ? new : parserReplacing(members[key] ?? .null, rest, with: new)
        return .object(members)
    case (.index(let index), .array(var items)):
        if rest.isEmpty {
            if let new { items[index] = new } else { items.remove(at: index) }
        } else {
            items[index] = parserReplacing(items[index], rest, with: new)
        }
        return .array(items)
    default:
        preconditionFailure("path does not fit the document")
    }
}

/// The valid declaration with the field at `path` set to the JSON `text`, or removed when
/// `text` is nil.
private func parserMutated(_ path: String, _ text: String?) throws -> JSONValue {
    let new = try text.map(DomainFixtures.jsonFragment)
    return parserReplacing(try DomainFixtures.validDeclarationJSON(), parserPathSteps(path)[...], with: new)
}

/// The valid declaration with several fields changed at once.
private func parserMutated(_ changes: [(String, String?)]) throws -> JSONValue {
    var json = try DomainFixtures.validDeclarationJSON()
    for (path, text) in changes {
        json = parserReplacing(json, parserPathSteps(path)[...], with: try text.map(DomainFixtures.jsonFragment))
    }
    return json
}

/// A single-field mutation of the valid declaration and the one issue it must cause.
struct DeclarationMutation: Sendable, CustomTestStringConvertible {
    var path: String
    /// New JSON text for the field; nil removes it.
    var json: String?
    var field: String
    var code: String

    init(_ path: String, _ json: String?, _ code: String, field: String? = nil) {
        self.path = path
        self.json = json
        self.field = field ?? path
        self.code = code
    }

    var testDescription: String { "\(path) = \(json ?? "<removed>") → \(field) \(code)" }
}

private let parserNineContainers = "[" + (0..<9).map { _ in #"{"number": "CSQU3054383"}"# }.joined(separator: ",") + "]"

// MARK: - Tests

@Suite struct DeclarationParserTests {
    @Test func parsesTheValidExample() throws {
        let declaration = try DomainFixtures.validDeclaration()

        #expect(declaration.direction == .export)
        #expect(declaration.gate == "kim-thanh")
        #expect(declaration.declarant.taxCode.value == "5300100269")
        #expect(declaration.declarant.taxCode.kind == .vietnamTaxCode)
        #expect(declaration.declarant.name == "Cong ty Nong san Lao Cai")

        #expect(declaration.vehicle.plate.normalized == "24C12345")
        #expect(declaration.vehicle.plate.display == "24C-123.45")
        #expect(declaration.vehicle.plate.isTrailer == false)
        #expect(declaration.vehicle.trailerPlate?.normalized == "24R01234")
        #expect(declaration.vehicle.trailerPlate?.isTrailer == true)
        #expect(declaration.vehicle.seals == [])

        #expect(declaration.driver.name == "Nguyen Van A")
        #expect(declaration.driver.documentNumber == "C1234567")
        #expect(declaration.driver.nationality == .vn)

        #expect(declaration.containers.map(\.number.value) == ["CSQU3054383"])
        #expect(declaration.containers.first?.seals == ["VNLC0000123"])
        #expect(declaration.allSeals == ["VNLC0000123"])

        try #require(declaration.goods.count == 1)
        let line = declaration.goods[0]
        #expect(line.hsCode.value == "081060")
        #expect(line.description == "Fresh durian")
        #expect(line.quantity == 18_000)
        #expect(line.unit == "KGM")
        #expect(line.netKg == 18_000)
        #expect(line.grossKg == 19_500)
        #expect(line.value.amount == Decimal(54_000))
        #expect(line.value.currency == .usd)
        #expect(line.value.formattedAmount == "54000.00")
        #expect(line.origin == .vn)

        #expect(declaration.documents.count == 1)
        #expect(declaration.documents.first?.kind == .commercialInvoice)
        #expect(declaration.documents.first?.reference == "INV-2026-001")
        #expect(declaration.documents.first?.sha256.value == DomainFixtures.documentDigest)

        #expect(declaration.plannedArrival == DomainFixtures.plannedArrival)
        #expect(Timestamp.format(declaration.plannedArrival) == "2026-11-23T01:00:00.000Z")
        #expect(declaration.tareKg == 14_000)
        // tare 14 000 + goods gross 19 500.
        #expect(declaration.expectedGrossKg == 33_500)
    }

    @Test func normalisesWhatItAccepts() throws {
        let json = try parserMutated([
            ("vehicle.plate", #""24c 123 45""#),
            ("driver.name", #""  Nguyen Van A  ""#),
            ("driver.nationality", #"" vn ""#),
            ("containers[0].number", #""csqu 305438-3""#),
            ("containers[0].seals", #"["vnlc0000123"]"#),
            ("goods[0].hsCode", #""0810.60""#),
            ("goods[0].unit", #""kgm""#),
            ("goods[0].value.currency", #""usd""#),
            ("documents[0].sha256", "\"\(DomainFixtures.documentDigest.uppercased())\""),
            ("plannedArrival", #""2026-11-23T01:00:00Z""#),
        ])
        let declaration = try TripDeclaration.parse(json, knownGates: DomainFixtures.knownGates, now: DomainFixtures.now)
        #expect(declaration.vehicle.plate.normalized == "24C12345")
        #expect(declaration.driver.name == "Nguyen Van A")
        #expect(declaration.driver.nationality == .vn)
        #expect(declaration.containers.first?.number.value == "CSQU3054383")
        #expect(declaration.containers.first?.seals == ["VNLC0000123"])
        #expect(declaration.goods.first?.hsCode.value == "081060")
        #expect(declaration.goods.first?.unit == "KGM")
        #expect(declaration.goods.first?.value.currency == .usd)
        #expect(declaration.documents.first?.sha256.value == DomainFixtures.documentDigest)
        #expect(declaration.plannedArrival == DomainFixtures.plannedArrival)
    }

    @Test func optionalPartsMayBeLeftOut() throws {
        let json = try parserMutated([
            ("vehicle.trailerPlate", nil),
            ("containers", nil),
            ("documents", nil),
            ("vehicle.seals", #"["VNLC0000900", "VNLC0000901"]"#),
        ])
        let declaration = try TripDeclaration.parse(json, knownGates: DomainFixtures.knownGates, now: DomainFixtures.now)
        #expect(declaration.vehicle.trailerPlate == nil)
        #expect(declaration.containers == [])
        #expect(declaration.documents == [])
        #expect(declaration.vehicle.seals == ["VNLC0000900", "VNLC0000901"])
        #expect(declaration.allSeals == ["VNLC0000900", "VNLC0000901"])
    }

    @Test func expectedGrossAddsEveryGoodsLineToTheTare() throws {
        let json = try parserMutated("goods", """
            [
              {"hsCode": "081060", "description": "Fresh durian", "quantity": 18000, "unit": "KGM",
               "netKg": 18000, "grossKg": 19500, "value": {"amount": 54000, "currency": "USD"}, "origin": "VN"},
              {"hsCode": "08045020", "description": "Mangosteen", "quantity": 450, "unit": "KGM",
               "netKg": 450, "grossKg": 500.5, "value": {"amount": "31500000", "currency": "VND"}, "origin": "VN"}
            ]
            """)
        let declaration = try TripDeclaration.parse(json, knownGates: DomainFixtures.knownGates, now: DomainFixtures.now)
        #expect(declaration.goods.map(\.grossKg) == [19_500, 500.5])
        #expect(declaration.expectedGrossKg == 14_000 + 19_500 + 500.5)
        #expect(declaration.goods.map(\.value.formattedAmount) == ["54000.00", "31500000"])
    }

    @Test func reportsEveryInvalidFieldAtOnce() throws {
        let json = try parserMutated([
            ("containers[0].number", #""CSQU3054384""#),
            ("goods[0].hsCode", #""0010.60""#),
            ("driver.name", nil),
            ("goods[0].value.currency", #""XYZ""#),
            ("plannedArrival", #""2026-11-23T08:00:00""#),
            ("tareKg", #""14000""#),
        ])
        let failure = #expect(throws: ValidationFailure.self) {
            try TripDeclaration.parse(json, knownGates: DomainFixtures.knownGates, now: DomainFixtures.now)
        }
        // In reading order, as FieldReader promises.
        #expect(failure?.issues.map(\.fieldAndCode) == [
            "driver.name|field.required",
            "containers[0].number|container.check-digit",
            "plannedArrival|timestamp.offset-missing",
            "goods[0].hsCode|hs.chapter",
            "goods[0].value.currency|currency.unknown",
            "tareKg|field.type",
        ])
        let byField = Dictionary(uniqueKeysWithValues: (failure?.issues ?? []).map { ($0.field, $0) })
        #expect(byField["containers[0].number"]?.params == ["found": "4", "expected": "3"])
        #expect(byField["goods[0].hsCode"]?.params == ["chapter": "00"])
        #expect(byField["goods[0].value.currency"]?.params == ["code": "XYZ"])
        #expect(byField["plannedArrival"]?.params == ["actual": "2026-11-23T08:00:00"])
        #expect(byField["tareKg"]?.params == ["expected": "a number", "actual": "string"])
        #expect(byField["tareKg"]?.description == "tareKg: must be a number, not string")
    }

    @Test(arguments: [
        DeclarationMutation("direction", #""sideways""#, "field.value"),
        DeclarationMutation("direction", nil, "field.required"),
        DeclarationMutation("direction", "1", "field.type"),
        DeclarationMutation("gate", #""mong-cai""#, "gate.unknown"),
        DeclarationMutation("gate", #""   ""#, "field.empty"),
        DeclarationMutation("declarant.taxCode", #""5300100268""#, "enterprise.tax-code-check-digit"),
        DeclarationMutation("declarant.taxCode", #""ACME""#, "enterprise.format"),
        DeclarationMutation("declarant.name", nil, "field.required"),
        DeclarationMutation("declarant.name", "\"\(String(repeating: "x", count: 201))\"", "field.too-long"),
        DeclarationMutation("vehicle.plate", #""XY-123.45""#, "plate.format"),
        DeclarationMutation("vehicle.plate", nil, "field.required"),
        DeclarationMutation("vehicle.plate", #""24R-012.34""#, "plate.trailer-as-vehicle"),
        DeclarationMutation("vehicle.trailerPlate", #""24C-999.99""#, "plate.not-trailer"),
        DeclarationMutation("vehicle.trailerPlate", #""24R-0""#, "plate.vn-number"),
        DeclarationMutation("vehicle.seals", #"["AB"]"#, "seal.format", field: "vehicle.seals[0]"),
        DeclarationMutation("vehicle.seals", #""VNLC0000900""#, "field.type"),
        DeclarationMutation("driver.name", nil, "field.required"),
        DeclarationMutation("driver.documentNumber", "1234567", "field.type"),
        DeclarationMutation("driver.nationality", #""UK""#, "country.unknown"),
        DeclarationMutation("driver.nationality", #""VNM""#, "country.format"),
        DeclarationMutation("containers[0].number", #""CSQU3054384""#, "container.check-digit"),
        DeclarationMutation("containers[0].number", nil, "field.required"),
        DeclarationMutation("containers[0]", #""CSQU3054383""#, "field.type"),
        DeclarationMutation("containers[0].seals[0]", #""SEAL 1""#, "seal.format"),
        DeclarationMutation("containers", parserNineContainers, "field.too-many"),
        DeclarationMutation("goods", "[]", "field.too-few"),
        DeclarationMutation("goods", nil, "field.required"),
        DeclarationMutation("goods[0].hsCode", #""0010.60""#, "hs.chapter"),
        DeclarationMutation("goods[0].hsCode", #""7700.00""#, "hs.chapter-reserved"),
        DeclarationMutation("goods[0].hsCode", #""08106""#, "hs.length"),
        DeclarationMutation("goods[0].hsCode", #""0810-60""#, "hs.character"),
        DeclarationMutation("goods[0].description", #""""#, "field.empty"),
        DeclarationMutation("goods[0].quantity", "0", "field.range"),
        DeclarationMutation("goods[0].quantity", #""18000""#, "field.type"),
        DeclarationMutation("goods[0].unit", #""KILOGRAM""#, "field.pattern"),
        DeclarationMutation("goods[0].unit", #""K G""#, "field.pattern"),
        DeclarationMutation("goods[0].netKg", "200001", "field.range"),
        DeclarationMutation("goods[0].grossKg", "17999.5", "goods.gross-below-net"),
        DeclarationMutation("goods[0].grossKg", "0", "field.range"),
        DeclarationMutation("goods[0].value", nil, "field.required"),
        DeclarationMutation("goods[0].value", "54000", "field.type"),
        DeclarationMutation("goods[0].value.currency", #""XYZ""#, "currency.unknown"),
        DeclarationMutation("goods[0].value.currency", #""XAU""#, "currency.not-money"),
        DeclarationMutation("goods[0].value.currency", #""US""#, "currency.format"),
        DeclarationMutation("goods[0].value.currency", nil, "field.required"),
        DeclarationMutation("goods[0].value.amount", "0", "field.range"),
        DeclarationMutation("goods[0].value.amount", "-5", "field.range"),
        DeclarationMutation("goods[0].value.amount", #""54,000.00""#, "field.pattern"),
        DeclarationMutation("goods[0].value.amount", "54000.001", "money.precision"),
        DeclarationMutation("goods[0].value.amount", "true", "field.type"),
        DeclarationMutation("goods[0].value.amount", nil, "field.required"),
        DeclarationMutation("goods[0].origin", #""XX""#, "country.unknown"),
        DeclarationMutation("documents[0].kind", #""invoice""#, "field.value"),
        DeclarationMutation("documents[0].reference", nil, "field.required"),
        DeclarationMutation("documents[0].sha256", #""abc""#, "sha256.length"),
        DeclarationMutation("documents[0].sha256", "\"\(String(repeating: "z", count: 64))\"", "sha256.character"),
        DeclarationMutation("plannedArrival", #""2026-11-23T08:00:00""#, "timestamp.offset-missing"),
        DeclarationMutation("plannedArrival", #""2026-02-30T08:00:00+07:00""#, "timestamp.invalid"),
        DeclarationMutation("plannedArrival", nil, "field.required"),
        DeclarationMutation("tareKg", "0", "field.range"),
        DeclarationMutation("tareKg", "100001", "field.range"),
        DeclarationMutation("tareKg", #""14000""#, "field.type"),
        // Hardening (issue 13): server-owned and unknown members, at every level.
        DeclarationMutation("status", #""released""#, "field.unknown"),
        DeclarationMutation("channel", #""green""#, "field.unknown"),
        DeclarationMutation("id", #""3f0c1d9e-0000-4000-8000-000000000000""#, "field.unknown"),
        DeclarationMutation("unknownField", "1", "field.unknown"),
        DeclarationMutation("declarant.vatNumber", #""x""#, "field.unknown"),
        DeclarationMutation("vehicle.colour", #""red""#, "field.unknown"),
        DeclarationMutation("driver.phone", #""0912""#, "field.unknown"),
        DeclarationMutation("containers[0].sealed", "true", "field.unknown"),
        DeclarationMutation("goods[0].hsDescription", #""x""#, "field.unknown"),
        DeclarationMutation("goods[0].value.rate", "1", "field.unknown"),
        DeclarationMutation("documents[0].url", #""http://x""#, "field.unknown"),
        // Valid JSON numbers beyond what the field can hold name the field (not a 400).
        DeclarationMutation("goods[0].quantity", "1e308", "field.range"),
        DeclarationMutation("tareKg", "1e-320", "field.range"),
        DeclarationMutation("goods[0].value.amount", "1e308", "field.range"),
        // Times: RFC 3339 only, and within the plausible window of the server's time.
        DeclarationMutation("plannedArrival", #""2026-11-23 08:00:00+07:00""#, "timestamp.invalid"),
        DeclarationMutation("plannedArrival", #""2026-11-23T08:00:60+07:00""#, "timestamp.invalid"),
        DeclarationMutation("plannedArrival", #""9999-12-31T00:00:00Z""#, "timestamp.implausible"),
        DeclarationMutation("plannedArrival", #""0000-01-01T00:00:00Z""#, "timestamp.implausible"),
        DeclarationMutation("plannedArrival", #""1970-01-01T00:00:00Z""#, "timestamp.implausible"),
        DeclarationMutation("plannedArrival", #""2027-12-23T08:00:00+07:00""#, "timestamp.implausible"),
        // Identifiers as the registries issue them.
        DeclarationMutation("goods[0].value.currency", #""BGN""#, "currency.withdrawn"),
        DeclarationMutation("goods[0].value.currency", #""ANG""#, "currency.withdrawn"),
        DeclarationMutation("goods[0].hsCode", #""851712""#, "hs.unknown-subheading"),
        DeclarationMutation("goods[0].hsCode", #""0810.61.00""#, "hs.unknown-subheading"),
        DeclarationMutation("vehicle.plate", #""13A-123.45""#, "plate.vn-province-unassigned"),
        DeclarationMutation("vehicle.plate", #""24W-123.45""#, "plate.vn-series-not-issued"),
        DeclarationMutation("vehicle.plate", #""29-B1 123.45""#, "plate.motorcycle"),
        DeclarationMutation("vehicle.plate", #""29-B1 1234""#, "plate.motorcycle"),
        DeclarationMutation("vehicle.plate", #""云AD1234F""#, "plate.cn-new-energy"),
        // Text that would show officers something other than what is stored.
        DeclarationMutation("driver.name", #""Nguyen Van \u202EA""#, "field.invisible-character"),
        DeclarationMutation("declarant.name", #""Cong ty\u200B Lao Cai""#, "field.invisible-character"),
        DeclarationMutation("goods[0].description", #""Fresh durian\u2066""#, "field.invisible-character"),
    ])
    func singleFieldMutationCausesExactlyOneIssue(_ mutation: DeclarationMutation) throws {
        let issues = DomainFixtures.declarationIssues(try parserMutated(mutation.path, mutation.json))
        #expect(issues.map(\.fieldAndCode) == ["\(mutation.field)|\(mutation.code)"])
    }

    // MARK: Money

    @Test(arguments: [
        // (amount as JSON text, currency, exact amount, formatted)
        ("54000", "USD", "54000", "54000.00"),
        (#""54000""#, "USD", "54000", "54000.00"),
        ("54000.1", "USD", "54000.1", "54000.10"),
        (#""54000.10""#, "USD", "54000.1", "54000.10"),
        ("19.99", "USD", "19.99", "19.99"),
        ("0.07", "USD", "0.07", "0.07"),
        (#"" 0.07 ""#, "USD", "0.07", "0.07"),
        ("1250000", "VND", "1250000", "1250000"),
        (#""1250000""#, "VND", "1250000", "1250000"),
        ("98765.43", "CNY", "98765.43", "98765.43"),
        ("12.345", "KWD", "12.345", "12.345"),
        (#""12.5""#, "KWD", "12.5", "12.500"),
        ("999999999999.99", "USD", "999999999999.99", "999999999999.99"),
    ])
    func amountAsNumberOrString(amount: String, currency: String, exact: String, formatted: String) throws {
        let json = try parserMutated([
            ("goods[0].value.amount", amount), ("goods[0].value.currency", "\"\(currency)\""),
        ])
        let declaration = try TripDeclaration.parse(json, knownGates: DomainFixtures.knownGates, now: DomainFixtures.now)
        let money = try #require(declaration.goods.first?.value)
        #expect(money.currency.value == currency)
        #expect(money.amount == Decimal(string: exact, locale: Locale(identifier: "en_US_POSIX")))
        #expect(money.formattedAmount == formatted)
    }

    @Test(arguments: [
        ("54000.123", "USD", "2", "54000.123"),
        (#""54000.123""#, "USD", "2", "54000.123"),
        ("1250000.5", "VND", "0", "1250000.5"),
        (#""1250000.5""#, "VND", "0", "1250000.5"),
        (#""0.5""#, "JPY", "0", "0.5"),
        ("12.3456", "KWD", "3", "12.3456"),
    ])
    func tooManyDecimalsForTheCurrency(amount: String, currency: String, digits: String, actual: String) throws {
        let json = try parserMutated([
            ("goods[0].value.amount", amount), ("goods[0].value.currency", "\"\(currency)\""),
        ])
        let issues = DomainFixtures.declarationIssues(json)
        #expect(issues.map(\.fieldAndCode) == ["goods[0].value.amount|money.precision"])
        #expect(issues.first?.params == ["currency": currency, "digits": digits, "actual": actual])
    }

    @Test(arguments: [
        (#""54,000""#, "field.pattern"),
        (#""5.4e4""#, "field.pattern"),
        (#""-1""#, "field.pattern"),
        (#""1.1234567""#, "field.pattern"),
        (#""10000000000000""#, "field.pattern"),
        (#""""#, "field.pattern"),
        (#""0""#, "field.range"),
        (#""1000000000001""#, "field.range"),
        ("1000000000001", "field.range"),
        ("null", "field.required"),
        ("[54000]", "field.type"),
    ])
    func malformedAmounts(amount: String, code: String) throws {
        let issues = DomainFixtures.declarationIssues(try parserMutated("goods[0].value.amount", amount))
        #expect(issues.map(\.fieldAndCode) == ["goods[0].value.amount|\(code)"])
    }

    @Test func formattedAmountUsesTheCurrencyMinorUnits() throws {
        #expect(Money(amount: 54_000, currency: .usd).formattedAmount == "54000.00")
        #expect(Money(amount: 1_250_000, currency: .vnd).formattedAmount == "1250000")
        #expect(Money(amount: Decimal(string: "0.05")!, currency: .usd).formattedAmount == "0.05")
        let dinar = try CurrencyCode("BHD")
        #expect(Money(amount: Decimal(string: "7.1")!, currency: dinar).formattedAmount == "7.100")
        let encoded = String(decoding: try JSONEncoder().encode(Money(amount: 54_000, currency: .usd)), as: UTF8.self)
        #expect(encoded.contains(#""amount":"54000.00""#))
        #expect(encoded.contains(#""currency":"USD""#))
    }

    // MARK: Seals, plates, gate, body, masses

    @Test func duplicateSealsPointAtTheFirstDeclaration() throws {
        let withinContainer = DomainFixtures.declarationIssues(
            try parserMutated("containers[0].seals", #"["VNLC0000123", "vnlc0000123"]"#))
        #expect(withinContainer.map(\.fieldAndCode) == ["containers[0].seals[1]|field.duplicate"])
        #expect(withinContainer.first?.params == ["other": "containers[0].seals[0]"])

        // Vehicle seals are read before container seals, so the container's copy is the duplicate.
        let acrossHolders = DomainFixtures.declarationIssues(try parserMutated("vehicle.seals", #"["VNLC0000123"]"#))
        #expect(acrossHolders.map(\.fieldAndCode) == ["containers[0].seals[0]|field.duplicate"])
        #expect(acrossHolders.first?.params == ["other": "vehicle.seals[0]"])

        let acrossContainers = DomainFixtures.declarationIssues(try parserMutated("containers", """
            [{"number": "CSQU3054383", "seals": ["VNLC0000123"]},
             {"number": "MSKU1234565", "seals": ["VNLC0000124", "VNLC0000123"]}]
            """))
        #expect(acrossContainers.map(\.fieldAndCode) == ["containers[1].seals[1]|field.duplicate"])
        #expect(acrossContainers.first?.params == ["other": "containers[0].seals[0]"])
    }

    @Test func duplicateContainerIsReportedOnce() throws {
        let issues = DomainFixtures.declarationIssues(try parserMutated("containers", """
            [{"number": "CSQU3054383"}, {"number": "MSKU1234565"}, {"number": "csqu 305438-3"}]
            """))
        #expect(issues.map(\.fieldAndCode) == ["containers[2].number|field.duplicate"])
        #expect(issues.first?.params == ["other": "containers[0].number"])
    }

    @Test(arguments: [
        ("vehicle.plate", "24R-012.34", "plate.trailer-as-vehicle", "24R-012.34"),
        ("vehicle.plate", "29B1-123.45", "plate.motorcycle", "29B1-123.45"),
        ("vehicle.plate", "云A·1234挂", "plate.trailer-as-vehicle", "云A·1234挂"),
        ("vehicle.trailerPlate", "24C-999.99", "plate.not-trailer", "24C-999.99"),
        ("vehicle.trailerPlate", "云A12345", "plate.not-trailer", "云A·12345"),
    ])
    func trailerAndTractorPlatesInTheWrongPlace(path: String, plate: String, code: String, shown: String) throws {
        let issues = DomainFixtures.declarationIssues(try parserMutated(path, "\"\(plate)\""))
        #expect(issues.map(\.fieldAndCode) == ["\(path)|\(code)"])
        #expect(issues.first?.params == ["actual": shown])
    }

    @Test func swappedPlatesAreBothReported() throws {
        let issues = DomainFixtures.declarationIssues(try parserMutated([
            ("vehicle.plate", #""24R-012.34""#), ("vehicle.trailerPlate", #""24C-123.45""#),
        ]))
        #expect(issues.map(\.fieldAndCode) == [
            "vehicle.plate|plate.trailer-as-vehicle",
            "vehicle.trailerPlate|plate.not-trailer",
        ])
    }

    @Test func unknownGateListsTheKnownOnes() throws {
        let issues = DomainFixtures.declarationIssues(try parserMutated("gate", #""mong-cai""#))
        #expect(issues.map(\.fieldAndCode) == ["gate|gate.unknown"])
        #expect(issues.first?.params == ["actual": "mong-cai", "allowed": "kim-thanh, lao-cai-rail"])
        #expect(issues.first?.message() == #"unknown gate "mong-cai"; known gates: kim-thanh, lao-cai-rail"#)

        // The same document is fine where the gate is known.
        let json = try parserMutated("gate", #""mong-cai""#)
        let declaration = try TripDeclaration.parse(json, knownGates: ["mong-cai"], now: DomainFixtures.now)
        #expect(declaration.gate == "mong-cai")
    }

    @Test(arguments: [("[]", "array"), (#""text""#, "string"), ("null", "null"), ("42", "number"), ("true", "boolean")])
    func nonObjectBodyIsOneIssue(body: String, typeName: String) throws {
        let issues = DomainFixtures.declarationIssues(try DomainFixtures.jsonFragment(body))
        #expect(issues.map(\.fieldAndCode) == ["|field.type"])
        #expect(issues.first?.params == ["expected": "an object", "actual": typeName])
    }

    @Test func emptyObjectReportsEveryRequiredTopLevelField() throws {
        let issues = DomainFixtures.declarationIssues(try DomainFixtures.json("{}"))
        // Nested fields are left to `missingParentObjectIsOneIssue`.
        #expect(issues.filter { !$0.field.contains(".") }.map(\.fieldAndCode) == [
            "direction|field.required",
            "gate|field.required",
            "declarant|field.required",
            "vehicle|field.required",
            "driver|field.required",
            "plannedArrival|field.required",
            "goods|field.required",
            "tareKg|field.required",
        ])
    }

    /// A missing parent object is one issue; its required members are not listed again
    /// (as `declarant.name`, `vehicle.plate` and the `driver` members already behave).
    @Test(arguments: ["declarant", "vehicle", "driver"])
    func missingParentObjectIsOneIssue(path: String) throws {
        let issues = DomainFixtures.declarationIssues(try parserMutated(path, nil))
        #expect(issues.map(\.fieldAndCode) == ["\(path)|field.required"])
    }

    @Test func grossBelowNetNamesBothMasses() throws {
        let issues = DomainFixtures.declarationIssues(try parserMutated("goods[0].grossKg", "17999.5"))
        #expect(issues.map(\.fieldAndCode) == ["goods[0].grossKg|goods.gross-below-net"])
        #expect(issues.first?.params == ["gross": "17999.5", "net": "18000"])
        #expect(issues.first?.message() == "gross mass 17999.5 kg is below net mass 18000 kg")

        // Gross equal to net (no packaging) is allowed.
        let equal = try TripDeclaration.parse(try parserMutated("goods[0].grossKg", "18000"), knownGates: DomainFixtures.knownGates, now: DomainFixtures.now)
        #expect(equal.goods.first?.grossKg == 18_000)
        #expect(equal.expectedGrossKg == 32_000)
    }

    @Test func issuesAreTranslated() throws {
        let issues = DomainFixtures.declarationIssues(try parserMutated("driver.name", nil))
        let issue = try #require(issues.first)
        #expect(issue.message(in: .en) == "is required")
        #expect(issue.message(in: .vi) == "là bắt buộc")
        #expect(issue.message(in: .zh) == "为必填项")
        #expect(issue.description == "driver.name: is required")
    }

    // MARK: JSONValue

    @Test func jsonNumbersStayNumbersAndDecimalsStayExact() throws {
        let value = try DomainFixtures.json(#"[0, 1, true, false, null, 54000.10, "1", {"a": [1.5]}]"#)
        #expect(value == .array([
            .number(0), .number(1), .bool(true), .bool(false), .null,
            .number(Decimal(string: "54000.10")!), .string("1"),
            .object(["a": .array([.number(Decimal(string: "1.5")!)])]),
        ]))
        #expect(value["a"] == nil)
        #expect(try DomainFixtures.json(#"{"a": 1}"#)["a"] == .number(1))
    }

    @Test func malformedJSONIsNotAValidationFailure() {
        let error = #expect(throws: MalformedJSON.self) { try JSONValue.parse(Data("{\"direction\": ".utf8)) }
        #expect(error?.detail.isEmpty == false)
    }
}
