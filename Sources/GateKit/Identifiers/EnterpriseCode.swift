import Foundation

extension IssueCode {
    /// Neither a Vietnamese tax code nor a Chinese unified social credit code.
    public static let enterpriseFormat = IssueCode(
        "enterprise.format",
        en: "an enterprise code must be a Vietnamese tax code (10 digits, or 13 with a branch suffix) or an 18-character Chinese unified social credit code, not “{value}”",
        vi: "mã doanh nghiệp phải là mã số thuế Việt Nam (10 chữ số, hoặc 13 chữ số kèm mã chi nhánh) hoặc mã tín dụng xã hội thống nhất của Trung Quốc gồm 18 ký tự, không phải “{value}”",
        zh: "企业代码必须是越南税号（10 位数字，分支机构为 13 位）或 18 位中国统一社会信用代码，而不是“{value}”"
    )

    /// All digits, but not 10 or 13 of them.
    public static let taxCodeLength = IssueCode(
        "enterprise.tax-code-length",
        en: "a Vietnamese tax code has 10 digits, or 13 with a branch suffix, not {length}",
        vi: "mã số thuế Việt Nam có 10 chữ số, hoặc 13 chữ số kèm mã chi nhánh, không phải {length}",
        zh: "越南税号应为 10 位数字（分支机构为 13 位），而不是 {length} 位"
    )

    /// Digits 3–9 all zero: the sequence number starts at 0000001.
    public static let taxCodeSequence = IssueCode(
        "enterprise.tax-code-sequence",
        en: "digits 3 to 9 of a tax code are a sequence number and cannot all be 0",
        vi: "chữ số thứ 3 đến thứ 9 của mã số thuế là số thứ tự và không thể đều bằng 0",
        zh: "税号第 3 至 9 位为顺序号，不能全部为 0"
    )

    /// The tenth digit does not match the first nine.
    public static let taxCodeCheckDigit = IssueCode(
        "enterprise.tax-code-check-digit",
        en: "check digit is {found} but should be {expected}",
        vi: "chữ số kiểm tra là {found} nhưng phải là {expected}",
        zh: "校验位为 {found}，应为 {expected}"
    )

    /// The first nine digits compute to a check value of 10, which the tax office never issues.
    public static let taxCodeUnassignable = IssueCode(
        "enterprise.tax-code-unassignable",
        en: "no tax code starts with {prefix}: its check digit would be 10, so these digits are never issued",
        vi: "không có mã số thuế nào bắt đầu bằng {prefix}: chữ số kiểm tra sẽ là 10 nên dãy số này không được cấp",
        zh: "不存在以 {prefix} 开头的税号：其校验值为 10，此号段不予发放"
    )

    /// Branch suffix 000.
    public static let taxCodeBranch = IssueCode(
        "enterprise.tax-code-branch",
        en: "branch suffix 000 is not used; branches are numbered 001 to 999",
        vi: "mã chi nhánh 000 không được sử dụng; chi nhánh được đánh số từ 001 đến 999",
        zh: "分支机构编号 000 不可使用，分支机构编号为 001 至 999"
    )

    /// A character outside the 31 the credit code alphabet uses.
    public static let creditCodeCharacter = IssueCode(
        "enterprise.credit-code-character",
        en: "character “{character}” is not used in unified social credit codes (I, O, S, V and Z never appear)",
        vi: "ký tự “{character}” không được dùng trong mã tín dụng xã hội thống nhất (không bao giờ có I, O, S, V và Z)",
        zh: "统一社会信用代码不使用字符“{character}”（不含 I、O、S、V、Z）"
    )

    /// Characters 3–8, the administrative division code, are not all digits.
    public static let creditCodeRegion = IssueCode(
        "enterprise.credit-code-region",
        en: "characters 3 to 8 of a unified social credit code are the region code and must be digits, not “{region}”",
        vi: "ký tự thứ 3 đến thứ 8 của mã tín dụng xã hội thống nhất là mã khu vực hành chính và phải là chữ số, không phải “{region}”",
        zh: "统一社会信用代码第 3 至 8 位为行政区划码，必须是数字，而不是“{region}”"
    )

    /// The eighteenth character does not match the first seventeen.
    public static let creditCodeCheckDigit = IssueCode(
        "enterprise.credit-code-check-digit",
        en: "check character is {found} but should be {expected}",
        vi: "ký tự kiểm tra là {found} nhưng phải là {expected}",
        zh: "校验码为 {found}，应为 {expected}"
    )
}

/// Which registry an `EnterpriseCode` comes from.
public enum EnterpriseCodeKind: String, Sendable, Codable {
    /// Vietnamese tax code (mã số thuế), 10 digits or 10 + branch suffix.
    case vietnamTaxCode
    /// Chinese unified social credit code (统一社会信用代码), 18 characters.
    case chineseCreditCode
}

/// The registration code of a declarant: a Vietnamese tax code such as `0100233488` or
/// `0314409058-002`, or a Chinese unified social credit code such as `91350100M000100Y43`.
public struct EnterpriseCode: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Which registry issued the code; follows from `value`.
    public let kind: EnterpriseCodeKind

    /// The normalised code: digits with the branch after a dash (`5300100269-001`), or the
    /// 18 upper-case characters of a credit code.
    public let value: String

    /// Validates and normalises an enterprise code.
    ///
    /// Spaces, dots and dashes are accepted anywhere and lower case is upper-cased. Eighteen
    /// characters are read as a Chinese credit code (which may be all digits); otherwise an
    /// all-digit code is read as a Vietnamese tax code.
    public init(_ raw: String) throws(Issue) {
        let compact = IdentifierSyntax.compact(raw, removing: ["-", "."])
        if compact.count == 18 {
            try Self.validateCreditCode(Array(compact))
            kind = .chineseCreditCode
            value = compact
        } else if !compact.isEmpty, compact.allSatisfy(IdentifierSyntax.isDigit) {
            try Self.validateTaxCode(Array(compact))
            kind = .vietnamTaxCode
            value = compact.count == 13 ? "\(compact.prefix(10))-\(compact.suffix(3))" : compact
        } else {
            throw Issue(.enterpriseFormat, ["value": compact])
        }
    }

    /// For a Vietnamese branch code, the ten-digit code of the parent enterprise; otherwise `nil`.
    public var parentTaxCode: String? {
        kind == .vietnamTaxCode && value.count == 14 ? String(value.prefix(10)) : nil
    }

    /// For a Vietnamese branch code, the three-digit branch number; otherwise `nil`.
    public var branch: String? {
        kind == .vietnamTaxCode && value.count == 14 ? String(value.suffix(3)) : nil
    }

    /// The normalised code.
    public var description: String { value }

    /// The check digit of the first nine digits of a Vietnamese tax code, or `nil` when
    /// the input is not nine digits or the digits compute to 10 and so are never issued.
    public static func taxCodeCheckDigit(of firstNine: String) -> Int? {
        let digits = Array(firstNine)
        guard digits.count == 9, digits.allSatisfy(IdentifierSyntax.isDigit) else { return nil }
        let check = taxCodeCheckValue(digits)
        return check < 10 ? check : nil
    }

    /// The check character of the first seventeen characters of a Chinese credit code, or
    /// `nil` when the input is not seventeen characters of the credit code alphabet.
    public static func creditCodeCheckCharacter(of firstSeventeen: String) -> Character? {
        let characters = Array(IdentifierSyntax.uppercasedASCII(firstSeventeen))
        guard characters.count == 17 else { return nil }
        var values: [Int] = []
        for character in characters {
            guard let value = creditAlphabet.firstIndex(of: character) else { return nil }
            values.append(value)
        }
        return creditCheck(values)
    }

    /// Decodes from a string, validating it.
    public init(from decoder: any Decoder) throws {
        self = try IdentifierSyntax.decode(from: decoder) { raw throws(Issue) in try EnterpriseCode(raw) }
    }

    /// Encodes as the normalised string.
    public func encode(to encoder: any Encoder) throws {
        try IdentifierSyntax.encode(value, to: encoder)
    }

    // MARK: - Vietnamese tax code

    private static let taxCodeWeights = [31, 29, 23, 19, 17, 13, 7, 5, 3]

    /// 10 − (weighted sum mod 11); may be 10, which is why such prefixes are never issued.
    private static func taxCodeCheckValue(_ digits: [Character]) -> Int {
        let sum = zip(taxCodeWeights, digits).reduce(0) { $0 + $1.0 * IdentifierSyntax.digitValue($1.1) }
        return 10 - sum % 11
    }

    private static func validateTaxCode(_ digits: [Character]) throws(Issue) {
        guard digits.count == 10 || digits.count == 13 else {
            throw Issue(.taxCodeLength, ["length": String(digits.count)])
        }
        guard digits[2..<9].contains(where: { $0 != "0" }) else {
            throw Issue(.taxCodeSequence)
        }
        let check = taxCodeCheckValue(Array(digits[0..<9]))
        guard check < 10 else {
            throw Issue(.taxCodeUnassignable, ["prefix": String(digits[0..<9])])
        }
        let found = IdentifierSyntax.digitValue(digits[9])
        guard found == check else {
            throw Issue(.taxCodeCheckDigit, ["found": String(found), "expected": String(check)])
        }
        if digits.count == 13, digits[10...].allSatisfy({ $0 == "0" }) {
            throw Issue(.taxCodeBranch)
        }
    }

    // MARK: - Chinese unified social credit code

    /// GB 32100-2015 alphabet; I, O, S, V and Z are left out because they read like digits.
    private static let creditAlphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")

    private static let creditWeights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    private static func creditCheck(_ values: [Int]) -> Character {
        let sum = zip(creditWeights, values).reduce(0) { $0 + $1.0 * $1.1 }
        return creditAlphabet[(31 - sum % 31) % 31]
    }

    private static func validateCreditCode(_ characters: [Character]) throws(Issue) {
        var values: [Int] = []
        for character in characters {
            guard let value = creditAlphabet.firstIndex(of: character) else {
                throw Issue(.creditCodeCharacter, ["character": String(character)])
            }
            values.append(value)
        }
        // The first two characters (registering authority and entity type) may be letters
        // such as N or Y; the region code after them never is.
        let region = characters[2..<8]
        guard region.allSatisfy(IdentifierSyntax.isDigit) else {
            throw Issue(.creditCodeRegion, ["region": String(region)])
        }
        let expected = creditCheck(Array(values[0..<17]))
        guard characters[17] == expected else {
            throw Issue(.creditCodeCheckDigit, ["found": String(characters[17]), "expected": String(expected)])
        }
    }
}
