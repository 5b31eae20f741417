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
            throw Issue(.currencyUnknown, ["code": code])
        }
        value = code
    }

    /// Digits after the decimal point in amounts of this currency: 0 for VND, JPY and KRW,
    /// 3 for BHD, KWD and the other dinars, 2 for most.
    public var minorUnits: Int { Self.minorUnitsByCode[value]! }

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

    /// Every accepted currency, sorted by code.
    public static let all: [CurrencyCode] = minorUnitsByCode.keys.sorted().map(CurrencyCode.init(known:))

    /// Decodes from a string, validating it.
    public init(from decoder: any Decoder) throws {
        self = try IdentifierSyntax.decode(from: decoder) { raw throws(Issue) in try CurrencyCode(raw) }
    }

    /// Encodes as the three-letter code.
    public func encode(to encoder: any Encoder) throws {
        try IdentifierSyntax.encode(value, to: encoder)
    }

    // MARK: - Table

    private init(known code: String) {
        value = code
    }

    /// ISO 4217 list one, current codes with their minor units. Codes still inside their
    /// withdrawal period (ANG, SLL, ZWL) stay accepted, since goods priced before the
    /// switch still cross the border in them; withdrawn ones (HRK) do not.
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
    /// they are refused with their own message rather than as unknown.
    private static let nonMonetaryCodes: Set<String> = [
        "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX",
    ]
}
