import Foundation

/// The study's figures as RFC 4180 CSV for a spreadsheet: a header row first, fields quoted
/// only when they must be, numbers with a full stop for the decimal point whatever the locale,
/// an empty field where a figure is missing.
public enum CSVExport: Sendable {
    /// One row per metric, the same metrics as the comparison table, then one per cost term.
    ///
    /// Columns: metric,unit,traditional_mean,traditional_halfwidth,smart_mean,smart_halfwidth,ratio.
    /// A capacity's half-width is half its bracket (empty when the ramp never failed); shares
    /// are in percent; the ratio is smart ÷ traditional.
    public static func summary(_ report: TwinReport) -> String {
        var lines = [
            row(["metric", "unit", "traditional_mean", "traditional_halfwidth", "smart_mean", "smart_halfwidth", "ratio"]),
        ]
        // The total is already the cost_per_container metric: written twice it would be summed twice.
        let rows = ComparisonRows.metrics(report) + ComparisonRows.costs(report, includingTotal: false)
        for metric in rows {
            lines.append(row([
                metric.key, metric.unit,
                number(metric.traditional.mean(metric.style)), number(metric.traditional.halfWidth),
                number(metric.smart.mean(metric.style)), number(metric.smart.halfWidth),
                number(metric.ratio.value),
            ]))
        }
        return document(lines)
    }

    /// Trucks waiting for a lane and trucks in the yards, by hour of day (local), per mode.
    ///
    /// Columns: hour,traditional_queue,smart_queue,traditional_yard,smart_yard.
    public static func byHour(_ report: TwinReport) -> String {
        let columns: [[Double]?] = [
            report.traditional?.queueByHour, report.smart?.queueByHour,
            report.traditional?.yardByHour, report.smart?.yardByHour,
        ]
        let hours = columns.map { $0?.count ?? 0 }.max() ?? 0
        var lines = [row(["hour", "traditional_queue", "smart_queue", "traditional_yard", "smart_yard"])]
        for hour in 0..<hours {
            let figures = columns.map { (column: [Double]?) -> String in
                guard let column, hour < column.count else { return "" }
                return ReportNumber.csv(column[hour])
            }
            lines.append(row([String(hour)] + figures))
        }
        return document(lines)
    }

    /// Every rate each capacity ramp tried, in the order tried.
    ///
    /// Columns: mode,demand_per_day,p95_hours,throughput_per_day,passed (`true` or `false`).
    public static func ramp(_ report: TwinReport) -> String {
        var lines = [row(["mode", "demand_per_day", "p95_hours", "throughput_per_day", "passed"])]
        for mode in [report.traditional, report.smart].compactMap({ $0 }) {
            for point in mode.capacity?.ramp ?? [] {
                lines.append(row([
                    mode.mode, ReportNumber.csv(point.demandPerDay), ReportNumber.csv(point.p95Hours),
                    ReportNumber.csv(point.throughputPerDay), point.passed ? "true" : "false",
                ]))
            }
        }
        return document(lines)
    }

    /// A field as RFC 4180 wants it: quoted when it holds a comma, a quote or a line break,
    /// its quotes doubled.
    static func field(_ text: String) -> String {
        // Scalars, not Characters: "\r\n" is one Character and would slip past a check for "\n".
        let needsQuotes = text.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
        guard needsQuotes else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private static func row(_ fields: [String]) -> String {
        fields.map { field($0) }.joined(separator: ",")
    }

    private static func number(_ value: Double?) -> String {
        value.map { ReportNumber.csv($0) } ?? ""
    }

    private static func document(_ lines: [String]) -> String {
        lines.joined(separator: "\n") + "\n"
    }
}
