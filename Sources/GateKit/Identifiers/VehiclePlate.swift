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

    /// Two digits that no Vietnamese province was assigned.
    public static let plateVietnamProvinceUnassigned = IssueCode(
        "plate.vn-province-unassigned",
        en: "province code {province} is not assigned to any province (Circular 24/2023/TT-BCA, Appendix 02)",
        vi: "mã {province} không được cấp cho tỉnh, thành phố nào (Phụ lục 02, Thông tư 24/2023/TT-BCA)",
        zh: "省份代码 {province} 未分配给任何省份（第 24/2023/TT-BCA 号通知附录 02）"
    )

    /// A series letter or letter pair that is not issued on car and truck plates.
    public static let plateVietnamSeriesNotIssued = IssueCode(
        "plate.vn-series-not-issued",
        en: "series “{series}” is not issued on car or truck plates (letters I, J, O, Q and W are never used; letter pairs only {pairs})",
        vi: "sê-ri “{series}” không được cấp cho biển số ô tô (không dùng các chữ I, J, O, Q, W; sê-ri hai chữ chỉ có {pairs})",
        zh: "系列“{series}”不用于汽车号牌（从不使用字母 I、J、O、Q、W；双字母系列仅有 {pairs}）"
    )

    /// A series digit 0, which is never issued.
    public static let plateVietnamSeriesDigit = IssueCode(
        "plate.vn-series-digit",
        en: "the digit after series letter {letter} is 1 to 9, not 0",
        vi: "chữ số sau chữ cái sê-ri {letter} là từ 1 đến 9, không phải 0",
        zh: "系列字母 {letter} 之后的数字应为 1 至 9，而不是 0"
    )

    /// A registration number of all zeros.
    public static let plateVietnamNumberZero = IssueCode(
        "plate.vn-number-zero",
        en: "the number {number} is never issued (numbers start at 0001 or 000.01)",
        vi: "số {number} không bao giờ được cấp (số bắt đầu từ 0001 hoặc 000.01)",
        zh: "号码 {number} 从不发放（号码从 0001 或 000.01 开始）"
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

    /// A six-character Chinese plate number that is not a new-energy number.
    public static let plateChinaNewEnergy = IssueCode(
        "plate.cn-new-energy",
        en: "a 6-character plate number is a new-energy plate: D or F, a letter or digit, then 4 digits (small vehicles), or 5 digits then D or F (large vehicles), not “{number}”",
        vi: "số biển 6 ký tự là biển xe năng lượng mới: D hoặc F, một chữ cái hoặc chữ số, rồi 4 chữ số (xe nhỏ), hoặc 5 chữ số rồi D hoặc F (xe lớn), không phải “{number}”",
        zh: "6 位号码为新能源号牌：小型车为 D 或 F、一位字母或数字、再加 4 位数字；大型车为 5 位数字加 D 或 F，而不是“{number}”"
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

    /// Whether the plate was written with a digit in its series (`29-B1 1234`, `24C0-1234`):
    /// separators removed, `29B11234` would read as the truck plate `29B-112.34`.
    private let seriesDigit: Bool

    /// Validates and normalises a plate as typed or read.
    ///
    /// Separators (`-`, `.`, `·`, spaces) are optional and lower case is accepted. Throws an
    /// `Issue` naming the first part that breaks the issuing country's format.
    public init(_ raw: String) throws(Issue) {
        let compact = IdentifierSyntax.compact(raw, removing: Self.separators)
        guard let first = compact.first else { throw Issue(.plateEmpty) }
        let characters = Array(compact)
        seriesDigit = IdentifierSyntax.isDigit(first) && Self.writtenWithSeriesDigit(raw)
        if IdentifierSyntax.isDigit(first) {
            _ = try Self.vietnameseParts(characters, seriesDigit: seriesDigit)
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

    /// A plate as SmartGate stored it, validated when it was written.
    static func stored(_ normalized: String) -> VehiclePlate {
        VehiclePlate(normalized: normalized, country: normalized.first.map(IdentifierSyntax.isDigit) == true ? .vn : .cn)
    }

    private init(normalized: String, country: PlateCountry) {
        self.normalized = normalized
        self.country = country
        seriesDigit = false
    }

    /// Plates are equal when their normalised text is.
    public static func == (lhs: VehiclePlate, rhs: VehiclePlate) -> Bool { lhs.normalized == rhs.normalized }

    public func hash(into hasher: inout Hasher) { hasher.combine(normalized) }

    /// The parts of this plate, if Vietnamese.
    private var vietnameseParts: (province: String, series: String, number: String, form: VietnameseForm)? {
        country == .vn ? try? Self.vietnameseParts(Array(normalized), seriesDigit: seriesDigit) : nil
    }

    /// Whether this is a trailer or semi-trailer plate: series `R` in Viet Nam, a `挂`
    /// suffix in China. Trailers are checked in with the tractor that pulls them.
    public var isTrailer: Bool {
        switch country {
        case .vn: vietnameseParts?.series == "R"
        case .cn: normalized.hasSuffix("挂")
        }
    }

    /// Whether this is a Vietnamese motorcycle plate (a series letter followed by a digit,
    /// `29-B1 123.45`, `29-B1 1234`): a valid plate, but never a truck's.
    public var isMotorcycle: Bool {
        vietnameseParts?.form == .motorcycle
    }

    /// The plate as printed: `24C-123.45`, `24C-1234`, `41-291-NG-01`, `云A·12345`.
    ///
    /// Derived from `normalized` alone so that equal plates always print alike; where the
    /// series/number boundary is ambiguous the letters-only series is shown.
    public var display: String {
        switch country {
        case .vn:
            guard let parts = vietnameseParts else { return normalized }
            if parts.form == .foreign { return "\(parts.province)-\(parts.number.prefix(3))-\(parts.series)-\(parts.number.suffix(2))" }
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
        self = try IdentifierSyntax.decode(from: decoder, stored: VehiclePlate.stored) { raw throws(Issue) in try VehiclePlate(raw) }
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

    /// How a Vietnamese plate is laid out.
    enum VietnameseForm: Equatable {
        /// Province, a series of letters, 4 or 5 digits: cars, trucks, trailers.
        case ordinary
        /// Province, a letter and a digit 1–9, 4 or 5 digits.
        case motorcycle
        /// Foreign organisations and diplomats: province, 3-digit country code, NG/QT/NN,
        /// 2-digit order (`41-291-NG-01`).
        case foreign
    }

    /// Province codes (ký hiệu địa phương) of Circular 24/2023/TT-BCA, Appendix 02, kept by
    /// Circular 79/2024/TT-BCA and by the 2025 province merger, which pooled codes without
    /// retiring any; 80 is the central traffic police (Cục CSGT). Never assigned: 10, 13,
    /// 42, 44, 45, 46, 87, 91, 96 (nor anything below 11).
    static let vietnameseProvinces: Set<String> = Set(
        (11...99).map { String($0) }.filter { !["13", "42", "44", "45", "46", "87", "91", "96"].contains($0) })

    /// The 20 series letters of Circular 24/2023/TT-BCA ("sêri biển số sử dụng lần lượt một
    /// trong 20 chữ cái sau đây: A, B, C, D, E, F, G, H, K, L, M, N, P, S, T, U, V, X, Y, Z");
    /// I, J, O, Q and W are never issued. R is the trailer and semi-trailer series.
    static let vietnameseSeriesLetters = Set("ABCDEFGHKLMNPSTUVXYZ")

    /// Two-letter series a truck can carry (the circular's special series): LD foreign-invested
    /// firms and leased vehicles, KT military enterprises, DA foreign-invested project boards,
    /// HC restricted-range vehicles, and the foreign series NG (diplomatic), QT (international
    /// organisations), NN (foreign organisations and people). Two-letter moped series (AA…)
    /// and others such as MK, MĐ, TĐ are not trucks'. biensoxe 0.8.5, the reference the tests
    /// compare with, accepts almost any pair as a moped series (`24NM`); the circular has no
    /// RM series (trailers are R; biensoxe refuses `24RM` too), so it is refused here.
    static let vietnameseSeriesPairs: Set<String> = ["LD", "KT", "DA", "HC", "NG", "QT", "NN"]

    /// The foreign series, which also come in the `province-country-series-order` layout.
    static let vietnameseForeignSeries: Set<String> = ["NG", "QT", "NN"]

    /// Whether the plate as written puts a digit in its series: province, a letter, a digit,
    /// then a separator (`29-B1 123.45`, `24C0-1234`). Written without separators the
    /// grouping is lost, and `vietnameseParts` decides by the number of digits.
    static func writtenWithSeriesDigit(_ raw: String) -> Bool {
        let characters = Array(IdentifierSyntax.uppercasedASCII(raw))
        func isGap(_ character: Character) -> Bool { character.isWhitespace || separators.contains(character) }
        var index = characters.firstIndex { !isGap($0) } ?? characters.count
        for _ in 0..<2 {
            guard index < characters.count, IdentifierSyntax.isDigit(characters[index]) else { return false }
            index += 1
        }
        while index < characters.count, isGap(characters[index]) { index += 1 }
        guard index + 2 < characters.count, IdentifierSyntax.isUppercaseLetter(characters[index]) else { return false }
        return IdentifierSyntax.isDigit(characters[index + 1]) && isGap(characters[index + 2])
    }

    /// Splits a compact Vietnamese plate into province, series and number, or throws the
    /// first rule it breaks.
    ///
    /// Without separators `24C11234` could be series `C1` + `1234` (a motorcycle) or `C` +
    /// `11234` (a truck); unless the plate was written with a series digit (`seriesDigit`),
    /// the letters-only series wins whenever it leaves 4–5 digits, because that is what
    /// trucks carry, and the normalised form is the same either way.
    static func vietnameseParts(
        _ characters: [Character], seriesDigit: Bool = false
    ) throws(Issue) -> (province: String, series: String, number: String, form: VietnameseForm) {
        if let bad = characters.first(where: { !IdentifierSyntax.isDigit($0) && !IdentifierSyntax.isUppercaseLetter($0) }) {
            throw Issue(.plateCharacter, ["character": String(bad)])
        }
        let province = String(characters.prefix(2))
        guard province.count == 2, province.allSatisfy(IdentifierSyntax.isDigit) else {
            throw Issue(.plateVietnamProvince, ["found": province])
        }
        guard vietnameseProvinces.contains(province) else {
            throw Issue(.plateVietnamProvinceUnassigned, ["province": province])
        }
        if let foreign = foreignParts(characters.dropFirst(2)) {
            return (province, foreign.series, foreign.number, .foreign)
        }
        let letters = String(characters.dropFirst(2).prefix(while: IdentifierSyntax.isUppercaseLetter))
        guard !letters.isEmpty else {
            throw Issue(.plateVietnamSeriesMissing, ["province": province])
        }
        guard letters.count <= 2 else {
            throw Issue(.plateVietnamSeries, ["series": letters])
        }
        try checkSeries(letters)
        let rest = characters.dropFirst(2 + letters.count)
        guard rest.allSatisfy(IdentifierSyntax.isDigit) else {
            throw Issue(.plateVietnamNumber, ["number": String(rest)])
        }
        let parts: (series: String, number: Substring, form: VietnameseForm)
        switch rest.count {
        case 5...6 where seriesDigit && letters.count == 1 && letters != "R":
            guard rest.first != "0" else { throw Issue(.plateVietnamSeriesDigit, ["letter": letters]) }
            parts = (letters + String(rest.first!), Substring(rest.dropFirst()), .motorcycle)
        case 4...5:
            parts = (letters, Substring(rest), .ordinary)
        case 6 where letters.count == 1 && letters != "R":
            guard rest.first != "0" else { throw Issue(.plateVietnamSeriesDigit, ["letter": letters]) }
            parts = (letters + String(rest.first!), Substring(rest.dropFirst()), .motorcycle)
        default:
            throw Issue(.plateVietnamNumber, ["number": String(rest)])
        }
        guard parts.number.contains(where: { $0 != "0" }) else {
            throw Issue(.plateVietnamNumberZero, ["number": String(parts.number)])
        }
        return (province, parts.series, String(parts.number), parts.form)
    }

    /// A series of one letter from the 20, R, or an issued pair.
    private static func checkSeries(_ letters: String) throws(Issue) {
        let issued = letters.count == 1
            ? vietnameseSeriesLetters.contains(letters.first!) || letters == "R"
            : vietnameseSeriesPairs.contains(letters)
        guard issued else {
            throw Issue(.plateVietnamSeriesNotIssued, ["series": letters, "pairs": vietnameseSeriesPairs.sorted().joined(separator: ", ")])
        }
    }

    /// `291NG01` after the province: a 3-digit country code, NG/QT/NN, a 2-digit order.
    private static func foreignParts(_ rest: ArraySlice<Character>) -> (series: String, number: String)? {
        let characters = Array(rest)
        guard characters.count == 7, characters.prefix(3).allSatisfy(IdentifierSyntax.isDigit),
              characters.suffix(2).allSatisfy(IdentifierSyntax.isDigit)
        else { return nil }
        let series = String(characters[3...4])
        guard vietnameseForeignSeries.contains(series) else { return nil }
        return (series, String(characters.prefix(3)) + String(characters.suffix(2)))
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
            // GA 36-2018: a small new-energy number is D (electric) or F (other new energy),
            // a letter or digit, then four digits; a large one five digits, then D or F.
            let marks: Set<Character> = ["D", "F"]
            let sequence = Array(body)
            let small = marks.contains(sequence[0]) && sequence[2...].allSatisfy(IdentifierSyntax.isDigit)
            let large = sequence[..<5].allSatisfy(IdentifierSyntax.isDigit) && marks.contains(sequence[5])
            guard small || large else { throw Issue(.plateChinaNewEnergy, ["number": number]) }
        default:
            throw Issue(.plateChinaNumber, ["prefix": prefix, "number": number])
        }
    }
}
