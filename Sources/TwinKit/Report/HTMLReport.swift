import Foundation

/// The study as one page for the border zone's management board.
public enum HTMLReport: Sendable {
    /// One self-contained HTML5 page: inline CSS and inline SVG charts, no scripts, nothing
    /// fetched, so it can be mailed, printed or archived as it is. Every string from the
    /// report is escaped; a gate mode that did not run is left out rather than shown as zeros.
    public static func render(_ report: TwinReport) -> String {
        let sections = [
            headlineSection(report),
            comparisonSection(report),
            distributionSection(report),
            hourlySection(report, id: "queue", title: "Trucks waiting for a lane, by hour",
                          axis: "trucks waiting", pick: \.queueByHour),
            hourlySection(report, id: "yard", title: "Trucks in the border yards, by hour",
                          axis: "trucks in the yards", pick: \.yardByHour),
            rampSection(report),
            costSection(report),
            sensitivitySection(report),
            targetSection(report),
            leversSection(report),
            parametersSection(report),
            caveatsSection(report),
        ]
        return page(report, body: sections.filter { !$0.isEmpty }.joined(separator: "\n"))
    }

    // MARK: - Sections

    private static func headlineSection(_ report: TwinReport) -> String {
        let note = "Ratios are smart ÷ traditional; the intervals are 95 % confidence intervals over the replications."
        return section("In short", id: "headline", """
            <p class="headline">\(escape(ReportHeadline.sentence(report)))</p>
            <p class="note">\(escape(note))</p>
            """)
    }

    private static func comparisonSection(_ report: TwinReport) -> String {
        let title = "Traditional and smart gate, side by side"
        let columns = ComparisonColumns(report)
        guard !columns.isEmpty else {
            return section(title, id: "comparison", "<p>Neither gate mode ran, so there are no figures to compare.</p>")
        }
        let table = comparisonTable(ComparisonRows.metrics(report), columns: columns, first: "Metric", showsUnit: true)
        let note = "Each figure is the mean over the replications ± the half-width of its 95 % confidence interval. "
            + "Capacity is the highest demand at which the 95th-percentile time at the border stays within the target; "
            + "the bracket after it is the last rate that passed and the first that failed. "
            + "A ratio without an interval is the two means divided."
        return section(title, id: "comparison", table + "\n<p class=\"note\">\(escape(note))</p>")
    }

    private static func distributionSection(_ report: TwinReport) -> String {
        let title = "Time at the border"
        let modes = ReportedMode.all(report).filter { !$0.result.timeHistogram.isEmpty }
        guard let first = modes.first else {
            return section(title, id: "distribution", "<p>No distribution of time at the border was recorded.</p>")
        }
        // Both gates share one chart only when their bins match; otherwise each has its own.
        let edges = binEdges(first.result)
        let groups = modes.allSatisfy { mode in binEdges(mode.result) == edges } ? [modes] : modes.map { [$0] }
        let caption = "Share of containers by hours from arrival at the border to release on the far side, "
            + "averaged over the replications."
        let figures = groups.map { figure(histogram($0).svg(), caption: caption) }
        return section(title, id: "distribution", figures.joined(separator: "\n"))
    }

    private static func hourlySection(
        _ report: TwinReport, id: String, title: String, axis: String, pick: KeyPath<ModeResult, [Double]>
    ) -> String {
        let traditional = report.traditional?[keyPath: pick]
        let smart = report.smart?[keyPath: pick]
        guard !(traditional ?? []).isEmpty || !(smart ?? []).isEmpty else {
            return section(title, id: id, "<p>No hourly figures were recorded.</p>")
        }
        let chart = SVGLineChart.byHour(title: title, yAxisLabel: axis, traditional: traditional, smart: smart)
        let caption = "Mean over the simulated days and replications, by local hour of day; the traditional gate's line is dashed."
        return section(title, id: id, figure(chart.svg(), caption: caption))
    }

    private static func rampSection(_ report: TwinReport) -> String {
        let title = "Capacity ramp"
        let modes = ReportedMode.all(report).filter { $0.result.capacity != nil }
        guard !modes.isEmpty else {
            return section(title, id: "ramp", "<p>The capacity ramp did not run, so capacity was not measured.</p>")
        }
        let chart = rampChart(modes, target: ComparisonRows.targetP95Hours(report))
        var caption = "Each point is one demand the ramp tried: a dot where the gate kept up and the 95th percentile "
            + "stayed within the target, a cross where it did not. The capacity lies between the last dot and the first cross."
        if let ceiling = chart.yCeiling, chart.series.flatMap(\.points).contains(where: { chart.isAboveCeiling($0) }) {
            caption += " Points above " + ReportNumber.fixed(ceiling, decimals: 1) + " h are drawn on the top edge."
        }
        return section(title, id: "ramp", figure(chart.svg(), caption: caption) + "\n" + capacityList(modes))
    }

    private static func costSection(_ report: TwinReport) -> String {
        let title = "Cost per container, by term"
        let modes = ReportedMode.all(report)
        let terms = ComparisonRows.costTerms(report)
        guard !modes.isEmpty, !terms.isEmpty else {
            return section(title, id: "cost", "<p>No cost breakdown was recorded.</p>")
        }
        let rows = modes.map { mode in
            SVGStackedRow(label: mode.name, segments: mode.result.cost
                .filter { $0.term.lowercased() != "total" }
                .map { SVGStackSegment(part: $0.term, value: $0.vnd.mean) })
        }
        let chart = SVGStackedBarChart(title: "Cost per container by term, VND", rows: rows, axisLabel: "VND per container", parts: terms)
        let caption = "Mean cost per container, each term a part of the bar; the figure at the end is the sum of the terms."
        let table = comparisonTable(ComparisonRows.costs(report), columns: ComparisonColumns(report),
                                    first: "Term (VND per container)", showsUnit: false)
        return section(title, id: "cost", figure(chart.svg(), caption: caption) + "\n" + table)
    }

    private static func sensitivitySection(_ report: TwinReport) -> String {
        let title = "What moves the result"
        guard !report.sensitivity.isEmpty else {
            return section(title, id: "sensitivity", "<p>No sensitivity analysis was run for this report, "
                + "so it does not show which figures move the result most.</p>")
        }
        let rows = report.sensitivity.map {
            SVGTornadoRow(label: $0.parameter, lowSetting: $0.lowSetting, highSetting: $0.highSetting,
                          lowValue: $0.lowValue, highValue: $0.highValue)
        }
        let chart = SVGTornadoChart(
            title: "Smart ÷ traditional cost per container, one parameter at a time",
            base: report.ratio?.costPerContainer.value ?? .nan, rows: rows,
            axisLabel: "smart ÷ traditional cost per container")
        let caption = "Each parameter set to the low and then the high end of its range, the others held at the "
            + "scenario's values; the widest swing is on top. The vertical line is the result as the scenario stands."
        return section(title, id: "sensitivity", figure(chart.svg(), caption: caption) + "\n" + sensitivityTable(chart.sortedRows))
    }

    private static func targetSection(_ report: TwinReport) -> String {
        guard let search = report.targetSearch else { return "" }
        let outcome = search.reached ? "reached" : "not reached"
        let target = escape(ReportNumber.multiplier(search.targetRatio))
        var parts = ["<p>Target: the smart gate's capacity at <strong>\(target)</strong> the traditional gate's. "
            + "Outcome: <strong>\(outcome)</strong>.</p>"]
        if search.steps.isEmpty {
            parts.append("<p>The search changed no lever.</p>")
        } else {
            let rows = search.steps.enumerated().map { index, step in
                [String(index + 1), step.lever, step.setting,
                 FigureStyle.count.text(step.capacityPerDay), ReportNumber.multiplier(step.ratio)]
            }
            parts.append(plainTable(["Step", "Lever", "Setting", "Capacity (trucks/day)", "Smart ÷ traditional"],
                                    rows: rows, numeric: [0, 3, 4]))
        }
        parts.append("<p class=\"verdict\">\(escape(search.verdict))</p>")
        return section("Reaching the target ratio", id: "target", parts.joined(separator: "\n"))
    }

    private static func leversSection(_ report: TwinReport) -> String {
        let title = "Levers changed"
        guard !report.levers.isEmpty else {
            return section(title, id: "levers", "<p>None: the scenario ran as written.</p>")
        }
        let items = report.levers.map { "<li>\(escape($0))</li>" }.joined(separator: "\n")
        return section(title, id: "levers", "<p>Changed from the scenario file for this run:</p>\n<ul>\n\(items)\n</ul>")
    }

    private static func parametersSection(_ report: TwinReport) -> String {
        let title = "Parameters and their sources"
        guard !report.parameters.isEmpty else {
            return section(title, id: "parameters", "<p>The report lists no parameters.</p>")
        }
        let assumed = report.parameters.filter { isAssumption($0) }.count
        let intro = "<p>\(assumed) of \(report.parameters.count) figures are assumptions, marked "
            + "<span class=\"flag\">Assumption</span> below: no published source backs them, so they are the first to question.</p>"
        var lines = ["<table>", "<thead><tr><th scope=\"col\">Parameter</th><th scope=\"col\">Value</th>"
            + "<th scope=\"col\">Source</th></tr></thead>", "<tbody>"]
        for parameter in report.parameters {
            let assumption = isAssumption(parameter)
            let source = assumption ? "<span class=\"flag\">Assumption</span>" : escape(parameter.source)
            let marked = assumption ? " class=\"assumption\"" : ""
            lines.append("<tr\(marked)><th scope=\"row\">\(escape(parameter.name))</th>"
                + "<td>\(escape(parameter.value))</td><td>\(source)</td></tr>")
        }
        lines.append("</tbody>\n</table>")
        return section(title, id: "parameters", intro + "\n" + lines.joined(separator: "\n"))
    }

    private static func caveatsSection(_ report: TwinReport) -> String {
        let title = "What the figures do not say"
        guard !report.caveats.isEmpty else {
            return section(title, id: "caveats", "<p>No caveats were recorded.</p>")
        }
        let items = report.caveats.map { "<li>\(escape($0))</li>" }.joined(separator: "\n")
        return section(title, id: "caveats", "<ul>\n\(items)\n</ul>")
    }

    // MARK: - Charts and tables

    /// The bins' edges, to tell whether two histograms can share one chart.
    private static func binEdges(_ mode: ModeResult) -> [Double] {
        mode.timeHistogram.flatMap { [$0.fromHours, $0.toHours] }
    }

    /// Bars of the share of containers per bin, the gates side by side.
    private static func histogram(_ modes: [ReportedMode]) -> SVGBarChart {
        let bins = modes.first?.result.timeHistogram ?? []
        let whole = bins.allSatisfy { isWhole($0.fromHours) && (isWhole($0.toHours) || !$0.toHours.isFinite) }
        let categories = bins.map { binLabel($0, decimals: whole ? 0 : 1) }
        let series = modes.map { mode in
            SVGBarSeries(name: mode.name, colour: mode.colour, values: mode.result.timeHistogram.map { $0.share * 100 })
        }
        let gate = modes.count == 1 ? " (\(modes[0].name.lowercased()) gate)" : ""
        return SVGBarChart(
            title: "Share of containers by time at the border" + gate, categories: categories, series: series,
            xAxisLabel: "hours at the border", yAxisLabel: "% of containers", valueDecimals: 1)
    }

    /// "2–4" hours, or "≥ 48" for an open last bin.
    private static func binLabel(_ bin: HistogramBin, decimals: Int) -> String {
        let from = ReportNumber.fixed(bin.fromHours, decimals: decimals)
        guard bin.toHours.isFinite else { return "≥ " + from }
        return from + "–" + ReportNumber.fixed(bin.toHours, decimals: decimals)
    }

    /// p95 hours against demand for each gate's ramp, the target across it.
    private static func rampChart(_ modes: [ReportedMode], target: Double?) -> SVGLineChart {
        let series = modes.map { mode in
            SVGLineSeries(
                name: mode.name, colour: mode.colour, dashed: mode.dashed,
                points: (mode.result.capacity?.ramp ?? [])
                    .sorted { $0.demandPerDay < $1.demandPerDay }
                    .map { SVGLinePoint(x: $0.demandPerDay, y: $0.p95Hours, passed: $0.passed) })
        }
        let reference = target.map { SVGReferenceLine(value: $0, label: "target: p95 " + ReportNumber.fixed($0, decimals: 1) + " h") }
        // A ramp's failing rates can queue for days; three times the target keeps the passing points legible.
        let ceiling = target.map { $0 * 3 }
        return SVGLineChart(
            title: "95th-percentile time at the border against demand", series: series,
            xAxisLabel: "demand (trucks/day)", yAxisLabel: "p95 hours at the border",
            reference: reference, yCeiling: ceiling, xDecimals: 0, yDecimals: 1)
    }

    /// Each gate's capacity in words, under the ramp chart.
    private static func capacityList(_ modes: [ReportedMode]) -> String {
        let items: [String] = modes.compactMap { mode in
            guard let capacity = mode.result.capacity else { return nil }
            let low = FigureStyle.count.text(capacity.low)
            let tried = "\(capacity.ramp.count) rates tried"
            let finding = capacity.bounded
                ? "\(FigureStyle.count.text(capacity.perDay)) trucks/day, between \(low) and \(FigureStyle.count.text(capacity.high)) (\(tried))"
                : "at least \(low) trucks/day: every rate tried passed (\(tried))"
            return "<li><strong>\(escape(mode.name)):</strong> \(escape(finding))</li>"
        }
        return "<ul>\n" + items.joined(separator: "\n") + "\n</ul>"
    }

    /// Rows of the comparison under a header of the modes that ran, each with its colour key.
    private static func comparisonTable(
        _ rows: [ComparisonRow], columns: ComparisonColumns, first: String, showsUnit: Bool
    ) -> String {
        var header = "<th scope=\"col\">\(escape(first))</th>"
        if columns.traditional { header += "<th scope=\"col\" class=\"num\"><span class=\"key key-traditional\"></span>Traditional</th>" }
        if columns.smart { header += "<th scope=\"col\" class=\"num\"><span class=\"key key-smart\"></span>Smart</th>" }
        if columns.ratio { header += "<th scope=\"col\" class=\"num\">Smart ÷ traditional</th>" }
        var lines = ["<table>", "<thead><tr>\(header)</tr></thead>", "<tbody>"]
        for row in rows {
            let unit = showsUnit ? " <span class=\"unit\">\(escape(row.unit))</span>" : ""
            let figures = columns.figures(row).map { "<td class=\"num\">\(escape($0))</td>" }.joined()
            lines.append("<tr><th scope=\"row\">\(escape(row.label))\(unit)</th>\(figures)</tr>")
        }
        lines.append("</tbody>\n</table>")
        return lines.joined(separator: "\n")
    }

    /// The tornado's figures as a table, for readers who cannot see the chart.
    private static func sensitivityTable(_ rows: [SVGTornadoRow]) -> String {
        let cells = rows.map { row in
            [row.label, row.lowSetting, ReportNumber.fixed(row.lowValue, decimals: 2),
             row.highSetting, ReportNumber.fixed(row.highValue, decimals: 2),
             row.swing >= 0 ? ReportNumber.fixed(row.swing, decimals: 2) : ReportNumber.missing]
        }
        return plainTable(["Parameter", "Low setting", "Ratio", "High setting", "Ratio", "Swing"], rows: cells, numeric: [2, 4, 5])
    }

    /// A table of escaped text; the columns in `numeric` right-aligned.
    private static func plainTable(_ header: [String], rows: [[String]], numeric: Set<Int>) -> String {
        func cells(_ values: [String], tag: String) -> String {
            values.enumerated().map { item -> String in
                let align = numeric.contains(item.offset) ? " class=\"num\"" : ""
                let scope = tag == "th" ? " scope=\"col\"" : ""
                return "<\(tag)\(scope)\(align)>\(escape(item.element))</\(tag)>"
            }.joined()
        }
        var lines = ["<table>", "<thead><tr>\(cells(header, tag: "th"))</tr></thead>", "<tbody>"]
        lines += rows.map { "<tr>\(cells($0, tag: "td"))</tr>" }
        lines.append("</tbody>\n</table>")
        return lines.joined(separator: "\n")
    }

    // MARK: - Page

    private static func page(_ report: TwinReport, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Border gate digital twin: \(escape(report.scenario))</title>
        <style>
        \(style)
        </style>
        </head>
        <body>
        <main>
        <header>
        <h1>Border gate digital twin: the traditional and the smart gate</h1>
        \(meta(report))
        </header>
        \(body)
        <footer>\(escape(footer(report)))</footer>
        </main>
        </body>
        </html>

        """
    }

    /// What ran, under the title.
    private static func meta(_ report: TwinReport) -> String {
        var facts = ["Scenario <strong>\(escape(report.scenario))</strong>", "seed \(report.seed)"]
        if let mode = report.traditional ?? report.smart {
            facts.append("\(mode.replications) replications of \(mode.days) days")
            facts.append("demand \(escape(FigureStyle.count.text(mode.demandPerDay))) trucks/day")
        }
        return "<p class=\"meta\">" + facts.joined(separator: " · ") + "</p>"
    }

    private static func footer(_ report: TwinReport) -> String {
        let events = ReportedMode.all(report).reduce(0) { $0 + $1.result.events }
        return "Simulation output, not measurements: \(FigureStyle.count.text(Double(events))) simulated events, "
            + "computed in \(ReportNumber.fixed(report.wallSeconds, decimals: 1)) s."
    }

    private static func section(_ title: String, id: String, _ content: String) -> String {
        "<section id=\"\(id)\">\n<h2>\(escape(title))</h2>\n\(content)\n</section>"
    }

    private static func figure(_ svg: String, caption: String) -> String {
        "<figure>\n\(svg)\n<figcaption>\(escape(caption))</figcaption>\n</figure>"
    }

    /// "assumption", or a source that starts with it ("assumption: …"), in any case.
    private static func isAssumption(_ parameter: ParameterRow) -> Bool {
        parameter.source.trimmingCharacters(in: .whitespacesAndNewlines).lowercased().hasPrefix("assumption")
    }

    private static func isWhole(_ value: Double) -> Bool { value.isFinite && value == value.rounded() }

    private static func escape(_ text: String) -> String { ReportMarkup.escaped(text) }

    /// Readable on screen and on paper: system fonts, tabular figures, assumptions shaded and labelled.
    private static let style = """
        :root { color-scheme: light; --ink: #1f2328; --muted: #57606a; --line: #d0d7de; }
        body { margin: 0; background: #ffffff; color: var(--ink);
          font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
        main { max-width: 980px; margin: 0 auto; padding: 24px; }
        h1 { font-size: 1.7rem; line-height: 1.25; margin: 0 0 .25rem; }
        h2 { font-size: 1.3rem; margin: 2.2rem 0 .6rem; padding-bottom: .3rem; border-bottom: 1px solid var(--line); }
        .meta, .note, figcaption, footer { color: var(--muted); font-size: .95rem; }
        .headline { font-size: 1.25rem; font-weight: 600; margin: .5rem 0; padding: .8rem 1rem;
          background: #f6f8fa; border-left: 5px solid #1f6feb; }
        .verdict { font-weight: 600; }
        table { width: 100%; border-collapse: collapse; margin: .6rem 0; font-variant-numeric: tabular-nums; }
        th, td { padding: .45rem .6rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
        thead th { border-bottom: 2px solid var(--ink); }
        tbody th { font-weight: 500; }
        .num { text-align: right; white-space: nowrap; }
        .unit { display: block; color: var(--muted); font-size: .85rem; font-weight: 400; }
        .key { display: inline-block; width: .8em; height: .8em; margin-right: .4em; border-radius: 2px; }
        .key-traditional { background: #8a8f98; }
        .key-smart { background: #1f6feb; }
        tr.assumption { background: #fff8c5; }
        .flag { font-weight: 700; color: #7d4e00; }
        .flag::before { content: "⚠ "; }
        figure { margin: 1rem 0 1.4rem; }
        figure svg { display: block; max-width: 100%; height: auto; }
        footer { margin-top: 2.5rem; padding-top: .6rem; border-top: 1px solid var(--line); }
        @media print {
          main { max-width: none; padding: 0; }
          section, figure, table { break-inside: avoid; }
          tr.assumption, .headline { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
        }
        """
}
