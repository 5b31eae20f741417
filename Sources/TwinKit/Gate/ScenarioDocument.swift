import Foundation
import GateKit

/// A scenario file that does not hang together: one line per problem.
public struct ScenarioError: Error, Sendable, CustomStringConvertible {
    public var problems: [String]
    public init(_ problems: [String]) { self.problems = problems }
    public var description: String { problems.joined(separator: "\n") }
}

/// A scenario file read: the scenario, where each figure comes from, and the ranges the
/// sensitivity table varies.
///
/// The file is JSON: `{"format": "smartgate-twin-scenario/1", "name", "timeZone",
/// "parameters": {"demand.trucksPerDay": {"value": 600, "source": "…", "low": 400, "high": 1000}, …}}`.
/// A value is a number, a string ("07:00-22:00"), a list of numbers, or a distribution
/// object (`{"triangular": [180, 240, 420]}`, `{"lognormal": {"mean": 8, "sd": 4}}`,
/// `{"exponential": 9}`, `{"uniform": [a, b]}`, `{"constant": 5}`, `{"empirical": […]}`).
public struct ScenarioDocument: Sendable {
    public static let currentFormat = "smartgate-twin-scenario/1"

    public var scenario: Scenario
    /// Each parameter as the report lists it.
    public var rows: [ParameterRow]
    public var ranges: [SensitivityRange]

    /// The scenario shipped with SmartGate (Kim Thành), by name.
    public static func shipped(_ name: String) -> Data? {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json") else { return nil }
        return try? Data(contentsOf: url)
    }

    public static let shippedNames = ["kim-thanh"]

    /// Reads and checks a scenario file; every problem is reported, not only the first.
    public static func parse(_ data: Data) throws(ScenarioError) -> ScenarioDocument {
        let root: JSONValue
        do { root = try JSONValue.parse(data) } catch { throw ScenarioError(["not JSON: \(error.detail)"]) }
        guard case .object(let top) = root else { throw ScenarioError(["the file must be a JSON object"]) }
        var problems: [String] = []
        if top["format"] != .string(currentFormat) { problems.append("format: must be \"\(currentFormat)\"") }
        var name = "scenario"
        if case .string(let text)? = top["name"], !text.isEmpty { name = text } else { problems.append("name: a non-empty string is required") }
        var zone = "Asia/Ho_Chi_Minh"
        if case .string(let text)? = top["timeZone"], TimeZone(identifier: text) != nil { zone = text } else {
            problems.append("timeZone: an IANA time zone is required, e.g. \"Asia/Ho_Chi_Minh\"")
        }
        guard case .object(let parameters)? = top["parameters"] else { throw ScenarioError(problems + ["parameters: an object is required"]) }
        var reader = ParameterReader(parameters)
        let scenario = ScenarioFields.read(&reader, name: name, timeZone: zone)
        problems += reader.problems + reader.unknownKeys.map { "parameters.\($0): not a parameter the twin knows" }
        guard problems.isEmpty, let scenario else { throw ScenarioError(problems) }
        return ScenarioDocument(scenario: scenario, rows: reader.rows, ranges: reader.ranges)
    }
}

/// Reads parameters one by one, collecting every problem and the source of each figure.
struct ParameterReader {
    private let parameters: [String: JSONValue]
    private var seen: Set<String> = []
    private(set) var problems: [String] = []
    private(set) var rows: [ParameterRow] = []
    private(set) var ranges: [SensitivityRange] = []
    /// The `low` and `high` each entry gave, until its reader checks them.
    private var sensitivity: [String: (JSONValue?, JSONValue?)] = [:]

    init(_ parameters: [String: JSONValue]) { self.parameters = parameters }

    var unknownKeys: [String] { parameters.keys.filter { !seen.contains($0) }.sorted() }

    /// The parameter's value, after checking it has a source.
    private mutating func entry(_ key: String) -> JSONValue? {
        seen.insert(key)
        guard let raw = parameters[key] else {
            problems.append("parameters.\(key): missing")
            return nil
        }
        guard case .object(let fields) = raw, let value = fields["value"] else {
            problems.append("parameters.\(key): must be an object with \"value\" and \"source\"")
            return nil
        }
        guard case .string(let source)? = fields["source"], !source.trimmingCharacters(in: .whitespaces).isEmpty else {
            problems.append("parameters.\(key).source: say where the figure comes from, or \"assumption\"")
            return nil
        }
        rows.append(ParameterRow(name: key, value: Self.display(value), source: source))
        sensitivity[key] = (fields["low"], fields["high"])
        return value
    }

    /// The sensitivity table's ends of `key`, when the file gives them, checked against
    /// `range` (what the value itself may be).
    private mutating func range(_ key: String, within range: ClosedRange<Double>) {
        guard let (lowValue, highValue) = sensitivity.removeValue(forKey: key), lowValue != nil || highValue != nil else { return }
        guard case .number(let low)? = lowValue, case .number(let high)? = highValue else {
            problems.append("parameters.\(key): low and high must both be numbers")
            return
        }
        let l = NSDecimalNumber(decimal: low).doubleValue, h = NSDecimalNumber(decimal: high).doubleValue
        guard l < h, range.contains(l), range.contains(h) else {
            problems.append("parameters.\(key): low and high must lie within \(Self.show(range.lowerBound))…\(Self.show(range.upperBound)), low below high")
            return
        }
        ranges.append(SensitivityRange(key: key, low: l, high: h))
    }

    mutating func number(_ key: String, _ range: ClosedRange<Double>) -> Double? {
        guard let value = entry(key) else { return nil }
        guard case .number(let decimal) = value else {
            problems.append("parameters.\(key).value: a number is required")
            return nil
        }
        let number = NSDecimalNumber(decimal: decimal).doubleValue
        guard range.contains(number) else {
            problems.append("parameters.\(key).value: \(Self.display(value)) is outside \(Self.show(range.lowerBound))…\(Self.show(range.upperBound))")
            return nil
        }
        self.range(key, within: range)
        return number
    }

    mutating func integer(_ key: String, _ range: ClosedRange<Int>) -> Int? {
        guard let number = number(key, Double(range.lowerBound)...Double(range.upperBound)) else { return nil }
        guard number == number.rounded() else {
            problems.append("parameters.\(key).value: a whole number is required")
            return nil
        }
        return Int(number)
    }

    /// A whole number, or `null` for none.
    mutating func optionalInteger(_ key: String, _ range: ClosedRange<Int>) -> Int?? {
        if case .object(let fields)? = parameters[key], fields["value"] == .null {
            _ = entry(key)
            return .some(nil)
        }
        guard let value = integer(key, range) else { return nil }
        return .some(value)
    }

    mutating func hours(_ key: String) -> DailyHours? {
        guard let value = entry(key) else { return nil }
        guard case .string(let text) = value, let hours = DailyHours(text) else {
            problems.append("parameters.\(key).value: daily hours \"HH:MM-HH:MM\" are required, opening before closing")
            return nil
        }
        return hours
    }

    mutating func weights(_ key: String, count: Int) -> [Double]? {
        guard let value = entry(key) else { return nil }
        guard case .array(let items) = value, items.count == count else {
            problems.append("parameters.\(key).value: a list of \(count) numbers is required")
            return nil
        }
        let numbers = items.compactMap { item -> Double? in
            if case .number(let d) = item { return NSDecimalNumber(decimal: d).doubleValue } else { return nil }
        }
        guard numbers.count == count, numbers.allSatisfy({ $0 >= 0 }), numbers.contains(where: { $0 > 0 }) else {
            problems.append("parameters.\(key).value: \(count) numbers, none negative, not all 0")
            return nil
        }
        return numbers
    }

    /// A distribution; `positive`: its mean must be above 0 (a service rate is divided by it).
    mutating func distribution(_ key: String, positive: Bool = false) -> Distribution? {
        guard let value = entry(key) else { return nil }
        guard let distribution = Self.distribution(value) else {
            problems.append("parameters.\(key).value: a distribution is required: {\"triangular\": [min, mode, max]}, {\"lognormal\": {\"mean\": m, \"sd\": s}}, {\"exponential\": mean}, {\"uniform\": [min, max]}, {\"constant\": v} or {\"empirical\": [v, …]}")
            return nil
        }
        var found = distribution.problems
        if positive, found.isEmpty, distribution.mean <= 0 { found.append("its mean must be above 0") }
        problems += found.map { "parameters.\(key).value: \($0)" }
        // The table's ends are the distribution's mean at each end.
        range(key, within: (positive ? 0.001 : 0)...1e9)
        return found.isEmpty ? distribution : nil
    }

    private static func distribution(_ value: JSONValue) -> Distribution? {
        guard case .object(let fields) = value, fields.count == 1, let (kind, body) = fields.first else { return nil }
        func list(_ v: JSONValue) -> [Double]? {
            guard case .array(let items) = v else { return nil }
            let numbers = items.compactMap { if case .number(let d) = $0 { NSDecimalNumber(decimal: d).doubleValue } else { nil } }
            return numbers.count == items.count ? numbers : nil
        }
        func scalar(_ v: JSONValue?) -> Double? { if case .number(let d)? = v { NSDecimalNumber(decimal: d).doubleValue } else { nil } }
        switch kind {
        case "constant": return scalar(body).map(Distribution.constant)
        case "exponential": return scalar(body).map { .exponential(mean: $0) }
        case "uniform": if let v = list(body), v.count == 2 { return .uniform(min: v[0], max: v[1]) }
        case "triangular": if let v = list(body), v.count == 3 { return .triangular(min: v[0], mode: v[1], max: v[2]) }
        case "lognormal":
            if case .object(let p) = body, let mean = scalar(p["mean"]), let sd = scalar(p["sd"]) { return .lognormal(mean: mean, sd: sd) }
        case "empirical": if let v = list(body), !v.isEmpty { return .empirical(v) }
        default: return nil
        }
        return nil
    }

    static func display(_ value: JSONValue) -> String {
        switch value {
        case .number(let d): return show(NSDecimalNumber(decimal: d).doubleValue)
        case .string(let s): return s
        case .null: return "none"
        case .array(let items): return items.map(display).joined(separator: " ")
        case .object: return distribution(value)?.summary ?? "?"
        default: return "?"
        }
    }

    static func show(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(format: "%g", v) }
}
