import Foundation

extension IssueCode {
    public static let required = IssueCode(
        "field.required",
        en: "is required",
        vi: "là bắt buộc",
        zh: "为必填项")
    public static let wrongType = IssueCode(
        "field.type",
        en: "must be {expected}, not {actual}",
        vi: "phải là {expected}, không phải {actual}",
        zh: "必须是{expected}，而不是{actual}")
    public static let empty = IssueCode(
        "field.empty",
        en: "must not be empty",
        vi: "không được để trống",
        zh: "不能为空")
    public static let tooLong = IssueCode(
        "field.too-long",
        en: "must be at most {max} characters (got {actual})",
        vi: "tối đa {max} ký tự (nhận được {actual})",
        zh: "最多{max}个字符（实际{actual}个）")
    public static let tooMany = IssueCode(
        "field.too-many",
        en: "must have at most {max} items (got {actual})",
        vi: "tối đa {max} phần tử (nhận được {actual})",
        zh: "最多{max}项（实际{actual}项）")
    public static let tooFew = IssueCode(
        "field.too-few",
        en: "must have at least {min} item(s)",
        vi: "phải có ít nhất {min} phần tử",
        zh: "至少需要{min}项")
    public static let outOfRange = IssueCode(
        "field.range",
        en: "must be {constraint} (got {actual})",
        vi: "phải {constraint} (nhận được {actual})",
        zh: "必须{constraint}（实际为{actual}）")
    public static let notAllowed = IssueCode(
        "field.value",
        en: "must be one of {allowed} (got \"{actual}\")",
        vi: "phải là một trong {allowed} (nhận được \"{actual}\")",
        zh: "必须是{allowed}之一（实际为\"{actual}\"）")
    public static let duplicate = IssueCode(
        "field.duplicate",
        en: "duplicates {other}",
        vi: "trùng với {other}",
        zh: "与{other}重复")
    /// A member the document's schema does not define.
    public static let unknownField = IssueCode(
        "field.unknown",
        en: "unknown field; allowed here: {allowed}",
        vi: "trường không hợp lệ; các trường được phép: {allowed}",
        zh: "未知字段；此处允许的字段：{allowed}")
    public static let pattern = IssueCode(
        "field.pattern",
        en: "must match {description} (got \"{actual}\")",
        vi: "phải đúng dạng {description} (nhận được \"{actual}\")",
        zh: "必须符合{description}格式（实际为\"{actual}\"）")
}

/// Reads fields out of a `JSONValue`, collecting an `Issue` for every missing, mistyped
/// or invalid one instead of stopping at the first, so a client fixes its input in one go.
public struct FieldReader: Sendable {
    /// Everything found wrong so far, in reading order.
    public private(set) var issues: [Issue] = []

    public init() {}

    /// Records an issue found by a rule outside the reader.
    public mutating func add(_ issue: Issue) { issues.append(issue) }

    /// Throws every collected issue at once, or returns when there are none.
    public func finish() throws(ValidationFailure) {
        if !issues.isEmpty { throw ValidationFailure(issues) }
    }

    /// Reports every member of `object` not in `allowed`: a misspelt field would otherwise
    /// be dropped silently, and a server-owned one (`status`, `channel`) would look accepted.
    public mutating func refuseUnknown(in object: [String: JSONValue], allowed: [String], at path: String = "") {
        for key in object.keys.sorted() where !allowed.contains(key) {
            add(Issue(field: path.isEmpty ? key : "\(path).\(key)", .unknownField, ["allowed": allowed.joined(separator: ", ")]))
        }
    }

    /// The object at `path`; reports it missing or mistyped.
    public mutating func object(_ value: JSONValue?, at path: String, required: Bool = true) -> [String: JSONValue]? {
        switch value {
        case .object(let members): return members
        case nil, .null?:
            if required { add(Issue(field: path, .required)) }
            return nil
        case let other?:
            add(Issue(field: path, .wrongType, ["expected": "an object", "actual": other.typeName]))
            return nil
        }
    }

    /// The array at `path`, with a count between `minCount` and `maxCount`.
    public mutating func array(
        _ value: JSONValue?, at path: String, required: Bool = true, minCount: Int = 0, maxCount: Int
    ) -> [JSONValue]? {
        switch value {
        case .array(let items):
            if items.count < minCount { add(Issue(field: path, .tooFew, ["min": "\(minCount)"])) }
            if items.count > maxCount {
                add(Issue(field: path, .tooMany, ["max": "\(maxCount)", "actual": "\(items.count)"]))
                return nil
            }
            return items
        case nil, .null?:
            if required { add(Issue(field: path, .required)) }
            return nil
        case let other?:
            add(Issue(field: path, .wrongType, ["expected": "an array", "actual": other.typeName]))
            return nil
        }
    }

    /// A trimmed, non-empty string of at most `maxLength` characters.
    public mutating func string(
        _ value: JSONValue?, at path: String, required: Bool = true, maxLength: Int
    ) -> String? {
        switch value {
        case .string(let raw):
            let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty {
                if required { add(Issue(field: path, .empty)) }
                return nil
            }
            if text.count > maxLength {
                add(Issue(field: path, .tooLong, ["max": "\(maxLength)", "actual": "\(text.count)"]))
                return nil
            }
            if let issue = TextSafety.issue(in: text) {
                add(issue.at(path))
                return nil
            }
            return text
        case nil, .null?:
            if required { add(Issue(field: path, .required)) }
            return nil
        case let other?:
            add(Issue(field: path, .wrongType, ["expected": "a string", "actual": other.typeName]))
            return nil
        }
    }

    /// A value built from a string by a validating initialiser, e.g. `ContainerNumber.init`.
    public mutating func parse<T>(
        _ value: JSONValue?, at path: String, required: Bool = true, maxLength: Int = 64,
        _ make: (String) throws(Issue) -> T
    ) -> T? {
        guard let text = string(value, at: path, required: required, maxLength: maxLength) else { return nil }
        do {
            return try make(text)
        } catch {
            add(error.at(path))
            return nil
        }
    }

    /// One of the raw values of `T`, e.g. a direction or a document kind.
    public mutating func choice<T: RawRepresentable & CaseIterable>(
        _ value: JSONValue?, at path: String, required: Bool = true, as type: T.Type = T.self
    ) -> T? where T.RawValue == String {
        guard let text = string(value, at: path, required: required, maxLength: 64) else { return nil }
        if let found = T(rawValue: text) { return found }
        let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
        add(Issue(field: path, .notAllowed, ["allowed": allowed, "actual": text]))
        return nil
    }

    /// A number within `range` (inclusive bounds; `exclusiveMinimum` rejects the lower bound).
    public mutating func number(
        _ value: JSONValue?, at path: String, required: Bool = true,
        minimum: Decimal, maximum: Decimal, exclusiveMinimum: Bool = false
    ) -> Decimal? {
        switch value {
        case .number(let number):
            let tooSmall = exclusiveMinimum ? number <= minimum : number < minimum
            if tooSmall || number > maximum {
                let lower = exclusiveMinimum ? "greater than \(minimum)" : "at least \(minimum)"
                add(Issue(field: path, .outOfRange, ["constraint": "\(lower) and at most \(maximum)", "actual": "\(number)"]))
                return nil
            }
            return number
        case .unrepresentableNumber(let literal):
            let lower = exclusiveMinimum ? "greater than \(minimum)" : "at least \(minimum)"
            // A literal can be thousands of digits long: the message shows its start.
            let shown = literal.count > 40 ? literal.prefix(40) + "…" : Substring(literal)
            add(Issue(field: path, .outOfRange, ["constraint": "\(lower) and at most \(maximum)", "actual": String(shown)]))
            return nil
        case nil, .null?:
            if required { add(Issue(field: path, .required)) }
            return nil
        case let other?:
            add(Issue(field: path, .wrongType, ["expected": "a number", "actual": other.typeName]))
            return nil
        }
    }

    /// A boolean.
    public mutating func bool(_ value: JSONValue?, at path: String, required: Bool = true) -> Bool? {
        switch value {
        case .bool(let flag): return flag
        case nil, .null?:
            if required { add(Issue(field: path, .required)) }
            return nil
        case let other?:
            add(Issue(field: path, .wrongType, ["expected": "a boolean", "actual": other.typeName]))
            return nil
        }
    }

    /// An RFC 3339 timestamp that carries its UTC offset and lies within `window`.
    public mutating func timestamp(
        _ value: JSONValue?, at path: String, required: Bool = true, within window: PlausibleWindow
    ) -> Date? {
        parse(value, at: path, required: required, maxLength: 40) { text throws(Issue) in
            let date = try Timestamp.parse(text)
            try window.check(date, written: text)
            return date
        }
    }
}
