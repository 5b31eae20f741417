import Foundation

extension IssueCode {
    /// Nothing but separators was given.
    public static let plateEmpty = IssueCode(
        "plate.empty",
        en: "plate number is empty",
        vi: "biển số đang để trống",
        zh: "车牌号为空"
    )

    /// The plate starts with neither a Vietnamese province code nor a Chinese province character.
    public static let plateFormat = IssueCode(
        "plate.format",
        en: "a plate must start with a 2-digit Vietnamese province code or a Chinese province character, not “{found}”",
        vi: "biển số phải bắt đầu bằng mã tỉnh Việt Nam gồm 2 chữ số hoặc ký tự viết tắt tỉnh của Trung Quốc, không phải “{found}”",
        zh: "车牌号必须以越南的 2 位省份代码或中国的省份简称开头，而不是“{found}”"
    )

    /// A character that no plate of that country carries.
    public static let plateCharacter = IssueCode(
        "plate.character",
        en: "character “{character}” is not allowed in a plate number",
        vi: "ký tự “{character}” không được phép có trong biển số",
        zh: "车牌号中不允许出现字符“{character}”"
    )

    /// A Vietnamese plate whose first two characters are not digits.
    public static let plateVietnamProvince = IssueCode(
        "plate.vn-province",
        en: "province code must be 2 digits, not “{found}”",
        vi: "mã tỉnh phải gồm 2 chữ số, không phải “{found}”",
        zh: "省份代码必须是 2 位数字，而不是“{found}”"
    )

    /// A Vietnamese plate with no series letter after the province code.
    public static let plateVietnamSeriesMissing = IssueCode(
        "plate.vn-series-missing",
        en: "a series letter must follow province code {province}",
        vi: "sau mã tỉnh {province} phải có chữ cái sê-ri",
        zh: "省份代码 {province} 之后必须有系列字母"
    )

    /// A Vietnamese plate series of more than two letters.
    public static let plateVietnamSeries = IssueCode(
        "plate.vn-series",
        en: "series must be 1 or 2 letters, optionally followed by one digit, not “{series}”",
        vi: "sê-ri phải gồm 1 hoặc 2 chữ cái, có thể kèm theo một chữ số, không phải “{series}”",
        zh: "系列应为 1 至 2 个字母，后面可跟一位数字，而不是“{series}”"
    )

    /// A Vietnamese plate whose registration number is not 4 or 5 digits.
    public static let plateVietnamNumber = IssueCode(
        "plate.vn-number",
        en: "the number after the series must be 4 or 5 digits, not “{number}”",
        vi: "số đăng ký sau sê-ri phải gồm 4 hoặc 5 chữ số, không phải “{number}”",
        zh: "系列之后的号码必须是 4 或 5 位数字，而不是“{number}”"
    )

    /// A non-ASCII first character that is not a Chinese province abbreviation.
    public static let plateChinaProvince = IssueCode(
        "plate.cn-province",
        en: "“{found}” is not a Chinese province abbreviation used on plates",
        vi: "“{found}” không phải là ký tự viết tắt tỉnh của Trung Quốc dùng trên biển số",
        zh: "“{found}”不是车牌使用的省份简称"
    )

    /// A Chinese plate with nothing after the province character.
    public static let plateChinaAuthorityMissing = IssueCode(
        "plate.cn-authority-missing",
        en: "a letter A–Z for the issuing authority must follow {province}",
        vi: "sau {province} phải có một chữ cái A–Z chỉ cơ quan cấp biển",
        zh: "{province} 之后必须有表示发牌机关的字母 A–Z"
    )

    /// A Chinese plate whose second character is not a letter.
    public static let plateChinaAuthority = IssueCode(
        "plate.cn-authority",
        en: "the character after {province} must be a letter A–Z for the issuing authority, not “{found}”",
        vi: "ký tự sau {province} phải là một chữ cái A–Z chỉ cơ quan cấp biển, không phải “{found}”",
        zh: "{province} 之后必须是表示发牌机关的字母 A–Z，而不是“{found}”"
    )

    /// A Chinese plate number containing I or O, which China never issues.
    public static let plateChinaLetter = IssueCode(
        "plate.cn-letter",
        en: "letters I and O are not used in Chinese plate numbers, but “{character}” was found",
        vi: "biển số Trung Quốc không dùng chữ I và O, nhưng có “{character}”",
        zh: "中国车牌号码不使用字母 I 和 O，但出现了“{character}”"
    )

    /// A Chinese plate number of the wrong length.
    public static let plateChinaNumber = IssueCode(
        "plate.cn-number",
        en: "after {prefix} a Chinese plate has 5 letters or digits (6 on new-energy plates, 4 followed by 挂 on trailers), not “{number}”",
        vi: "sau {prefix} biển số Trung Quốc có 5 chữ cái hoặc chữ số (6 với xe năng lượng mới, 4 kèm chữ 挂 với rơ-moóc), không phải “{number}”",
        zh: "{prefix} 之后应为 5 位字母或数字（新能源号牌为 6 位，挂车为 4 位加“挂”），而不是“{number}”"
    )

    /// A six-character Chinese plate number that is not marked as new-energy.
    public static let plateChinaNewEnergy = IssueCode(
        "plate.cn-new-energy",
        en: "a 6-character plate number is a new-energy plate and must start or end with D or F, not “{number}”",
        vi: "số biển 6 ký tự là biển xe năng lượng mới và phải bắt đầu hoặc kết thúc bằng D hoặc F, không phải “{number}”",
        zh: "6 位号码为新能源号牌，必须以 D 或 F 开头或结尾，而不是“{number}”"
    )
}

/// The country that issued a plate.
public enum PlateCountry: String, Sendable, Codable {
    /// Viet Nam.
    case vn
    /// China.
    case cn
}

/// A vehicle registration plate from either side of the border, e.g. `24C-123.45` or `云A·12345`.
///
/// Equality is on the normalised text: `24C-123.45` and `24c12345` are the same plate.
/// For matching OCR reads, which confuse 0/O/D and similar, compare `matchKey`s instead.
public struct VehiclePlate: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Which country's rules the plate follows; decided by its first character.
    public let country: PlateCountry

    /// Upper case with separators removed: `24C12345`, `24LD01234`, `云AD12345`, `云A1234挂`.
    public let normalized: String

    /// Validates and normalises a plate as typed or read.
    ///
    /// Separators (`-`, `.`, `·`, spaces) are optional and lower case is accepted. Throws an
    /// `Issue` naming the first part that breaks the issuing country's format.
    public init(_ raw: String) throws(Issue) {
        let compact = IdentifierSyntax.compact(raw, removing: Self.separators)
        guard let first = compact.first else { throw Issue(.plateEmpty) }
        let characters = Array(compact)
        if IdentifierSyntax.isDigit(first) {
            _ = try Self.vietnameseParts(characters)
            country = .vn
        } else if Self.chineseProvinces.contains(first) {
            try Self.validateChinese(characters)
            country = .cn
        } else if first.isASCII {
            throw Issue(.plateFormat, ["found": String(first)])
        } else {
            throw Issue(.plateChinaProvince, ["found": String(first)])
        }
        normalized = compact
    }

    /// Whether this is a trailer or semi-trailer plate: series `R` or `RM` in Viet Nam,
    /// a `挂` suffix in China. Trailers are checked in with the tractor that pulls them.
    public var isTrailer: Bool {
        switch country {
        case .vn:
            guard let parts = try? Self.vietnameseParts(Array(normalized)) else { return false }
            return ["R", "RM"].contains(parts.series.filter(IdentifierSyntax.isUppercaseLetter))
        case .cn:
            return normalized.hasSuffix("挂")
        }
    }

    /// The plate as printed: `24C-123.45`, `24C-1234`, `云A·12345`.
    ///
    /// Derived from `normalized` alone so that equal plates always print alike; where the
    /// series/number boundary is ambiguous the letters-only series is shown.
    public var display: String {
        switch country {
        case .vn:
            guard let parts = try? Self.vietnameseParts(Array(normalized)) else { return normalized }
            let number = parts.number.count == 5
                ? "\(parts.number.prefix(3)).\(parts.number.suffix(2))"
                : parts.number
            return "\(parts.province)\(parts.series)-\(number)"
        case .cn:
            return "\(normalized.prefix(2))·\(normalized.dropFirst(2))"
        }
    }

    /// The key under which plates an OCR engine can confuse with this one are grouped.
    public var matchKey: String { Self.matchKey(forRead: normalized) }

    /// The printed form.
    public var description: String { display }

    /// The match key of any OCR read, valid plate or not.
    ///
    /// Separators are stripped and letters upper-cased, then each character is replaced by
    /// the representative of its confusion class ({0,O,D}→0, {1,I}→1, {8,B}→8, {5,S}→5,
    /// {2,Z}→2), so `24C-I23.4S` and `24C-123.45` share a key. Characters outside these
    /// classes, Chinese ones included, are kept.
    public static func matchKey(forRead raw: String) -> String {
        String(compactRead(raw).map { confusionClass[$0] ?? $0 })
    }

    /// Any OCR text cleaned up exactly as a plate is (case, separators, full-width forms),
    /// without validating it: what a camera read says, comparable with `normalized`.
    public static func compactRead(_ raw: String) -> String {
        IdentifierSyntax.compact(raw, removing: separators)
    }

    /// Decodes from the normalised string, validating it.
    public init(from decoder: any Decoder) throws {
        self = try IdentifierSyntax.decode(from: decoder) { raw throws(Issue) in try VehiclePlate(raw) }
    }

    /// Encodes as the normalised string.
    public func encode(to encoder: any Encoder) throws {
        try IdentifierSyntax.encode(normalized, to: encoder)
    }

    // MARK: - Rules

    /// Separators people and OCR engines put between plate groups; several dot-like
    /// characters because Chinese plates use the middle dot and OCR returns look-alikes.
    static let separators: Set<Character> = ["-", ".", "·", "•", "・", "∙"]

    /// The provincial abbreviations on Chinese civilian plates.
    static let chineseProvinces = Set("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼")

    private static let confusionClass: [Character: Character] = [
        "O": "0", "D": "0",
        "I": "1",
        "B": "8",
        "S": "5",
        "Z": "2",
    ]

    /// Splits a compact Vietnamese plate into province, series and number, or throws the
    /// first rule it breaks.
    ///
    /// Without separators `24C11234` could be series `C1` + `1234` or `C` + `11234`; the
    /// letters-only series wins whenever it leaves 4–5 digits, because that is what trucks
    /// carry, and the normalised form is the same either way.
    private static func vietnameseParts(
        _ characters: [Character]
    ) throws(Issue) -> (province: String, series: String, number: String) {
        if let bad = characters.first(where: { !IdentifierSyntax.isDigit($0) && !IdentifierSyntax.isUppercaseLetter($0) }) {
            throw Issue(.plateCharacter, ["character": String(bad)])
        }
        let province = characters.prefix(2)
        guard province.count == 2, province.allSatisfy(IdentifierSyntax.isDigit) else {
            throw Issue(.plateVietnamProvince, ["found": String(province)])
        }
        let letters = characters.dropFirst(2).prefix(while: IdentifierSyntax.isUppercaseLetter)
        guard !letters.isEmpty else {
            throw Issue(.plateVietnamSeriesMissing, ["province": String(province)])
        }
        guard letters.count <= 2 else {
            throw Issue(.plateVietnamSeries, ["series": String(letters)])
        }
        let rest = characters.dropFirst(2 + letters.count)
        guard rest.allSatisfy(IdentifierSyntax.isDigit) else {
            throw Issue(.plateVietnamNumber, ["number": String(rest)])
        }
        switch rest.count {
        case 4...5:
            return (String(province), String(letters), String(rest))
        case 6:
            return (String(province), String(letters) + String(rest.first!), String(rest.dropFirst()))
        default:
            throw Issue(.plateVietnamNumber, ["number": String(rest)])
        }
    }

    /// Checks a compact Chinese plate whose first character is a known province.
    private static func validateChinese(_ characters: [Character]) throws(Issue) {
        let province = String(characters[0])
        guard characters.count > 1 else {
            throw Issue(.plateChinaAuthorityMissing, ["province": province])
        }
        guard IdentifierSyntax.isUppercaseLetter(characters[1]) else {
            throw Issue(.plateChinaAuthority, ["province": province, "found": String(characters[1])])
        }
        var body = characters.dropFirst(2)
        let isTrailer = body.last == "挂"
        if isTrailer { body = body.dropLast() }
        if let bad = body.first(where: { !IdentifierSyntax.isDigit($0) && !IdentifierSyntax.isUppercaseLetter($0) }) {
            throw Issue(.plateCharacter, ["character": String(bad)])
        }
        // I and O are never issued because they read as 1 and 0.
        if let bad = body.first(where: { $0 == "I" || $0 == "O" }) {
            throw Issue(.plateChinaLetter, ["character": String(bad)])
        }
        let prefix = province + String(characters[1])
        let number = String(body) + (isTrailer ? "挂" : "")
        switch (isTrailer, body.count) {
        case (true, 4), (false, 5):
            return
        case (false, 6):
            let newEnergyMarks: Set<Character> = ["D", "F"]
            guard newEnergyMarks.contains(body.first!) || newEnergyMarks.contains(body.last!) else {
                throw Issue(.plateChinaNewEnergy, ["number": number])
            }
        default:
            throw Issue(.plateChinaNumber, ["prefix": prefix, "number": number])
        }
    }
}
