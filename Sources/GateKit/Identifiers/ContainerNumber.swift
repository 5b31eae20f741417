import Foundation

extension IssueCode {
    /// The container number, once spaces and dashes are removed, is not 11 characters long.
    public static let containerLength = IssueCode(
        "container.length",
        en: "a container number has 11 characters (3-letter owner code, category U/J/Z, 6-digit serial, check digit), not {length}",
        vi: "số container phải có 11 ký tự (mã chủ sở hữu 3 chữ cái, loại thiết bị U/J/Z, số sê-ri 6 chữ số, chữ số kiểm tra), không phải {length}",
        zh: "集装箱号应为 11 个字符（3 位字母箱主代码、设备类别 U/J/Z、6 位数字序列号、校验码），而不是 {length} 个"
    )

    /// The first three characters are not all letters A–Z.
    public static let containerOwnerCode = IssueCode(
        "container.owner-code",
        en: "owner code must be 3 letters, not “{ownerCode}”",
        vi: "mã chủ sở hữu phải gồm 3 chữ cái, không phải “{ownerCode}”",
        zh: "箱主代码必须是 3 个字母，而不是“{ownerCode}”"
    )

    /// The fourth character is not one of the ISO 6346 equipment categories.
    public static let containerCategory = IssueCode(
        "container.category",
        en: "equipment category must be U, J or Z, not “{category}”",
        vi: "loại thiết bị phải là U, J hoặc Z, không phải “{category}”",
        zh: "设备类别代码必须是 U、J 或 Z，而不是“{category}”"
    )

    /// Characters 5–10 are not all digits.
    public static let containerSerial = IssueCode(
        "container.serial",
        en: "serial number must be 6 digits, not “{serial}”",
        vi: "số sê-ri phải gồm 6 chữ số, không phải “{serial}”",
        zh: "序列号必须是 6 位数字，而不是“{serial}”"
    )

    /// The last character is not the check digit the first ten compute to.
    public static let containerCheckDigit = IssueCode(
        "container.check-digit",
        en: "check digit is {found} but should be {expected}",
        vi: "chữ số kiểm tra là {found} nhưng phải là {expected}",
        zh: "校验码为 {found}，应为 {expected}"
    )
}

/// The ISO 6346 equipment category identifier, the fourth character of a container number.
public enum ContainerCategory: String, Sendable, Codable, CaseIterable {
    /// `U`: a freight container.
    case freightContainer = "U"
    /// `J`: detachable freight-container-related equipment (clip-on generator sets and the like).
    case detachableEquipment = "J"
    /// `Z`: a trailer or chassis.
    case trailerOrChassis = "Z"
}

/// A container number as painted on the box (ISO 6346), e.g. `CSQU3054383`.
///
/// Only valid numbers can exist: the initialiser checks the layout and the check digit, and
/// decoding goes through the same initialiser.
public struct ContainerNumber: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The normalised number: upper case, no spaces or dashes, e.g. `CSQU3054383`.
    public let value: String

    /// Validates and normalises a container number as typed or read by OCR.
    ///
    /// Spaces, dashes and lower case are accepted (`csqu 305438-3`). Throws an `Issue`
    /// naming the first part that is wrong; a wrong check digit names the expected one.
    public init(_ raw: String) throws(Issue) {
        let compact = Self.compact(raw)
        if let issue = Self.problem(in: compact) { throw issue }
        value = compact
    }

    /// The three-letter owner code, e.g. `CSQ`.
    public var ownerCode: String { String(value.prefix(3)) }

    /// The equipment category, e.g. `.freightContainer` for `U`.
    public var category: ContainerCategory {
        // The initialiser admits only U, J and Z here, so the lookup cannot fail.
        ContainerCategory(rawValue: String(value.dropFirst(3).prefix(1))) ?? .freightContainer
    }

    /// The six-digit serial number, e.g. `305438`.
    public var serial: String { String(value.dropFirst(4).prefix(6)) }

    /// The check digit, e.g. `3`.
    public var checkDigit: Int { IdentifierSyntax.digitValue(value.last!) }

    /// The normalised number.
    public var description: String { value }

    /// The ISO 6346 check digit of an owner prefix and serial such as `CSQU305438`.
    ///
    /// Expects four letters then six digits (lower case accepted); returns `nil` for anything
    /// else. Letters count 10 upwards skipping multiples of 11, position *i* weighs 2^i, and a
    /// remainder of 10 is written as 0, as the standard allows.
    public static func checkDigit(of firstTen: String) -> Int? {
        let characters = Array(IdentifierSyntax.uppercasedASCII(firstTen))
        guard characters.count == 10,
              characters[..<4].allSatisfy(IdentifierSyntax.isUppercaseLetter),
              characters[4...].allSatisfy(IdentifierSyntax.isDigit)
        else { return nil }
        var sum = 0
        for (index, character) in characters.enumerated() {
            let value = IdentifierSyntax.isDigit(character)
                ? IdentifierSyntax.digitValue(character)
                : letterValues[Int(character.asciiValue! - 0x41)]
            sum += value << index
        }
        return sum % 11 % 10
    }

    /// Every valid container number one OCR confusion away from an invalid read.
    ///
    /// Tries changing exactly one character through the pairs an OCR engine mixes up on
    /// container doors (0/O, 0/D, O/D, 1/I, 8/B, 5/S, 2/Z, in both directions) and keeps the
    /// results that are valid in layout and check digit. Returns `[]` when the read is
    /// already valid (nothing to repair) or when no single change helps; more than one
    /// result means the read is ambiguous and a human must choose. Sorted by value.
    public static func repairs(of raw: String) -> [ContainerNumber] {
        let compact = Self.compact(raw)
        guard problem(in: compact) != nil else { return [] }
        let characters = Array(compact)
        guard characters.count == 11 else { return [] }
        var found = Set<String>()
        for (index, character) in characters.enumerated() {
            for replacement in ocrConfusions[character] ?? [] {
                var candidate = characters
                candidate[index] = replacement
                let text = String(candidate)
                if problem(in: text) == nil { found.insert(text) }
            }
        }
        return found.sorted().map { ContainerNumber(validated: $0) }
    }

    /// Decodes from a plain string, validating it.
    public init(from decoder: any Decoder) throws {
        self = try IdentifierSyntax.decode(from: decoder) { raw throws(Issue) in try ContainerNumber(raw) }
    }

    /// Encodes as the plain normalised string.
    public func encode(to encoder: any Encoder) throws {
        try IdentifierSyntax.encode(value, to: encoder)
    }

    // MARK: - Rules

    private init(validated value: String) {
        self.value = value
    }

    private static func compact(_ raw: String) -> String {
        IdentifierSyntax.compact(raw, removing: ["-"])
    }

    /// The first rule `compact` breaks, checked in reading order so the message points at
    /// the leftmost problem; `nil` when the number is valid.
    private static func problem(in compact: String) -> Issue? {
        let characters = Array(compact)
        guard characters.count == 11 else {
            return Issue(.containerLength, ["length": String(characters.count)])
        }
        let owner = characters[0..<3]
        guard owner.allSatisfy(IdentifierSyntax.isUppercaseLetter) else {
            return Issue(.containerOwnerCode, ["ownerCode": String(owner)])
        }
        guard ContainerCategory(rawValue: String(characters[3])) != nil else {
            return Issue(.containerCategory, ["category": String(characters[3])])
        }
        let serial = characters[4..<10]
        guard serial.allSatisfy(IdentifierSyntax.isDigit) else {
            return Issue(.containerSerial, ["serial": String(serial)])
        }
        let expected = checkDigit(of: String(characters[0..<10]))!
        let found = characters[10]
        guard IdentifierSyntax.isDigit(found), IdentifierSyntax.digitValue(found) == expected else {
            return Issue(.containerCheckDigit, ["found": String(found), "expected": String(expected)])
        }
        return nil
    }

    /// ISO 6346 letter values A…Z: 10 upwards, skipping 11, 22 and 33 so that no letter
    /// is worth a multiple of the modulus.
    private static let letterValues: [Int] = {
        var values: [Int] = []
        var next = 10
        while values.count < 26 {
            if next % 11 != 0 { values.append(next) }
            next += 1
        }
        return values
    }()

    /// What each character may really have been when an OCR engine read it.
    private static let ocrConfusions: [Character: [Character]] = [
        "0": ["O", "D"], "O": ["0", "D"], "D": ["0", "O"],
        "1": ["I"], "I": ["1"],
        "8": ["B"], "B": ["8"],
        "5": ["S"], "S": ["5"],
        "2": ["Z"], "Z": ["2"],
    ]
}
