import Foundation

/// The history file `smartgate risk generate` writes and `train`/`evaluate` read: one
/// trip per line, comma-separated, with a header. A trip carries one goods line (its main
/// line); documents are joined with `|`.
public enum RiskHistoryCSV {
    public static let header = [
        "trip", "gate", "direction", "declarant", "prior_trips", "prior_discrepancies", "hs_code", "origin", "value_usd",
        "gross_kg", "containers", "documents", "pattern", "discrepancy",
    ]

    public static func write(_ rows: [RiskHistoryRow]) -> String {
        var text = header.joined(separator: ",") + "\n"
        text.reserveCapacity(rows.count * 120)
        for row in rows {
            let trip = row.riskCase
            guard let line = trip.mainLine else { continue }
            let documents = trip.documents.map(\.rawValue).sorted().joined(separator: "|")
            let value = line.valueUSD.map { String(format: "%.2f", $0) } ?? ""
            text += [
                row.trip, trip.gate, trip.direction.rawValue, trip.declarant, String(trip.history.priorTrips),
                String(trip.history.priorDiscrepancies), line.hsCode, line.origin, value, String(Int(line.grossKg.rounded())),
                String(trip.containers), documents, row.pattern, row.discrepancy ? "1" : "0",
            ].joined(separator: ",") + "\n"
        }
        return text
    }

    /// Parses a history file; the error names the line and column of the first bad value.
    public static func read(_ text: String) throws(RiskModelError) -> [RiskHistoryRow] {
        var lines = text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline).makeIterator()
        guard let first = lines.next() else { throw RiskModelError("the file is empty") }
        let columns = first.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var position: [String: Int] = [:]
        for (index, name) in columns.enumerated() { position[name] = index }
        let needed = header.filter { $0 != "pattern" && $0 != "trip" }
        let missing = needed.filter { position[$0] == nil }
        guard missing.isEmpty else { throw RiskModelError("line 1: missing columns \(missing.joined(separator: ", "))") }

        var rows: [RiskHistoryRow] = []
        var lineNumber = 1
        while let line = lines.next() {
            lineNumber += 1
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == columns.count else {
                throw RiskModelError("line \(lineNumber): \(fields.count) values, the header has \(columns.count)")
            }
            func text(_ name: String) -> String { position[name].map { String(fields[$0]) } ?? "" }
            func number<T: LosslessStringConvertible & Comparable>(_ name: String, _ type: T.Type, min: T) throws(RiskModelError) -> T {
                guard let value = T(text(name)), value >= min else {
                    throw RiskModelError("line \(lineNumber): \(name) \"\(text(name))\" is not a number ≥ \(min)")
                }
                return value
            }
            guard let direction = TripDirection(rawValue: text("direction")) else {
                throw RiskModelError("line \(lineNumber): direction \"\(text("direction"))\" is not export, import or transit")
            }
            let hs = text("hs_code")
            guard hs.count >= 4, hs.allSatisfy(\.isASCIIDigit) else { throw RiskModelError("line \(lineNumber): hs_code \"\(hs)\" is not an HS code") }
            var documents: Set<DocumentKind> = []
            for name in text("documents").split(separator: "|") {
                guard let kind = DocumentKind(rawValue: String(name)) else { throw RiskModelError("line \(lineNumber): unknown document kind \"\(name)\"") }
                documents.insert(kind)
            }
            let value: Double? = text("value_usd").isEmpty ? nil : try number("value_usd", Double.self, min: 0)
            let label = text("discrepancy")
            guard label == "0" || label == "1" else { throw RiskModelError("line \(lineNumber): discrepancy must be 0 or 1, not \"\(label)\"") }
            let trip = RiskCase(
                gate: text("gate"), direction: direction, declarant: text("declarant"),
                history: DeclarantHistory(
                    priorTrips: try number("prior_trips", Int.self, min: 0),
                    priorDiscrepancies: try number("prior_discrepancies", Int.self, min: 0)),
                containers: try number("containers", Int.self, min: 0), documents: documents,
                lines: [RiskLine(hsCode: hs, origin: text("origin"), valueUSD: value, grossKg: try number("gross_kg", Double.self, min: 0))])
            let pattern = text("pattern")
            rows.append(RiskHistoryRow(
                trip: position["trip"] == nil ? "L\(lineNumber)" : text("trip"), riskCase: trip, discrepancy: label == "1",
                pattern: pattern.isEmpty ? "none" : pattern))
        }
        return rows
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
