import Foundation

/// A JSON document as a tree, decoded without a schema so that validation can look at
/// every field and report every problem at once (a typed `Decodable` stops at the first).
///
/// Numbers are kept as `Decimal`, so an amount such as `54000.10` is never rounded
/// through `Double` on its way in.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Decimal)
    /// A number that is valid JSON but outside what `Decimal` holds (`1e308`, `1e-320`):
    /// kept as written so that validation names its field (a 422), instead of the whole
    /// body being called malformed.
    case unrepresentableNumber(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// A short name of the JSON type, for messages ("expected a string, got number").
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number, .unrepresentableNumber: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// The member `key` of an object, or nil for anything else.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }
}

extension JSONValue {
    /// Parses UTF-8 JSON bytes (RFC 8259); throws `MalformedJSON` saying where and why when
    /// the bytes are not JSON (that is a 400, not a 422).
    ///
    /// Stricter than `JSONDecoder` where a customs record needs it: an object that names
    /// the same member twice is refused (two parsers could each keep a different one, so
    /// a reviewer and the server would read different declarations), and invalid UTF-8 is
    /// refused rather than repaired.
    public static func parse(_ data: Data) throws(MalformedJSON) -> JSONValue {
        var parser = StrictJSONParser(bytes: Array(data))
        return try parser.document()
    }
}

/// The request body is not JSON.
public struct MalformedJSON: Error, Sendable, Equatable {
    /// What the parser found, e.g. "Unexpected character 'x' at line 1, column 12."
    public var detail: String
}

/// A recursive-descent RFC 8259 parser over bytes. Hand-written because no parser at hand
/// reports duplicate member names, and the lane's hot path parses every reading with it.
struct StrictJSONParser {
    /// Deeper documents are refused: no SmartGate body nests beyond a handful of levels,
    /// and unbounded recursion would let a body exhaust the stack.
    static let maxDepth = 64

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func document() throws(MalformedJSON) -> JSONValue {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }  // RFC 8259 §8.1 lets a parser skip a BOM
        skipSpace()
        guard index < bytes.count else { throw fail("The body is empty; send a JSON document.") }
        let value = try self.value()
        skipSpace()
        guard index == bytes.count else { throw fail("Unexpected \(describe(bytes[index])) after the JSON document") }
        return value
    }

    private mutating func value() throws(MalformedJSON) -> JSONValue {
        guard index < bytes.count else { throw fail("Unexpected end of the body") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        case let other: throw fail("Unexpected \(describe(other))")
        }
    }

    private mutating func object() throws(MalformedJSON) -> JSONValue {
        try enter()
        index += 1
        var members: [String: JSONValue] = [:]
        skipSpace()
        if peek == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipSpace()
            guard peek == UInt8(ascii: "\"") else { throw fail("Expected a member name in double quotes") }
            let start = index
            let key = try string()
            // Swift compares strings by canonical equivalence: "é" and "e\u{301}" are one
            // name here, as they are one name on a screen.
            guard members[key] == nil else {
                index = start
                throw fail("Duplicate member \"\(key.prefix(64))\" in one object")
            }
            skipSpace()
            guard peek == UInt8(ascii: ":") else { throw fail("Expected ':' after a member name") }
            index += 1
            skipSpace()
            members[key] = try value()
            skipSpace()
            switch peek {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                depth -= 1
                return .object(members)
            default: throw fail("Expected ',' or '}' in an object")
            }
        }
    }

    private mutating func array() throws(MalformedJSON) -> JSONValue {
        try enter()
        index += 1
        var items: [JSONValue] = []
        skipSpace()
        if peek == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(items)
        }
        while true {
            skipSpace()
            items.append(try value())
            skipSpace()
            switch peek {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                depth -= 1
                return .array(items)
            default: throw fail("Expected ',' or ']' in an array")
            }
        }
    }

    private mutating func enter() throws(MalformedJSON) {
        depth += 1
        if depth > Self.maxDepth { throw fail("The document nests deeper than \(Self.maxDepth) levels") }
    }

    private mutating func string() throws(MalformedJSON) -> String {
        index += 1  // the opening quote
        var scalars = String.UnicodeScalarView()
        while true {
            guard index < bytes.count else { throw fail("Unterminated string") }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                scalars.append(try escape())
            case 0..<0x20:
                throw fail("Unescaped control character U+\(String(format: "%04X", byte)) in a string")
            case 0..<0x80:
                scalars.append(Unicode.Scalar(byte))
                index += 1
            default:
                scalars.append(try utf8Scalar())
            }
        }
    }

    /// One `\…` escape; a `\uD8xx` high surrogate must be followed by its low half.
    private mutating func escape() throws(MalformedJSON) -> Unicode.Scalar {
        index += 1
        guard index < bytes.count else { throw fail("Unterminated escape") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try hex4()
            if (0xD800...0xDBFF).contains(unit) {
                guard peek == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                    throw fail("A high surrogate \\u\(String(format: "%04X", unit)) without its low half")
                }
                index += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw fail("Invalid low surrogate \\u\(String(format: "%04X", low))") }
                return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!
            }
            guard let scalar = Unicode.Scalar(unit) else { throw fail("A lone low surrogate \\u\(String(format: "%04X", unit))") }
            return scalar
        default:
            index -= 1
            throw fail("Invalid escape \\\(describe(byte))")
        }
    }

    private mutating func hex4() throws(MalformedJSON) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("Expected 4 hex digits after \\u") }
        var value: UInt32 = 0
        for byte in bytes[index..<index + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail("Expected 4 hex digits after \\u")
            }
            value = value << 4 | UInt32(digit)
        }
        index += 4
        return value
    }

    /// One multi-byte UTF-8 sequence, checked for overlong forms and surrogates.
    private mutating func utf8Scalar() throws(MalformedJSON) -> Unicode.Scalar {
        let lead = bytes[index]
        let (count, minimum): (Int, UInt32) = switch lead {
        case 0xC2...0xDF: (2, 0x80)
        case 0xE0...0xEF: (3, 0x800)
        case 0xF0...0xF4: (4, 0x10000)
        default: (0, 0)
        }
        guard count > 0, index + count <= bytes.count else { throw fail("Invalid UTF-8") }
        var value = UInt32(lead) & (0xFF >> (count + 1))
        for byte in bytes[index + 1..<index + count] {
            guard byte & 0xC0 == 0x80 else { throw fail("Invalid UTF-8") }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { throw fail("Invalid UTF-8") }
        index += count
        return scalar
    }

    /// A number in RFC 8259 grammar; its value as `Decimal` when `Decimal` holds it.
    private mutating func number() throws(MalformedJSON) -> JSONValue {
        let start = index
        if peek == UInt8(ascii: "-") { index += 1 }
        guard let first = peek, isDigit(first) else { throw fail("Expected a digit") }
        index += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if peek == UInt8(ascii: ".") {
            index += 1
            guard let digit = peek, isDigit(digit) else { throw fail("Expected a digit after the decimal point") }
            skipDigits()
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard let digit = peek, isDigit(digit) else { throw fail("Expected a digit in the exponent") }
            skipDigits()
        }
        if let next = peek, isDigit(next) { throw fail("A number may not start with 0 followed by digits") }
        let literal = String(decoding: bytes[start..<index], as: UTF8.self)
        return JSONNumber.value(of: literal)
    }

    private mutating func literal(_ word: StaticString) throws(MalformedJSON) {
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard index + expected.count <= bytes.count, bytes[index..<index + expected.count].elementsEqual(expected) else {
            throw fail("Unexpected \(describe(bytes[index]))")
        }
        index += expected.count
    }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while let byte = peek, isDigit(byte) { index += 1 }
    }

    private mutating func skipSpace() {
        while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private func describe(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? "character '\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(format: "%02X", byte))"
    }

    /// A failure located by line and column, as people count them in an editor.
    private func fail(_ message: String) -> MalformedJSON {
        let upTo = bytes[..<min(index, bytes.count)]
        let line = upTo.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
        let lineStart = upTo.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        let column = upTo.count - lineStart + 1
        return MalformedJSON(detail: "\(message) at line \(line), column \(column).")
    }
}

/// Turns a JSON number literal into a `Decimal` when it lies within `Decimal`'s exponent
/// range (about 10^±128). Digits beyond `Decimal`'s 38 significant ones are rounded, as
/// any decimal arithmetic would; amounts are best sent as strings, which are checked
/// digit by digit.
enum JSONNumber {
    /// Exponents (of the leading digit) outside this range are out of `Decimal`'s reach.
    static let exponentRange = -127...125

    static func value(of literal: String) -> JSONValue {
        let (leadingExponent, isZero) = magnitude(of: literal)
        if isZero { return .number(0) }  // `0e999` and `-0.0` are zero, whatever the exponent
        if !exponentRange.contains(leadingExponent) { return .unrepresentableNumber(literal) }
        guard let decimal = Decimal(string: literal, locale: Locale(identifier: "en_US_POSIX")), !decimal.isNaN else {
            return .unrepresentableNumber(literal)
        }
        return .number(decimal)
    }

    /// The power of ten of the first significant digit (`1234.5` → 3, `0.001` → −3,
    /// `1e308` → 308), and whether every digit is zero.
    static func magnitude(of literal: String) -> (exponent: Int, isZero: Bool) {
        let text = literal.hasPrefix("-") ? literal.dropFirst() : Substring(literal)
        let mantissa: Substring
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            // An exponent too long for Int is beyond any range anyway.
            exponent = Int(text[text.index(after: e)...]) ?? (text[text.index(after: e)...].hasPrefix("-") ? Int.min / 2 : Int.max / 2)
        } else {
            mantissa = text
        }
        let integer = mantissa.prefix { $0 != "." }
        let fraction = mantissa.drop { $0 != "." }.dropFirst()
        if let first = integer.firstIndex(where: { $0 != "0" }) {
            return (exponent + integer.distance(from: first, to: integer.endIndex) - 1, false)
        }
        if let first = fraction.firstIndex(where: { $0 != "0" }) {
            return (exponent - fraction.distance(from: fraction.startIndex, to: first) - 1, false)
        }
        return (0, true)
    }
}

extension JSONValue: Encodable {
    /// Writes the value back as JSON: what a server stores and shows of a document it read.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let flag): try container.encode(flag)
        case .number(let number): try container.encode(number)
        case .unrepresentableNumber(let literal): try container.encode(literal)
        case .string(let text): try container.encode(text)
        case .array(let items): try container.encode(items)
        case .object(let members): try container.encode(members)
        }
    }
}
