import Foundation

extension IssueCode {
    /// Not 64 characters long.
    public static let sha256Length = IssueCode(
        "sha256.length",
        en: "a SHA-256 digest has 64 hex characters, not {length}",
        vi: "mã băm SHA-256 phải có 64 ký tự thập lục phân, không phải {length}",
        zh: "SHA-256 摘要应为 64 个十六进制字符，而不是 {length} 个"
    )

    /// A character outside 0–9 and a–f.
    public static let sha256Character = IssueCode(
        "sha256.character",
        en: "character “{character}” at position {position} is not a hex digit (0–9, a–f)",
        vi: "ký tự “{character}” ở vị trí {position} không phải là chữ số thập lục phân (0–9, a–f)",
        zh: "第 {position} 位的字符“{character}”不是十六进制数字（0–9、a–f）"
    )
}

/// A SHA-256 digest in hex, e.g. of a scanned document, so evidence can be checked later.
public struct SHA256Digest: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The 64 hex characters in lower case.
    public let value: String

    /// Validates a hex digest; upper case and surrounding whitespace are accepted.
    public init(_ raw: String) throws(Issue) {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        // Characters are checked before the length so a pasted digest with one stray
        // character is reported as that character, which is the more useful message.
        for (offset, character) in text.enumerated() where !IdentifierSyntax.isHexDigit(character) {
            throw Issue(.sha256Character, ["character": String(character), "position": String(offset + 1)])
        }
        guard text.count == 64 else {
            throw Issue(.sha256Length, ["length": String(text.count)])
        }
        value = text.lowercased()
    }

    /// Wraps the 32 raw bytes of a digest, as a hashing library returns them.
    public init(bytes: some Sequence<UInt8>) throws(Issue) {
        try self.init(Hex.lowercase(bytes))
    }

    /// The 32 raw bytes.
    public var bytes: [UInt8] {
        let characters = Array(value.utf8)
        return stride(from: 0, to: characters.count, by: 2).map { index in
            Self.nibble(characters[index]) << 4 | Self.nibble(characters[index + 1])
        }
    }

    /// The hex digest.
    public var description: String { value }

    /// Decodes from a hex string, validating it.
    public init(from decoder: any Decoder) throws {
        self = try IdentifierSyntax.decode(from: decoder) { raw throws(Issue) in try SHA256Digest(raw) }
    }

    /// Encodes as the lower-case hex string.
    public func encode(to encoder: any Encoder) throws {
        try IdentifierSyntax.encode(value, to: encoder)
    }

    private static func nibble(_ ascii: UInt8) -> UInt8 {
        ascii <= 0x39 ? ascii - 0x30 : ascii - 0x61 + 10
    }
}
