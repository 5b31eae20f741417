/// A language SmartGate answers in. Field names and codes never change with it; messages do.
public enum Language: String, Sendable, CaseIterable, Codable {
    case en, vi, zh

    /// Picks the best supported language from an `Accept-Language` header value
    /// (`vi-VN,vi;q=0.9,en;q=0.8`); English when nothing matches.
    public static func negotiate(_ header: String?) -> Language {
        guard let header else { return .en }
        var best: (Language, Double)?
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first?.lowercased(), !tag.isEmpty else { continue }
            var quality = 1.0
            for parameter in pieces.dropFirst() where parameter.hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)) ?? 0
            }
            let primary = tag.split(separator: "-").first.map(String.init) ?? tag
            guard let language = Language(rawValue: primary), quality > 0 else { continue }
            if best == nil || quality > best!.1 { best = (language, quality) }
        }
        return best?.0 ?? .en
    }
}

/// A stable, machine-readable kind of problem, with its message in each language.
///
/// Codes are declared next to the rule that raises them (`IssueCode.containerCheckDigit`
/// beside `ContainerNumber`), so a new rule brings its own wording. Templates name their
/// parameters in braces: `"expected check digit {expected}"`.
public struct IssueCode: Hashable, Sendable, CustomStringConvertible {
    /// The code clients match on, e.g. `container.check-digit`.
    public let rawValue: String
    private let templates: [Language: String]

    /// Declares a code with its English, Vietnamese and Chinese message templates.
    public init(_ rawValue: String, en: String, vi: String, zh: String) {
        self.rawValue = rawValue
        self.templates = [.en: en, .vi: vi, .zh: zh]
    }

    /// The message template in `language`, falling back to English.
    public func template(in language: Language) -> String {
        templates[language] ?? templates[.en] ?? rawValue
    }

    public var description: String { rawValue }

    public static func == (lhs: IssueCode, rhs: IssueCode) -> Bool { lhs.rawValue == rhs.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}

/// One problem with one field of an input: where (`field`, a JSON path such as
/// `containers[0].number`), what (`code`) and the details the message needs (`params`).
public struct Issue: Error, Hashable, Sendable, CustomStringConvertible {
    /// JSON path of the offending field; empty when the issue is about a bare value.
    public var field: String
    public var code: IssueCode
    public var params: [String: String]

    public init(field: String = "", _ code: IssueCode, _ params: [String: String] = [:]) {
        self.field = field
        self.code = code
        self.params = params
    }

    /// The same issue located under `path` (`"containers[0]"` + `"number"` → `"containers[0].number"`).
    public func at(_ path: String) -> Issue {
        var copy = self
        copy.field = FieldPath.join(path, field)
        return copy
    }

    /// The human message in `language`, parameters filled in.
    public func message(in language: Language = .en) -> String {
        var text = code.template(in: language)
        for (key, value) in params {
            text = text.replacingOccurrences(of: "{\(key)}", with: value)
        }
        return text
    }

    public var description: String { field.isEmpty ? message() : "\(field): \(message())" }
}

/// Every issue found in one input, reported together (never only the first).
public struct ValidationFailure: Error, Sendable, CustomStringConvertible {
    public var issues: [Issue]
    public init(_ issues: [Issue]) { self.issues = issues }
    public var description: String { issues.map(\.description).joined(separator: "; ") }
}

/// Builds JSON paths the way clients read them: `goods[2].value.amount`.
public enum FieldPath {
    /// Joins a parent path and a child path with a dot, or an index with brackets.
    public static func join(_ parent: String, _ child: String) -> String {
        if parent.isEmpty { return child }
        if child.isEmpty { return parent }
        if child.hasPrefix("[") { return parent + child }
        return parent + "." + child
    }
}

import Foundation
