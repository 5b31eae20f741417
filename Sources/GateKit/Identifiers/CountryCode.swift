import Foundation

extension IssueCode {
    /// Something other than two letters.
    public static let countryFormat = IssueCode(
        "country.format",
        en: "a country code is 2 letters (ISO 3166-1 alpha-2), not “{code}”",
        vi: "mã quốc gia gồm 2 chữ cái (ISO 3166-1 alpha-2), không phải “{code}”",
        zh: "国家代码应为 2 个字母（ISO 3166-1 alpha-2），而不是“{code}”"
    )

    /// Two letters that ISO 3166-1 does not officially assign.
    public static let countryUnknown = IssueCode(
        "country.unknown",
        en: "unknown country code {code}",
        vi: "mã quốc gia {code} không tồn tại",
        zh: "未知的国家代码 {code}"
    )
}

/// An ISO 3166-1 alpha-2 country or territory, e.g. `VN`, `CN`.
public struct CountryCode: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The two upper-case letters, e.g. `VN`.
    public let value: String

    /// Validates a country code; lower case and surrounding spaces are accepted.
    ///
    /// Only officially assigned codes pass: reserved ones such as `UK` or `EU` are refused,
    /// because customs documents must carry the assigned code (`GB`).
    public init(_ raw: String) throws(Issue) {
        let code = IdentifierSyntax.uppercasedASCII(raw.trimmingCharacters(in: .whitespacesAndNewlines))
        guard code.count == 2, code.allSatisfy(IdentifierSyntax.isUppercaseLetter) else {
            throw Issue(.countryFormat, ["code": code])
        }
        guard Self.assigned.contains(code) else {
            throw Issue(.countryUnknown, ["code": code])
        }
        value = code
    }

    /// The code.
    public var description: String { value }

    /// Viet Nam.
    public static let vn = CountryCode(known: "VN")
    /// China.
    public static let cn = CountryCode(known: "CN")

    /// All 249 officially assigned codes, sorted.
    public static let all: [CountryCode] = assigned.sorted().map(CountryCode.init(known:))

    /// Decodes from a string, validating it.
    public init(from decoder: any Decoder) throws {
        self = try IdentifierSyntax.decode(from: decoder) { raw throws(Issue) in try CountryCode(raw) }
    }

    /// Encodes as the two-letter code.
    public func encode(to encoder: any Encoder) throws {
        try IdentifierSyntax.encode(value, to: encoder)
    }

    // MARK: - Table

    private init(known code: String) {
        value = code
    }

    /// The officially assigned ISO 3166-1 alpha-2 codes.
    private static let assigned: Set<String> = {
        let codes = """
            AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE \
            BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD \
            CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM \
            DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF \
            GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU \
            ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN \
            KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME \
            MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA \
            NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM \
            PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI \
            SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK \
            TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI \
            VN VU WF WS YE YT ZA ZM ZW
            """
        return Set(codes.split(separator: " ").map(String.init))
    }()
}
