import Foundation
import Testing
@testable import GateKit

// Issue 13: identifiers exactly as the registries issue them, and the input edges a
// hostile tester found. Each table row names its source; rows marked "biensoxe says …"
// are where the reference parser (PyPI biensoxe 0.8.5, `VietnamVehiclePlate.from_string`)
// and the circular differ, and the circular wins.

/// Whether `plate` is accepted, or refused with `code`; `why` is the row's source.
private func expectPlate(_ plate: String, accepted: Bool, code: String, why: String) {
    do {
        _ = try VehiclePlate(plate)
        #expect(accepted, "\(plate) accepted: \(why)")
    } catch {
        #expect(!accepted && error.code.rawValue == code, "\(plate): \(error.code.rawValue), \(why)")
    }
}

// MARK: - Vietnamese plates (Circular 24/2023/TT-BCA, kept by Circular 79/2024/TT-BCA)

@Suite struct VietnamesePlateRuleTests {
    @Test(arguments: [
        // (plate, accepted, code when refused, why)
        ("24C-123.45", true, "", "Lào Cai, series C, 5 digits"),
        ("24C-1234", true, "", "pre-2010 4-digit number, still valid"),
        ("11C-123.45", true, "", "11 Cao Bằng, the lowest code"),
        ("80A-123.45", true, "", "80: central agencies"),
        ("99C-123.45", true, "", "99 Bắc Ninh, the highest code"),
        ("16C-123.45", true, "", "16 Hải Phòng is assigned"),
        ("24LD-481.99", true, "", "LD: foreign-invested firms"),
        ("24KT-123.45", true, "", "KT: military enterprises"),
        ("80NG-636.70", true, "", "NG diplomatic, country 636, order 70"),
        ("41-291-NG-01", true, "", "NG in the province-country-series-order layout"),
        ("24R-123.45", true, "", "R: trailers"),
        ("10C-123.45", false, "plate.vn-province-unassigned", "10 is not in Appendix 02 (biensoxe says valid: it takes any 2 digits)"),
        ("13A-123.45", false, "plate.vn-province-unassigned", "13 (old Hà Bắc) is not in Appendix 02 (biensoxe says valid)"),
        ("42C-123.45", false, "plate.vn-province-unassigned", "42 is not assigned (biensoxe says valid)"),
        ("96C-123.45", false, "plate.vn-province-unassigned", "96 is not assigned"),
        ("05C-123.45", false, "plate.vn-province-unassigned", "codes start at 11"),
        ("24I-123.45", false, "plate.vn-series-not-issued", "I is not among the 20 series letters"),
        ("24J-1234", false, "plate.vn-series-not-issued", "J is never issued (biensoxe says valid with 4 digits)"),
        ("24O-123.45", false, "plate.vn-series-not-issued", "O is never issued"),
        ("24Q-1234", false, "plate.vn-series-not-issued", "Q is never issued (biensoxe says valid with 4 digits)"),
        ("24W-123.45", false, "plate.vn-series-not-issued", "W is never issued"),
        ("24AB-123.45", false, "plate.vn-series-not-issued", "AB is no car series (biensoxe says: a moped series)"),
        ("24RM-012.34", false, "plate.vn-series-not-issued", "no RM series in the circular; trailers are R (biensoxe agrees)"),
        ("24C0-12345", false, "plate.vn-series-digit", "a series digit is 1 to 9"),
        ("24C0-1234", false, "plate.vn-series-digit", "written with a series digit 0, though 24C01234 could read as a truck's"),
        ("24C-000.00", false, "plate.vn-number-zero", "numbers start at 000.01 (biensoxe says valid)"),
        ("24C-0000", false, "plate.vn-number-zero", "4-digit numbers start at 0001"),
    ] as [(String, Bool, String, String)])
    func vietnamesePlates(plate: String, accepted: Bool, code: String, why: String) {
        expectPlate(plate, accepted: accepted, code: code, why: why)
    }

    @Test("a series letter and digit is a motorcycle plate: valid, but never a truck's")
    func motorcycle() throws {
        let plate = try VehiclePlate("29-B1 123.45")
        #expect(plate.isMotorcycle && !plate.isTrailer)
        #expect(plate.display == "29B1-123.45")
        #expect(try !VehiclePlate("24C-123.45").isMotorcycle)
    }

    @Test("a 4-digit motorcycle plate is told by how it is written")
    func fourDigitMotorcycle() throws {
        let written = try VehiclePlate("29-B1 1234")
        #expect(written.isMotorcycle && written.display == "29B1-1234")
        let compact = try VehiclePlate("29B11234")  // without separators: the truck reading
        #expect(!compact.isMotorcycle && compact.display == "29B-112.34")
        #expect(written == compact, "one normalised text, one plate for matching")
    }

    @Test("a stored record is read as stored, though its identifiers break rules tightened since")
    func storedRecords() throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        let text = String(decoding: try encoder.encode(try DomainFixtures.validDeclaration()), as: UTF8.self)
            .replacingOccurrences(of: "24R01234", with: "24RM01234")
            .replacingOccurrences(of: "081060", with: "851712").replacingOccurrences(of: "\"USD\"", with: "\"HRK\"")
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { try Timestamp.parse(try $0.singleValueContainer().decode(String.self)) }
        #expect(throws: DecodingError.self) { try decoder.decode(TripDeclaration.self, from: Data(text.utf8)) }
        decoder.userInfo[.storedRecord] = true
        let stored = try decoder.decode(TripDeclaration.self, from: Data(text.utf8))
        #expect(stored.vehicle.trailerPlate?.normalized == "24RM01234" && stored.goods[0].hsCode.value == "851712")
        #expect(stored.goods[0].value.currency.value == "HRK" && stored.goods[0].value.currency.minorUnits == 2)
    }

    @Test("the foreign layout prints as issued")
    func foreignLayout() throws {
        #expect(try VehiclePlate("41291NG01").display == "41-291-NG-01")
    }
}

// MARK: - Chinese plates (GA 36-2018)

@Suite struct ChinesePlateRuleTests {
    @Test(arguments: [
        ("云AD12345", true, "", "small new-energy: D, then 5 more"),
        ("云AF12345", true, "", "small new-energy: F"),
        ("云ADA1234", true, "", "small new-energy: D, a letter, 4 digits"),
        ("云A12345D", true, "", "large new-energy: 5 digits then D"),
        ("云A12345F", true, "", "large new-energy: 5 digits then F"),
        ("云A·D1234", true, "", "ordinary 5-character number with a D"),
        ("云A1234挂", true, "", "trailer"),
        ("桂A8K123", true, "", "ordinary"),
        ("云AF1A234", false, "plate.cn-new-energy", "the last four of a small new-energy number are digits"),
        ("云AD1234F", false, "plate.cn-new-energy", "D or F at both ends is neither form"),
        ("云AAB123D", false, "plate.cn-new-energy", "a large new-energy number is five digits first"),
        ("云A1234DF", false, "plate.cn-new-energy", "D/F elsewhere is nothing"),
        ("云A12345A", false, "plate.cn-new-energy", "6 characters without D or F"),
    ] as [(String, Bool, String, String)])
    func chinesePlates(plate: String, accepted: Bool, code: String, why: String) {
        expectPlate(plate, accepted: accepted, code: code, why: why)
    }
}

// MARK: - Currencies (ISO 4217 amendments)

@Suite struct CurrencyWithdrawalTests {
    private static func day(_ text: String) -> Date { try! Timestamp.parse(text + "T00:00:00Z") }

    @Test(arguments: [
        // (code, trip date, in force, replacement named)
        ("BGN", "2025-12-31", true, ""),
        ("BGN", "2026-01-01", false, "EUR"),
        ("ANG", "2025-03-30", true, ""),
        ("ANG", "2025-03-31", false, "XCG"),
        ("SLL", "2024-01-01", false, "SLE"),
        ("ZWL", "2024-09-01", false, "ZWG"),
        ("CUC", "2021-06-30", true, ""),
        ("CUC", "2021-07-01", false, "CUP"),
        ("EUR", "2026-01-01", true, ""),
        ("XCG", "2026-01-01", true, ""),
    ] as [(String, String, Bool, String)])
    func withdrawnFromItsDate(code: String, date: String, inForce: Bool, replacement: String) throws {
        let currency = try CurrencyCode(code)
        do {
            try currency.checkInForce(on: Self.day(date))
            #expect(inForce, "\(code) on \(date)")
        } catch {
            #expect(!inForce && error.code == .currencyWithdrawn && error.params["replacement"] == replacement, "\(error)")
        }
    }

    @Test("a code withdrawn long ago names its replacement, not 'unknown'")
    func longGone() {
        let issue = #expect(throws: GateKit.Issue.self) { try CurrencyCode("LTL") }
        #expect(issue?.message() == "LTL was withdrawn from ISO 4217 on 2015-01-01 (amendment euro changeover); use EUR")
    }

    @Test("a BGN invoice for a trip before the changeover is accepted; after it, refused naming EUR")
    func declarationDate() throws {
        var json = try DomainFixtures.validDeclarationJSON()
        json = json.settingCurrency("BGN", plannedArrival: "2025-12-31T08:00:00+07:00")
        _ = try TripDeclaration.parse(json, knownGates: DomainFixtures.knownGates, now: Self.day("2025-12-30"))
        json = json.settingCurrency("BGN", plannedArrival: "2026-01-02T08:00:00+07:00")
        let failure = #expect(throws: ValidationFailure.self) {
            try TripDeclaration.parse(json, knownGates: DomainFixtures.knownGates, now: Self.day("2025-12-30"))
        }
        #expect(failure?.issues.map(\.fieldAndCode) == ["goods[0].value.currency|currency.withdrawn"])
        #expect(failure?.issues.first?.message().contains("use EUR") == true)
    }

    @Test("every withdrawal date in the table parses")
    func tableDates() {
        for withdrawal in CurrencyWithdrawal.all { #expect(withdrawal.notValidFrom > Date(timeIntervalSince1970: 1_262_304_000)) }
    }
}

extension JSONValue {
    /// The fixture with its first goods line in `currency` and the given planned arrival.
    fileprivate func settingCurrency(_ currency: String, plannedArrival: String) -> JSONValue {
        guard case .object(var root) = self, case .array(var goods)? = root["goods"], case .object(var line) = goods[0],
              case .object(var value)? = line["value"]
        else { return self }
        value["currency"] = .string(currency)
        line["value"] = .object(value)
        goods[0] = .object(line)
        root["goods"] = .array(goods)
        root["plannedArrival"] = .string(plannedArrival)
        return .object(root)
    }
}

// MARK: - HS 2022 subheadings

@Suite struct HSNomenclatureTests {
    @Test(arguments: [
        ("080450", true), ("081060", true), ("851713", true), ("851714", true), ("854911", true), ("850760", true),
        // Deleted by the 2022 amendments (HS 2017 codes).
        ("851712", false), ("970110", false), ("970600", false), ("293971", false),
        ("081061", false), ("081099", false),
    ])
    func subheadingExists(code: String, exists: Bool) {
        #expect(((try? HSCode(code)) != nil) == exists, "\(code)")
    }

    @Test("the table has every HS 2022 subheading")
    func count() {
        #expect(HSCode.hs2022.count == 5_612)
    }

    @Test("a missing subheading names the closest ones, its own heading's first")
    func closest() {
        let issue = #expect(throws: GateKit.Issue.self) { try HSCode("0810.61") }
        #expect(issue?.code == .hsCodeUnknownSubheading)
        #expect(issue?.params["closest"] == "0810.40, 0810.50, 0810.60, 0810.70, 0810.90")
        #expect(HSCode.closest(to: "851712") == ["851711", "851713", "851714", "851718", "851761"])
    }

    @Test("national lines are checked by their subheading")
    func nationalLines() throws {
        #expect(try HSCode("0810.60.00").subheading == "081060")
        #expect(throws: GateKit.Issue.self) { try HSCode("8517.12.00") }
    }
}

// MARK: - Strict JSON

@Suite struct StrictJSONTests {
    private func parse(_ text: String) throws(MalformedJSON) -> JSONValue { try JSONValue.parse(Data(text.utf8)) }

    @Test(arguments: [
        #"{"a":1,"a":2}"#,
        #"{"goods":[{"hsCode":"081060","hsCode":"080450"}]}"#,
        #"{"a":1,"b":{"c":1,"c":1}}"#,
    ])
    func duplicateMembersAreMalformed(text: String) {
        let error = #expect(throws: MalformedJSON.self) { try parse(text) }
        #expect(error?.detail.contains("Duplicate member") == true)
    }

    @Test(arguments: [
        "", "{", "[1,]", #"{"a":1,}"#, "01", "-", "1.", ".5", "1e", "+1", "NaN", "Infinity", "tru", #""\x""#,
        #""\ud800""#, #""\udc00""#, "\"a\u{01}b\"", "{\"a\" 1}", "[1] [2]", "'a'",
    ])
    func notJSON(text: String) {
        #expect(throws: MalformedJSON.self) { try parse(text) }
    }

    @Test("invalid UTF-8 and over-deep nesting are malformed, not a crash")
    func bytes() {
        #expect(throws: MalformedJSON.self) { try JSONValue.parse(Data([0x22, 0xC3, 0x28, 0x22])) }
        #expect(throws: MalformedJSON.self) { try JSONValue.parse(Data([0x22, 0xED, 0xA0, 0x80, 0x22])) }  // an encoded surrogate
        #expect(throws: MalformedJSON.self) { try parse(String(repeating: "[", count: 100_000)) }
    }

    @Test(arguments: [
        ("1e308", JSONValue.unrepresentableNumber("1e308")),
        ("-1e308", .unrepresentableNumber("-1e308")),
        ("1e-320", .unrepresentableNumber("1e-320")),
        ("0e999", .number(0)),
        ("54000.10", .number(Decimal(string: "54000.10")!)),
        ("-0.5", .number(Decimal(string: "-0.5")!)),
        ("1E3", .number(1000)),
    ])
    func numbers(text: String, value: JSONValue) throws {
        #expect(try parse(text) == value)
    }

    @Test("strings decode every escape and keep non-ASCII text")
    func strings() throws {
        #expect(try parse(#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude9a""#) == .string("a\"\\/\u{08}\u{0C}\n\r\té🚚"))
        #expect(try parse("\"Lào Cai 老街\"") == .string("Lào Cai 老街"))
        #expect(try parse("\u{FEFF}{\"a\": [true, false, null]}") == .object(["a": .array([.bool(true), .bool(false), .null])]))
    }

    @Test("an error says where")
    func location() {
        let error = #expect(throws: MalformedJSON.self) { try parse("{\n  \"a\": x\n}") }
        #expect(error?.detail == "Unexpected character 'x' at line 2, column 8.")
    }
}

// MARK: - Times

@Suite struct PlausibleTimeTests {
    @Test(arguments: [
        ("2026-11-23 08:00:00+07:00", "timestamp.invalid"),
        ("2026-11-23T08:00:60+07:00", "timestamp.invalid"),
        ("2026-12-31T23:59:60Z", "timestamp.invalid"),
    ])
    func onlyRFC3339(text: String, code: String) {
        let issue = #expect(throws: GateKit.Issue.self) { try Timestamp.parse(text) }
        #expect(issue?.code.rawValue == code)
    }

    @Test("the window names its bounds and rule")
    func window() throws {
        let now = try Timestamp.parse("2026-11-23T00:00:00Z")
        let window = PlausibleWindow.plannedArrival(around: now)
        try window.check(now.addingTimeInterval(365 * 86_400))
        let issue = #expect(throws: GateKit.Issue.self) { try window.check(try Timestamp.parse("9999-01-01T00:00:00Z"), written: "9999-01-01T00:00:00Z") }
        #expect(issue?.message() == #"must lie between 2026-10-24T00:00:00.000Z and 2027-11-24T00:00:00.000Z (30 days before to 366 days after the server's time), not "9999-01-01T00:00:00Z""#)
        #expect(throws: GateKit.Issue.self) { try PlausibleWindow.calendar.check(try Timestamp.parse("1970-01-01T00:00:00Z")) }
    }
}

// MARK: - Text shown to officers

@Suite struct TextSafetyTests {
    @Test(arguments: [
        ("Nguyễn Văn A", nil),
        ("老街口岸 Lào Cai", nil),
        ("24C-123.45", nil),
        ("evil\u{202E}54.321-C42", "field.invisible-character"),  // right-to-left override
        ("a\u{2066}b", "field.invisible-character"),  // left-to-right isolate
        ("a\u{200F}b", "field.invisible-character"),  // right-to-left mark
        ("a\u{200B}b", "field.invisible-character"),  // zero-width space
        ("a\u{200D}b", "field.invisible-character"),  // zero-width joiner
        ("a\u{FEFF}b", "field.invisible-character"),  // zero-width no-break space
        ("a\u{00AD}b", "field.invisible-character"),  // soft hyphen
        ("a\u{2028}b", "field.invisible-character"),  // line separator
        ("a\u{034F}b", "field.invisible-character"),  // combining grapheme joiner
        ("a\u{3164}b", "field.invisible-character"),  // Hangul filler
        ("a\u{FE0F}b", "field.invisible-character"),  // variation selector 16
        ("a\u{2800}b", "field.invisible-character"),  // braille blank
        ("a\u{E000}b", "field.invisible-character"),  // private use
        ("Nguyê\u{0303}n", nil),  // a decomposed Vietnamese tone mark is visible text
        ("a\u{0000}b", "field.control-character"),
        ("a\u{001B}[31mb", "field.control-character"),
    ] as [(String, String?)])
    func refused(text: String, code: String?) {
        #expect(TextSafety.issue(in: text)?.code.rawValue == code)
    }

    @Test("the message names the character")
    func message() {
        #expect(TextSafety.issue(in: "a\u{202E}b")?.message() == "must not contain invisible or direction-changing characters (found U+202E, RIGHT-TO-LEFT OVERRIDE)")
    }
}

// MARK: - Credentials

@Suite struct LoginPasswordTests {
    @Test(arguments: [("smartgate-demo", true), ("smartgate-demo\u{0}anything", false), ("pass\u{7F}word12", false), ("mật khẩu 老街 123", true)])
    func onlyPasswordsThatCouldHaveBeenSet(password: String, couldMatch: Bool) {
        #expect(AccountRules.couldHaveBeenSet(password) == couldMatch)
    }
}

// MARK: - A stored declaration reads back through the parser (amendments rely on it)

@Suite struct DeclarationRoundTripTests {
    @Test("every member a declaration encodes is one the parser allows, at every level")
    func encodedDeclarationParsesBack() throws {
        var declaration = try DomainFixtures.validDeclaration()
        declaration.crossing = .shuttle
        declaration.vehicle.seals = ["VNLC0000999"]
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        let json = try JSONValue.parse(try encoder.encode(declaration))
        let parsed = try TripDeclaration.parse(json, knownGates: DomainFixtures.knownGates, now: DomainFixtures.now)
        #expect(parsed == declaration)
    }
}

// MARK: - The board's figures

@Suite struct GateKPITests {
    static let zone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
    /// 2026-12-05T10:00:00+07:00.
    static let now = Date(timeIntervalSince1970: 1_796_439_600)

    @Test("days are counted in the gate's zone, every day present, clearance mean and p95 per day")
    func daily() {
        let hour = 3600.0
        // 2026-12-05T00:30+07:00 is still 12-04 in UTC: it counts on the 5th here.
        let earlyToday = Self.now.addingTimeInterval(-9.5 * hour)
        let yesterday = Self.now.addingTimeInterval(-24 * hour)
        let kpis = GateKPIs.daily(
            decisions: [.init(at: earlyToday, released: true), .init(at: Self.now, released: false), .init(at: yesterday, released: true)],
            passages: (1...20).map { .init(opened: Self.now.addingTimeInterval(-Double($0)), decided: Self.now) },
            declarations: [.init(at: Self.now, channel: .green), .init(at: Self.now, channel: .yellow), .init(at: Self.now, channel: .green)],
            days: 3, now: Self.now, zone: Self.zone)
        #expect(kpis.map(\.day) == ["2026-12-03", "2026-12-04", "2026-12-05"])
        #expect(kpis.map(\.vehicles) == [0, 1, 2] && kpis.map(\.released) == [0, 1, 1])
        #expect(kpis[2].clearanceMeanSeconds == 10.5 && kpis[2].clearanceP95Seconds == 19)
        #expect(kpis[2].greenShare == 2.0 / 3.0 && kpis[0].greenShare == nil && kpis[0].clearanceP95Seconds == nil)
    }

    @Test(arguments: [([1.0], 0.95, 1.0), ([1, 2, 3, 4], 0.5, 2), ([1, 2, 3, 4], 0.95, 4), ([], 0.95, 0)] as [([Double], Double, Double)])
    func percentile(values: [Double], p: Double, expected: Double) {
        #expect(GateKPIs.percentile(values, p) == expected)
    }
}
