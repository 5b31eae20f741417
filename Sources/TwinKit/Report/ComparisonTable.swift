import Foundation

/// The comparison as plain text for a terminal.
public enum ComparisonTable: Sendable {
    /// The metrics (the rows of the HTML report's table), then cost per container by term, then
    /// the headline sentence. Monospaced with aligned columns and no colour codes, so it reads
    /// the same in a terminal, a log file or an e-mail.
    public static func render(_ report: TwinReport) -> String {
        let columns = ComparisonColumns(report)
        var blocks = [heading(report)]
        if !columns.isEmpty {
            let metrics = ComparisonRows.metrics(report).map { ["\($0.label) (\($0.unit))"] + columns.figures($0) }
            blocks.append(grid(header: ["Metric"] + columns.headers, rows: metrics))
            let costs = ComparisonRows.costs(report).map { [$0.label] + columns.figures($0) }
            blocks.append("Cost per container by term (VND)\n" + grid(header: ["Term"] + columns.headers, rows: costs))
        }
        blocks.append(headline(report))
        if let top = report.sensitivity.first {
            blocks.append("Most sensitive: \(top.parameter) (cost ratio \(ReportNumber.fixed(top.lowValue, decimals: 2)) at "
                + "\(top.lowSetting), \(ReportNumber.fixed(top.highValue, decimals: 2)) at \(top.highSetting)); the full table is in the report.")
        }
        if let target = report.targetSearch { blocks.append("Target: " + target.verdict) }
        if !report.levers.isEmpty { blocks.append("Levers changed: " + report.levers.joined(separator: "; ")) }
        return blocks.joined(separator: "\n\n") + "\n"
    }

    /// What ran: the scenario, the seed, and what the ± rests on.
    private static func heading(_ report: TwinReport) -> String {
        var lines = ["SmartGate digital twin: scenario \(report.scenario), seed \(report.seed)"]
        if let mode = report.traditional ?? report.smart {
            let demand = ReportNumber.fixed(mode.demandPerDay, decimals: 0, grouped: true)
            lines.append("\(mode.replications) replications of \(mode.days) days at a demand of \(demand) trucks/day; "
                + "± is the half-width of the 95 % confidence interval.")
        }
        return lines.joined(separator: "\n")
    }

    /// The headline, broken after its clauses when it would run past a narrow terminal.
    private static func headline(_ report: TwinReport) -> String {
        let sentence = ReportHeadline.sentence(report)
        guard sentence.count > 100 else { return sentence }
        return sentence.replacingOccurrences(of: "; ", with: ";\n  ")
    }

    /// Columns padded to their widest cell, a rule under the header.
    private static func grid(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in
            all.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0
        }
        let rule = widths.map { String(repeating: "-", count: $0) }
        return ([header, rule] + rows).map { line($0, widths: widths) }.joined(separator: "\n")
    }

    /// Names left-aligned in the first column, figures right-aligned in the others so their
    /// digits line up.
    private static func line(_ cells: [String], widths: [Int]) -> String {
        let padded = widths.indices.map { column -> String in
            let cell = column < cells.count ? cells[column] : ""
            let padding = String(repeating: " ", count: max(0, widths[column] - cell.count))
            return column == 0 ? cell + padding : padding + cell
        }
        var text = padded.joined(separator: "   ")
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
}
