import Foundation

extension IssueCode {
    /// NUL, ESC and the other C0/C1 controls.
    public static let controlCharacter = IssueCode(
        "field.control-character",
        en: "must not contain control characters (found U+{codepoint})",
        vi: "không được chứa ký tự điều khiển (có U+{codepoint})",
        zh: "不能包含控制字符（发现 U+{codepoint}）")
    /// A character that shows as nothing or reorders what is around it.
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
/// "Trojan Source"); so are the other default-ignorable code points, and private-use and
/// unassigned ones, which show as anything or nothing. Refusing, rather than storing and escaping, keeps every copy of the
/// data (audit chain, the other side of the border, exports) safe, not only our pages;
/// the names, plates and texts this system takes never need them.
public enum TextSafety {
    /// The first problem in `text`, or nil when it is safe to show.
    public static func issue(in text: String) -> Issue? {
        for scalar in text.unicodeScalars {
            let properties = scalar.properties
            switch properties.generalCategory {
            case .control:
                return Issue(.controlCharacter, ["codepoint": hex(scalar)])
            case .format, .lineSeparator, .paragraphSeparator, .privateUse, .unassigned, .surrogate:
                return invisible(scalar)
            default:
                // Default-ignorable code points render as nothing: the combining grapheme
                // joiner, Hangul fillers, variation selectors. U+2800 is a blank braille cell.
                if properties.isDefaultIgnorableCodePoint || scalar.value == 0x2800 { return invisible(scalar) }
            }
        }
        return nil
    }

    private static func invisible(_ scalar: Unicode.Scalar) -> Issue {
        Issue(.invisibleCharacter, ["codepoint": hex(scalar), "name": scalar.properties.name ?? "unassigned or private use"])
    }

    private static func hex(_ scalar: Unicode.Scalar) -> String { String(format: "%04X", scalar.value) }
}
