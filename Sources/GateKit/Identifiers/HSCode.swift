import Foundation

extension IssueCode {
    /// A character other than a digit, dot or space.
    public static let hsCodeCharacter = IssueCode(
        "hs.character",
        en: "an HS code may contain only digits, dots and spaces, not “{character}”",
        vi: "mã HS chỉ được chứa chữ số, dấu chấm và khoảng trắng, không được có “{character}”",
        zh: "HS 编码只能包含数字、点和空格，不能包含“{character}”"
    )

    /// A digit count other than 6, 8 or 10.
    public static let hsCodeLength = IssueCode(
        "hs.length",
        en: "an HS code has 6, 8 or 10 digits, not {length}",
        vi: "mã HS phải có 6, 8 hoặc 10 chữ số, không phải {length}",
        zh: "HS 编码应为 6、8 或 10 位数字，而不是 {length} 位"
    )

    /// Chapter 00, which the nomenclature does not have.
    public static let hsCodeChapter = IssueCode(
        "hs.chapter",
        en: "chapter {chapter} does not exist; HS chapters run from 01 to 97",
        vi: "chương {chapter} không tồn tại; các chương HS từ 01 đến 97",
        zh: "第 {chapter} 章不存在，HS 章的范围为 01 至 97"
    )

    /// Chapter 77 (held for future use) or 98–99 (left to national use), none of which
    /// classifies goods in the shared nomenclature.
    public static let hsCodeChapterReserved = IssueCode(
        "hs.chapter-reserved",
        en: "chapter {chapter} is reserved in the Harmonized System and cannot classify goods",
        vi: "chương {chapter} là chương dự phòng trong Hệ thống hài hòa, không dùng để phân loại hàng hóa",
        zh: "第 {chapter} 章为协调制度的保留章，不能用于商品归类"
    )

    /// A six-digit subheading the HS 2022 nomenclature does not have.
    public static let hsCodeUnknownSubheading = IssueCode(
        "hs.unknown-subheading",
        en: "subheading {subheading} does not exist in HS 2022; the closest are {closest}",
        vi: "phân nhóm {subheading} không có trong HS 2022; gần nhất là {closest}",
        zh: "HS 2022 中没有子目 {subheading}；最接近的是 {closest}"
    )
}

/// A Harmonized System commodity code: 6 digits internationally, 8 in the ASEAN and
/// Vietnamese tariffs, 10 in the Chinese one, e.g. `0810.60` (durians).
public struct HSCode: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The digits only, e.g. `081060`.
    public let value: String

    /// Validates an HS code as written, with or without dots and spaces (`0810.60.00`).
    public init(_ raw: String) throws(Issue) {
        var digits = ""
        for character in raw where !character.isWhitespace && character != "." {
            guard IdentifierSyntax.isDigit(character) else {
                throw Issue(.hsCodeCharacter, ["character": String(character)])
            }
            digits.append(character)
        }
        guard [6, 8, 10].contains(digits.count) else {
            throw Issue(.hsCodeLength, ["length": String(digits.count)])
        }
        let chapter = String(digits.prefix(2))
        switch Int(chapter)! {
        case 0:
            throw Issue(.hsCodeChapter, ["chapter": chapter])
        case 77, 98, 99:
            throw Issue(.hsCodeChapterReserved, ["chapter": chapter])
        default:
            break
        }
        let subheading = String(digits.prefix(6))
        guard Self.hs2022.contains(subheading) else {
            let closest = Self.closest(to: subheading).map { "\($0.prefix(4)).\($0.suffix(2))" }.joined(separator: ", ")
            throw Issue(.hsCodeUnknownSubheading, ["subheading": "\(subheading.prefix(4)).\(subheading.suffix(2))", "closest": closest])
        }
        value = digits
    }

    /// The HS 2022 subheadings (the edition in force since 2022-01-01 and in both
    /// countries' tariffs), from `hs2022Text`. The 8- and 10-digit national lines under a
    /// subheading are the Vietnamese and Chinese tariffs' own and are not checked here.
    static let hs2022: Set<String> = Set(hs2022Sorted)

    private static let hs2022Sorted: [String] = hs2022Text.split(separator: "\n").flatMap { line -> [String] in
        let parts = line.trimmingCharacters(in: .whitespaces).split(separator: ":")
        return parts[1].split(separator: " ").map { "\(parts[0])\($0)" }
    }

    /// Up to five subheadings nearest to a missing one: those of its own heading when the
    /// heading exists (a wrong last digit pair is the usual slip), else the numerically
    /// nearest in the nomenclature.
    static func closest(to subheading: String) -> [String] {
        let heading = subheading.prefix(4)
        let target = Int(subheading) ?? 0
        let sameHeading = hs2022Sorted.filter { $0.hasPrefix(heading) }
        let pool = sameHeading.isEmpty ? hs2022Sorted : sameHeading
        return pool.sorted { abs((Int($0) ?? 0) - target) < abs((Int($1) ?? 0) - target) }.prefix(5).sorted()
    }

    /// A stored code, validated when it was written (digits only).
    private init(digits: String) {
        value = digits
    }

    /// The chapter, 1–97, e.g. 8 for `0810.60`.
    public var chapter: Int { Int(value.prefix(2)) ?? 0 }

    /// The four-digit heading, e.g. `0810`.
    public var heading: String { String(value.prefix(4)) }

    /// The six-digit subheading shared by every country's tariff, e.g. `081060`.
    public var subheading: String { String(value.prefix(6)) }

    /// The digits.
    public var description: String { value }

    /// Decodes from a string, validating it.
    public init(from decoder: any Decoder) throws {
        self = try IdentifierSyntax.decode(from: decoder, stored: { HSCode(digits: $0) }) { raw throws(Issue) in try HSCode(raw) }
    }

    /// Encodes as the digits-only string.
    public func encode(to encoder: any Encoder) throws {
        try IdentifierSyntax.encode(value, to: encoder)
    }
}
