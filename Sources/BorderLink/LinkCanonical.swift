import Crypto
import Foundation
import GateKit

/// The canonical bytes of a link document, the input of every signature and digest.
///
/// The audit chain's rules (CONTRACTS §6), so one reader of the protocol meets one set of
/// rules: UTF-8; objects with their members sorted by the UTF-8 bytes of their names; no
/// whitespace; strings escaped as RFC 8259 requires and no more (`"` `\` and the control
/// characters; `\n` `\r` `\t` short, the others `\u00xx` in lower case; everything else,
/// `/` and non-ASCII included, as itself); `true`, `false`, `null` as themselves. JSON
/// numbers do not occur: a number is written as a decimal string (`"12500.5"`), so no two
/// implementations can format one differently. A document with a number is malformed, and
/// so is one with U+0000 (no record can hold it).
public enum LinkCanonical {
    /// The canonical bytes of `value`; throws `malformed` naming the first number or U+0000 found.
    public static func bytes(_ value: JSONValue) throws(LinkRefusal) -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(2_048)
        guard write(value, into: &out) else { throw refusal(locating: value) }
        return Data(out)
    }

    /// Writes `value`; false on a number or U+0000. Bytes, not strings: the link signs,
    /// verifies and digests every message several times, and this is most of that work.
    private static func write(_ value: JSONValue, into out: inout [UInt8]) -> Bool {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .string(let text): return quote(text, into: &out)
        case .number, .unrepresentableNumber: return false
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                guard write(item, into: &out) else { return false }
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let names = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (index, name) in names.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                guard quote(name, into: &out) else { return false }
                out.append(UInt8(ascii: ":"))
                guard write(members[name]!, into: &out) else { return false }
            }
            out.append(UInt8(ascii: "}"))
        }
        return true
    }

    /// A JSON string literal, escaped as `AuditChain.quoted` escapes it; false on U+0000.
    private static func quote(_ text: String, into out: inout [UInt8]) -> Bool {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case 0x00: return false
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case ..<0x20: out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return true
    }

    /// The refusal for a document `write` rejected, naming where (the slow path, taken once).
    private static func refusal(locating value: JSONValue, at path: String = "") -> LinkRefusal {
        let place = path.isEmpty ? "the document" : path
        switch value {
        case .number, .unrepresentableNumber:
            return LinkRefusal(.malformed, "\(place) is a JSON number; the protocol writes numbers as decimal strings")
        case .string(let text) where text.unicodeScalars.contains("\u{0}"):
            return LinkRefusal(.malformed, "\(place) holds U+0000")
        case .array(let items):
            for (index, item) in items.enumerated() {
                let found = refusal(locating: item, at: "\(path)[\(index)]")
                if found.detail != clean { return found }
            }
        case .object(let members):
            for name in members.keys.sorted() {
                if name.unicodeScalars.contains("\u{0}") { return LinkRefusal(.malformed, "a member name holds U+0000") }
                let found = refusal(locating: members[name]!, at: path.isEmpty ? name : "\(path).\(name)")
                if found.detail != clean { return found }
            }
        default: break
        }
        return LinkRefusal(.malformed, clean)
    }

    private static let clean = "(nothing to refuse)"

    /// A decimal string for a measured quantity: whole numbers without a point, others
    /// with at most three decimals and no trailing zeros (`12500`, `12500.5`).
    public static func decimal(_ number: Double) -> String {
        let rounded = (number * 1000).rounded() / 1000
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int64(rounded)) }
        var text = String(format: "%.3f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }

    /// SHA-256 of `data`, lower-case hex.
    public static func sha256Hex(_ data: Data) -> String {
        Hex.lowercase(SHA256.hash(data: data))
    }
}
