import Foundation

extension IssueCode {
    public static let controlCharacter = IssueCode(
        "field.control-character",
        en: "must not contain control characters (found U+{codepoint})",
        vi: "không được chứa ký tự điều khiển (có U+{codepoint})",
        zh: "不能包含控制字符（发现 U+{codepoint}）")
    public static let invisibleCharacter = IssueCode(
        "field.invisible-character",
        en: "must not contain invisible or direction-changing characters (found U+{codepoint}, {name})",
        vi: "không được chứa ký tự ẩn hoặc ký tự đổi chiều văn bản (có U+{codepoint}, {name})",
        zh: "不能包含不可见字符或改变文字方向的字符（发现 U+{codepoint}，{name}）")
}

/// Text that officers read on a screen must look like what it is. Control characters
/// (NUL and friends; PostgreSQL refuses NUL in text) are refused, and so are invisible
/// format characters: bidirectional overrides and isolates (U+202A–202E, U+2066–2069,
/// the marks U+200E/U+200F/U+061C) can show `24C-123.45` for a plate stored as
/// `54.321-C42`, and zero-width characters (U+200B–200D, U+2060, U+FEFF, the soft hyphen)
/// make two different names look identical (Unicode TR 36 §2.1, CVE-2021-42574
/// "Trojan Source"). Refusing, rather than storing and escaping, keeps every copy of the
/// data (audit chain, the other side of the border, exports) safe, not only our pages;
/// the names, plates and texts this system takes never need them.
public enum TextSafety {
    /// The first problem in `text`, or nil when it is safe to show.
    public static func issue(in text: String) -> Issue? {
        for scalar in text.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control:
                return Issue(.controlCharacter, ["codepoint": hex(scalar)])
            case .format, .lineSeparator, .paragraphSeparator:
                return Issue(.invisibleCharacter, ["codepoint": hex(scalar), "name": scalar.properties.name ?? "unnamed"])
            default:
                continue
            }
        }
        return nil
    }

    private static func hex(_ scalar: Unicode.Scalar) -> String { String(format: "%04X", scalar.value) }
}
