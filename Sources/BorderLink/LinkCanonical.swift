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
/// implementations can format one differently. A document with a number is malformed.
public enum LinkCanonical {
    /// The canonical bytes of `value`; throws `malformed` naming the first number found.
    public static func bytes(_ value: JSONValue) throws(LinkRefusal) -> Data {
        var out = ""
        try write(value, at: "", into: &out)
        return Data(out.utf8)
    }

    private static func write(_ value: JSONValue, at path: String, into out: inout String) throws(LinkRefusal) {
        switch value {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .string(let text): out += AuditChain.quoted(text)
        case .number, .unrepresentableNumber:
            throw LinkRefusal(.malformed, "\(path.isEmpty ? "the document" : path) is a JSON number; the protocol writes numbers as decimal strings")
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                try write(item, at: "\(path)[\(index)]", into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            let names = members.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            for (index, name) in names.enumerated() {
                if index > 0 { out += "," }
                out += AuditChain.quoted(name) + ":"
                try write(members[name]!, at: path.isEmpty ? name : "\(path).\(name)", into: &out)
            }
            out += "}"
        }
    }

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
        AuditChain.hex(SHA256.hash(data: data))
    }
}
