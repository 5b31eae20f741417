import Foundation
import Testing
@testable import GateKit

/// Decodes `json` as a `T`, returning the `Issue` carried by the decoding error if any.
private func decodingIssue<T: Decodable>(_ type: T.Type, from json: String) -> GateKit.Issue? {
    do {
        _ = try JSONDecoder().decode(type, from: Data(json.utf8))
        return nil
    } catch let DecodingError.dataCorrupted(context) {
        return context.underlyingError as? GateKit.Issue
    } catch {
        return nil
    }
}

private func encoded(_ value: some Encodable) throws -> String {
    String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
}

// MARK: - ContainerNumber

@Suite struct ContainerNumberTests {
    @Test(arguments: [
        ("CSQU3054383", "CSQU3054383"),
        ("csqu 305438-3", "CSQU3054383"),
        ("CSQU-305438-3", "CSQU3054383"),
        ("MSKU1234565", "MSKU1234565"),
        ("TGHU 205205 8", "TGHU2052058"),
        ("APZU3114618", "APZU3114618"),
        ("TCNJ1000019", "TCNJ1000019"),
        ("ABCZ1234564", "ABCZ1234564"),
        // The weighted sum leaves remainder 10 here, written as check digit 0.
        ("CSQU0000070", "CSQU0000070"),
    ])
    func acceptsAndNormalises(raw: String, normalised: String) throws {
        let number = try ContainerNumber(raw)
        #expect(number.value == normalised)
        #expect(number.description == normalised)
    }

    @Test func exposesItsParts() throws {
        let number = try ContainerNumber("CSQU3054383")
        #expect(number.ownerCode == "CSQ")
        #expect(number.category == .freightContainer)
        #expect(number.serial == "305438")
        #expect(number.checkDigit == 3)
        #expect(try ContainerNumber("TCNJ1000019").category == .detachableEquipment)
        #expect(try ContainerNumber("ABCZ1234564").category == .trailerOrChassis)
    }

    @Test(arguments: [
        ("CSQU3054384", IssueCode.containerCheckDigit, ["found": "4", "expected": "3"]),
        ("CSQU305438O", IssueCode.containerCheckDigit, ["found": "O", "expected": "3"]),
        ("CSQU0000071", IssueCode.containerCheckDigit, ["found": "1", "expected": "0"]),
        ("CSQU305438", IssueCode.containerLength, ["length": "10"]),
        ("CSQU30543833", IssueCode.containerLength, ["length": "12"]),
        ("", IssueCode.containerLength, ["length": "0"]),
        ("C5QU3054383", IssueCode.containerOwnerCode, ["ownerCode": "C5Q"]),
        ("CSQX3054383", IssueCode.containerCategory, ["category": "X"]),
        ("CSQU3O54383", IssueCode.containerSerial, ["serial": "3O5438"]),
        ("CSQU.054383", IssueCode.containerSerial, ["serial": ".05438"]),
    ])
    func rejects(raw: String, code: IssueCode, params: [String: String]) {
        let issue = #expect(throws: GateKit.Issue.self) { try ContainerNumber(raw) }
        #expect(issue?.code == code)
        #expect(issue?.params == params)
        #expect(issue?.field == "")
    }

    @Test func wrongCheckDigitMessageNamesTheExpectedDigit() {
        let issue = #expect(throws: GateKit.Issue.self) { try ContainerNumber("CSQU3054388") }
        #expect(issue?.message() == "check digit is 8 but should be 3")
        #expect(issue?.message(in: .vi) == "chữ số kiểm tra là 8 nhưng phải là 3")
        #expect(issue?.message(in: .zh) == "校验码为 8，应为 3")
    }

    @Test(arguments: [
        ("CSQU305438", 3 as Int?),
        ("csqu305438", 3),
        ("MSKU123456", 5),
        ("CSQU000007", 0),
        ("CSQU30543", nil),
        ("CSQU3054383", nil),
        ("CS1U305438", nil),
        ("CSQU3O5438", nil),
    ])
    func checkDigitOfFirstTen(firstTen: String, expected: Int?) {
        #expect(ContainerNumber.checkDigit(of: firstTen) == expected)
    }

    @Test(arguments: [
        // A zero read as the letter O, in the serial: only one way back.
        ("CSQU3O54383", ["CSQU3054383"]),
        ("CSQU3D54383", ["CSQU3054383"]),
        ("MSKU1234S65", ["MSKU1234565"]),
        ("C5QU3054383", ["CSQU3054383"]),
        ("csqu 000007-O", ["CSQU0000070"]),
        // Either O of the owner code could really be a D: both give a valid number
        // (their sums leave remainders 0 and 10, both written as check digit 0).
        ("OOLU0000080", ["DOLU0000080", "ODLU0000080"]),
        // Already valid: nothing to repair.
        ("CSQU3054383", []),
        // Wrong check digit but no confusable character fixes it.
        ("CSQU3054384", []),
        // Too short to repair by changing one character.
        ("CSQU305438", []),
    ])
    func repairsOCRConfusions(raw: String, expected: [String]) {
        #expect(ContainerNumber.repairs(of: raw).map(\.value) == expected)
    }

    @Test func codableAsPlainString() throws {
        let number = try ContainerNumber("csqu 305438 3")
        #expect(try encoded(number) == "\"CSQU3054383\"")
        let decoded = try JSONDecoder().decode(ContainerNumber.self, from: Data("\"CSQU-305438-3\"".utf8))
        #expect(decoded == number)
        #expect(decodingIssue(ContainerNumber.self, from: "\"CSQU3054384\"")?.code == .containerCheckDigit)
    }
}

// MARK: - VehiclePlate

@Suite struct VehiclePlateTests {
    @Test(arguments: [
        ("24C-123.45", PlateCountry.vn, "24C12345", "24C-123.45", false),
        ("24C12345", .vn, "24C12345", "24C-123.45", false),
        ("24c 123 45", .vn, "24C12345", "24C-123.45", false),
        ("24LD-012.34", .vn, "24LD01234", "24LD-012.34", false),
        ("24R-012.34", .vn, "24R01234", "24R-012.34", true),
        ("29B1-123.45", .vn, "29B112345", "29B1-123.45", false),
        ("29B112345", .vn, "29B112345", "29B1-123.45", false),
        ("24C-1234", .vn, "24C1234", "24C-1234", false),
        // No dash: the letters-only series wins while it leaves 4–5 digits.
        ("24C11234", .vn, "24C11234", "24C-112.34", false),
        ("云A12345", .cn, "云A12345", "云A·12345", false),
        ("云A·12345", .cn, "云A12345", "云A·12345", false),
        ("云a-12345", .cn, "云A12345", "云A·12345", false),
        ("云A·D12345", .cn, "云AD12345", "云A·D12345", false),
        ("粤B 12345F", .cn, "粤B12345F", "粤B·12345F", false),
        ("云A1234挂", .cn, "云A1234挂", "云A·1234挂", true),
        ("云Ａ１２３４５", .cn, "云A12345", "云A·12345", false),
    ])
    func acceptsAndNormalises(
        raw: String, country: PlateCountry, normalized: String, display: String, isTrailer: Bool
    ) throws {
        let plate = try VehiclePlate(raw)
        #expect(plate.country == country)
        #expect(plate.normalized == normalized)
        #expect(plate.display == display)
        #expect(plate.isTrailer == isTrailer)
    }

    @Test(arguments: [
        ("", IssueCode.plateEmpty),
        (" - ", .plateEmpty),
        ("A24C12345", .plateFormat),
        ("2C-123.45", .plateVietnamProvince),
        ("24-123.45", .plateVietnamSeriesMissing),
        ("24ABC-123.45", .plateVietnamSeries),
        ("24C-123", .plateVietnamNumber),
        ("24C-1234567", .plateVietnamNumber),
        ("24C-12A.45", .plateVietnamNumber),
        ("24C", .plateVietnamNumber),
        ("24C-123#45", .plateCharacter),
        ("台A12345", .plateChinaProvince),
        ("云", .plateChinaAuthorityMissing),
        ("云1·12345", .plateChinaAuthority),
        ("云A1234", .plateChinaNumber),
        ("云A1234567", .plateChinaNumber),
        ("云A123挂", .plateChinaNumber),
        ("云AI2345", .plateChinaLetter),
        ("云A1234O", .plateChinaLetter),
        ("云A123456", .plateChinaNewEnergy),
        ("云A1234学", .plateCharacter),
    ])
    func rejects(raw: String, code: IssueCode) {
        let issue = #expect(throws: GateKit.Issue.self) { try VehiclePlate(raw) }
        #expect(issue?.code == code)
    }

    @Test(arguments: [
        ("2C-123.45", "province code must be 2 digits, not “2C”"),
        ("24ABC-123.45", "series must be 1 or 2 letters, optionally followed by one digit, not “ABC”"),
        ("24C-123", "the number after the series must be 4 or 5 digits, not “123”"),
        ("24-123.45", "a series letter must follow province code 24"),
        ("云A123456", "a 6-character plate number is a new-energy plate: D or F, a letter or digit, then 4 digits (small vehicles), or 5 digits then D or F (large vehicles), not “123456”"),
    ])
    func messagesSayWhatIsWrong(raw: String, message: String) {
        let issue = #expect(throws: GateKit.Issue.self) { try VehiclePlate(raw) }
        #expect(issue?.message() == message)
    }

    @Test(arguments: [
        ("24C-123.45", "24C-I23.4S"),
        ("24C-123.45", "24c 1Z3 45"),
        ("24C-123.45", "24C12345"),
        ("24LD-012.34", "24L0-OI2.34"),
        ("29B1-123.45", "Z98I-I23.4S"),
        ("24R-012.34", "24R-D12.34"),
        ("云A·D12345", "云A·O12345"),
        ("云A12345", "云A I2345"),
    ])
    func confusableReadsShareTheMatchKey(plate: String, read: String) throws {
        #expect(try VehiclePlate(plate).matchKey == VehiclePlate.matchKey(forRead: read))
    }

    @Test(arguments: [
        ("24C-123.45", "24C-123.46"),
        ("24C-123.45", "24C-123.4"),
        ("24C-123.45", "25C-123.45"),
        ("24C-123.45", "24E-123.45"),
        ("24C-123.45", "24C-173.45"),
        ("云A12345", "桂A12345"),
        ("云A12345", "云B12345"),
    ])
    func differentPlatesDoNotShareTheMatchKey(plate: String, read: String) throws {
        #expect(try VehiclePlate(plate).matchKey != VehiclePlate.matchKey(forRead: read))
    }

    @Test(arguments: [
        ("24LD-012.34", "24L001234"),
        ("云A·D12345", "云A012345"),
        ("29B1-123.45", "298112345"),
    ])
    func matchKeyMapsConfusionClasses(plate: String, key: String) throws {
        #expect(try VehiclePlate(plate).matchKey == key)
    }

    @Test func equalityIgnoresSeparatorsAndCase() throws {
        #expect(try VehiclePlate("24C-123.45") == VehiclePlate("24c12345"))
        #expect(try VehiclePlate("24C-123.45") != VehiclePlate("24C-123.46"))
    }

    @Test func codableAsNormalisedString() throws {
        let plate = try VehiclePlate("云A·D12345")
        #expect(try encoded(plate) == "\"云AD12345\"")
        #expect(try JSONDecoder().decode(VehiclePlate.self, from: Data("\"24C-123.45\"".utf8)).normalized == "24C12345")
        #expect(decodingIssue(VehiclePlate.self, from: "\"24C-123\"")?.code == .plateVietnamNumber)
    }
}

// MARK: - HSCode

@Suite struct HSCodeTests {
    @Test(arguments: [
        ("0810.60", "081060", 8, "0810"),
        ("081060", "081060", 8, "0810"),
        ("0810.60.00", "08106000", 8, "0810"),
        ("8703 23 10 10", "8703231010", 87, "8703"),
        ("010121", "010121", 1, "0101"),
        ("970121", "970121", 97, "9701"),
    ])
    func accepts(raw: String, value: String, chapter: Int, heading: String) throws {
        let code = try HSCode(raw)
        #expect(code.value == value)
        #expect(code.chapter == chapter)
        #expect(code.heading == heading)
    }

    @Test(arguments: [
        ("0810.6", IssueCode.hsCodeLength, ["length": "5"]),
        ("0810.60.0", .hsCodeLength, ["length": "7"]),
        ("08106000000", .hsCodeLength, ["length": "11"]),
        ("", .hsCodeLength, ["length": "0"]),
        ("0810-60", .hsCodeCharacter, ["character": "-"]),
        ("08106A", .hsCodeCharacter, ["character": "A"]),
        ("000000", .hsCodeChapter, ["chapter": "00"]),
        ("770000", .hsCodeChapterReserved, ["chapter": "77"]),
        ("980000", .hsCodeChapterReserved, ["chapter": "98"]),
        ("99000000", .hsCodeChapterReserved, ["chapter": "99"]),
    ])
    func rejects(raw: String, code: IssueCode, params: [String: String]) {
        let issue = #expect(throws: GateKit.Issue.self) { try HSCode(raw) }
        #expect(issue?.code == code)
        #expect(issue?.params == params)
    }

    @Test func codableAsString() throws {
        #expect(try encoded(HSCode("0810.60")) == "\"081060\"")
        #expect(try JSONDecoder().decode(HSCode.self, from: Data("\"0810.60\"".utf8)).value == "081060")
        #expect(decodingIssue(HSCode.self, from: "\"7700.00\"")?.code == .hsCodeChapterReserved)
    }
}

// MARK: - CurrencyCode

@Suite struct CurrencyCodeTests {
    @Test(arguments: [
        ("USD", "USD", 2),
        ("usd", "USD", 2),
        (" cny ", "CNY", 2),
        ("EUR", "EUR", 2),
        ("VND", "VND", 0),
        ("JPY", "JPY", 0),
        ("KRW", "KRW", 0),
        ("BHD", "BHD", 3),
        ("KWD", "KWD", 3),
        ("OMR", "OMR", 3),
        ("JOD", "JOD", 3),
        ("TND", "TND", 3),
        ("LYD", "LYD", 3),
        ("IQD", "IQD", 3),
        ("CLF", "CLF", 4),
        ("LAK", "LAK", 2),
        ("THB", "THB", 2),
    ])
    func accepts(raw: String, value: String, minorUnits: Int) throws {
        let currency = try CurrencyCode(raw)
        #expect(currency.value == value)
        #expect(currency.minorUnits == minorUnits)
    }

    @Test(arguments: [
        ("XYZ", IssueCode.currencyUnknown, "unknown currency code XYZ"),
        ("hrk", .currencyWithdrawn, "HRK was withdrawn from ISO 4217 on 2023-01-01 (amendment 174); use EUR"),
        ("US", .currencyFormat, "a currency code is 3 letters (ISO 4217), not “US”"),
        ("US1", .currencyFormat, "a currency code is 3 letters (ISO 4217), not “US1”"),
        ("", .currencyFormat, "a currency code is 3 letters (ISO 4217), not “”"),
        (
            "XAU", .currencyNotMoney,
            "XAU is an ISO 4217 code for a precious metal, accounting unit or test, not a currency an amount can be paid in"
        ),
    ])
    func rejects(raw: String, code: IssueCode, message: String) {
        let issue = #expect(throws: GateKit.Issue.self) { try CurrencyCode(raw) }
        #expect(issue?.code == code)
        #expect(issue?.message() == message)
    }

    @Test func tableHoldsTheWholeList() {
        #expect(CurrencyCode.all.count == 169)
        #expect(CurrencyCode.all.contains(.vnd))
        #expect(CurrencyCode.cny.value == "CNY")
    }

    @Test func codableAsString() throws {
        #expect(try encoded(CurrencyCode.vnd) == "\"VND\"")
        #expect(try JSONDecoder().decode(CurrencyCode.self, from: Data("\"cny\"".utf8)) == .cny)
        #expect(decodingIssue(CurrencyCode.self, from: "\"XYZ\"")?.code == .currencyUnknown)
    }
}

// MARK: - CountryCode

@Suite struct CountryCodeTests {
    @Test(arguments: [("VN", "VN"), ("vn", "VN"), (" cn ", "CN"), ("LA", "LA"), ("GB", "GB"), ("SS", "SS"), ("AX", "AX")])
    func accepts(raw: String, value: String) throws {
        #expect(try CountryCode(raw).value == value)
    }

    @Test(arguments: [
        ("UK", IssueCode.countryUnknown, "unknown country code UK"),
        ("EU", .countryUnknown, "unknown country code EU"),
        ("XK", .countryUnknown, "unknown country code XK"),
        ("VNM", .countryFormat, "a country code is 2 letters (ISO 3166-1 alpha-2), not “VNM”"),
        ("V1", .countryFormat, "a country code is 2 letters (ISO 3166-1 alpha-2), not “V1”"),
    ])
    func rejects(raw: String, code: IssueCode, message: String) {
        let issue = #expect(throws: GateKit.Issue.self) { try CountryCode(raw) }
        #expect(issue?.code == code)
        #expect(issue?.message() == message)
    }

    @Test func tableHoldsAll249AssignedCodes() {
        #expect(CountryCode.all.count == 249)
        #expect(CountryCode.all.contains(.vn))
        #expect(CountryCode.all.contains(.cn))
    }

    @Test func codableAsString() throws {
        #expect(try encoded(CountryCode.vn) == "\"VN\"")
        #expect(try JSONDecoder().decode(CountryCode.self, from: Data("\"cn\"".utf8)) == .cn)
        #expect(decodingIssue(CountryCode.self, from: "\"UK\"")?.code == .countryUnknown)
    }
}

// MARK: - SHA256Digest

@Suite struct SHA256DigestTests {
    static let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    @Test(arguments: [
        (SHA256DigestTests.empty, SHA256DigestTests.empty),
        (SHA256DigestTests.empty.uppercased(), SHA256DigestTests.empty),
        (" \(SHA256DigestTests.empty)\n", SHA256DigestTests.empty),
        (
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        ),
    ])
    func acceptsAndLowercases(raw: String, value: String) throws {
        #expect(try SHA256Digest(raw).value == value)
    }

    @Test(arguments: [
        (String(SHA256DigestTests.empty.dropLast()), IssueCode.sha256Length, ["length": "63"]),
        (SHA256DigestTests.empty + "0", .sha256Length, ["length": "65"]),
        ("", .sha256Length, ["length": "0"]),
        ("e3b0g44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", .sha256Character, ["character": "g", "position": "5"]),
        ("0x" + SHA256DigestTests.empty.dropFirst(2), .sha256Character, ["character": "x", "position": "2"]),
    ])
    func rejects(raw: String, code: IssueCode, params: [String: String]) {
        let issue = #expect(throws: GateKit.Issue.self) { try SHA256Digest(raw) }
        #expect(issue?.code == code)
        #expect(issue?.params == params)
    }

    @Test func roundTripsThroughBytes() throws {
        let digest = try SHA256Digest(Self.empty)
        #expect(digest.bytes.count == 32)
        #expect(digest.bytes.first == 0xE3)
        #expect(try SHA256Digest(bytes: digest.bytes) == digest)
        let short = #expect(throws: GateKit.Issue.self) { try SHA256Digest(bytes: [0x01, 0x02]) }
        #expect(short?.code == .sha256Length)
    }

    @Test func codableAsString() throws {
        let digest = try SHA256Digest(Self.empty.uppercased())
        #expect(try encoded(digest) == "\"\(Self.empty)\"")
        #expect(decodingIssue(SHA256Digest.self, from: "\"abc\"")?.code == .sha256Length)
    }
}

// MARK: - EnterpriseCode

@Suite struct EnterpriseCodeTests {
    @Test(arguments: [
        ("0100233488", EnterpriseCodeKind.vietnamTaxCode, "0100233488"),
        ("5300100269", .vietnamTaxCode, "5300100269"),
        ("01.00.233.488", .vietnamTaxCode, "0100233488"),
        ("5300100269-001", .vietnamTaxCode, "5300100269-001"),
        ("5300100269001", .vietnamTaxCode, "5300100269-001"),
        ("0314409058 - 002", .vietnamTaxCode, "0314409058-002"),
        ("91350100M000100Y43", .chineseCreditCode, "91350100M000100Y43"),
        ("91110000600037341L", .chineseCreditCode, "91110000600037341L"),
        ("91110000600037341l", .chineseCreditCode, "91110000600037341L"),
        ("9144030071526726XG", .chineseCreditCode, "9144030071526726XG"),
        // All digits but 18 long: a credit code, not a malformed tax code.
        ("913595236363433326", .chineseCreditCode, "913595236363433326"),
        ("N2110000600037341 4", .chineseCreditCode, "N21100006000373414"),
    ])
    func accepts(raw: String, kind: EnterpriseCodeKind, value: String) throws {
        let code = try EnterpriseCode(raw)
        #expect(code.kind == kind)
        #expect(code.value == value)
    }

    @Test func branchOfATaxCode() throws {
        let branch = try EnterpriseCode("5300100269001")
        #expect(branch.parentTaxCode == "5300100269")
        #expect(branch.branch == "001")
        #expect(try EnterpriseCode("5300100269").branch == nil)
    }

    @Test(arguments: [
        ("0100233480", IssueCode.taxCodeCheckDigit, ["found": "0", "expected": "8"]),
        ("5300100268", .taxCodeCheckDigit, ["found": "8", "expected": "9"]),
        ("5300100268-001", .taxCodeCheckDigit, ["found": "8", "expected": "9"]),
        // 530012345 weighs to a multiple of 11: its check digit would be 10.
        ("5300123456", .taxCodeUnassignable, ["prefix": "530012345"]),
        ("5300100269-000", .taxCodeBranch, [:]),
        ("0100000003", .taxCodeSequence, [:]),
        ("530010026", .taxCodeLength, ["length": "9"]),
        ("53001002690", .taxCodeLength, ["length": "11"]),
        ("91350100M000100Y44", .creditCodeCheckDigit, ["found": "4", "expected": "3"]),
        ("91350100M000100Y4A", .creditCodeCheckDigit, ["found": "A", "expected": "3"]),
        ("91350100M000100I43", .creditCodeCharacter, ["character": "I"]),
        ("9135010AM000100Y43", .creditCodeRegion, ["region": "35010A"]),
        ("ABC", .enterpriseFormat, ["value": "ABC"]),
        ("", .enterpriseFormat, ["value": ""]),
    ])
    func rejects(raw: String, code: IssueCode, params: [String: String]) {
        let issue = #expect(throws: GateKit.Issue.self) { try EnterpriseCode(raw) }
        #expect(issue?.code == code)
        #expect(issue?.params == params)
    }

    @Test func checkDigitMessagesNameTheExpectedValue() {
        let tax = #expect(throws: GateKit.Issue.self) { try EnterpriseCode("0100233480") }
        #expect(tax?.message() == "check digit is 0 but should be 8")
        let credit = #expect(throws: GateKit.Issue.self) { try EnterpriseCode("91350100M000100Y44") }
        #expect(credit?.message() == "check character is 4 but should be 3")
        let unassignable = #expect(throws: GateKit.Issue.self) { try EnterpriseCode("5300123456") }
        #expect(unassignable?.message() == "no tax code starts with 530012345: its check digit would be 10, so these digits are never issued")
    }

    @Test(arguments: [("530010026", 9 as Int?), ("010023348", 8), ("530012345", nil), ("53001002", nil), ("53001002A", nil)])
    func taxCodeCheckDigit(firstNine: String, expected: Int?) {
        #expect(EnterpriseCode.taxCodeCheckDigit(of: firstNine) == expected)
    }

    @Test(arguments: [
        ("91350100M000100Y4", "3" as Character?),
        ("91110000600037341", "L"),
        ("9144030071526726x", "G"),
        ("9135010", nil),
        ("91350100M000100I4", nil),
    ])
    func creditCodeCheckCharacter(firstSeventeen: String, expected: Character?) {
        #expect(EnterpriseCode.creditCodeCheckCharacter(of: firstSeventeen) == expected)
    }

    @Test func codableAsString() throws {
        #expect(try encoded(EnterpriseCode("5300100269001")) == "\"5300100269-001\"")
        let decoded = try JSONDecoder().decode(EnterpriseCode.self, from: Data("\"91350100M000100Y43\"".utf8))
        #expect(decoded.kind == .chineseCreditCode)
        #expect(decodingIssue(EnterpriseCode.self, from: "\"0100233480\"")?.code == .taxCodeCheckDigit)
    }
}
