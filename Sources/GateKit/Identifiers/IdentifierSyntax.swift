import Foundation

/// Character tests and text clean-up shared by the identifier types.
///
/// Kept in one namespace, rather than as `Character` extensions, so that other files in
/// GateKit can add their own helpers without colliding with these names.
enum IdentifierSyntax {
    /// `0`–`9` only: `Character.isNumber` also accepts other scripts' digits and fractions,
    /// which no identifier here allows.
    static func isDigit(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        return ascii >= 0x30 && ascii <= 0x39
    }

    /// `A`–`Z` only: `Character.isLetter` would let `É` or `Ａ` slip through.
    static func isUppercaseLetter(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        return ascii >= 0x41 && ascii <= 0x5A
    }

    /// `0`–`9` and `a`–`f` in either case.
    static func isHexDigit(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        return (ascii >= 0x30 && ascii <= 0x39) || (ascii >= 0x41 && ascii <= 0x46) || (ascii >= 0x61 && ascii <= 0x66)
    }

    /// The numeric value of an ASCII digit; only call after `isDigit`.
    static func digitValue(_ character: Character) -> Int {
        Int(character.asciiValue! - 0x30)
    }

    /// Upper-cases ASCII letters only. `String.uppercased()` would turn `ß` into `SS` and
    /// change the length, which breaks every position-based rule downstream.
    static func uppercasedASCII(_ text: String) -> String {
        String(text.map { character -> Character in
            if let ascii = character.asciiValue, ascii >= 0x61, ascii <= 0x7A {
                return Character(Unicode.Scalar(ascii - 0x20))
            }
            return character
        })
    }

    /// Folds full-width forms (`Ａ１２`, common in Chinese OCR and IME output) to ASCII,
    /// then upper-cases, then drops every character in `separators` and all whitespace.
    static func compact(_ raw: String, removing separators: Set<Character>) -> String {
        // Lane devices send plain ASCII almost always; Unicode normalisation is by far the
        // costliest step of a decision, so it runs only for text that can need it.
        let folded = raw.utf8.allSatisfy { $0 < 0x80 } ? raw : raw.precomposedStringWithCompatibilityMapping
        return uppercasedASCII(String(folded.filter { !$0.isWhitespace && !separators.contains($0) }))
    }

    /// Decodes a string and validates it with `parse`, so a received value can never
    /// bypass the rules its initialiser enforces. The `Issue` travels as the underlying
    /// error so the caller can still report its code and parameters.
    ///
    /// A decoder marked `storedRecord` reads what SmartGate itself wrote, validated when it
    /// was written: `stored` takes it as it is, so a rule tightened since (a plate series
    /// found never issued, an HS subheading deleted by the next edition, a currency
    /// withdrawn) cannot make an existing declaration unreadable, nor stop its truck's
    /// readings at the lane.
    static func decode<Value>(
        from decoder: any Decoder,
        stored: ((String) -> Value)? = nil,
        _ parse: (String) throws(Issue) -> Value
    ) throws -> Value {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        if let stored, decoder.userInfo[.storedRecord] as? Bool == true { return stored(raw) }
        do {
            return try parse(raw)
        } catch {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath,
                    debugDescription: error.message(),
                    underlyingError: error
                )
            )
        }
    }

    /// Encodes an identifier as its bare string form.
    static func encode(_ text: String, to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

extension CodingUserInfoKey {
    /// Set to `true` on a decoder that reads SmartGate's own stored records (see
    /// `IdentifierSyntax.decode`): identifiers are taken as stored, not validated again.
    public static let storedRecord = CodingUserInfoKey(rawValue: "smartgate.storedRecord")!
}
