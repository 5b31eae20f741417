import Foundation

// Charts as self-contained inline SVG: no scripts, no fonts or images to fetch, so a report
// can be mailed, printed or opened offline and still show every figure.

/// The colours of the report's charts.
public enum ChartPalette: Sendable {
    /// The traditional gate: grey.
    public static let traditional = "#8a8f98"
    /// The smart gate: blue.
    public static let smart = "#1f6feb"
    /// Parts of a whole (cost terms): the Okabe–Ito set, told apart with colour-vision deficiency.
    public static let parts = ["#E69F00", "#56B4E9", "#009E73", "#D55E00", "#CC79A7", "#0072B2", "#F0E442", "#000000"]
    /// Text drawn on each of `parts`: the one of ink or white that contrasts more.
    static let partText = ["#1f2328", "#1f2328", "#1f2328", "#1f2328", "#1f2328", "#ffffff", "#1f2328", "#ffffff"]
    /// Text and axes.
    public static let ink = "#1f2328"
    /// Tick labels and notes (6:1 on white).
    public static let muted = "#57606a"
    public static let grid = "#d0d7de"
    /// A target line.
    public static let target = "#cf222e"
    /// The tornado's bars for a parameter's low and its high setting.
    public static let lowSetting = "#E69F00"
    public static let highSetting = "#56B4E9"
}

// MARK: - Bar chart

/// One series of bars: a gate's values, one per category.
public struct SVGBarSeries: Sendable, Equatable {
    public var name: String
    /// A CSS colour, such as ``ChartPalette/smart``.
    public var colour: String
    /// One value per category; a missing or non-finite value leaves a gap.
    public var values: [Double]

    public init(name: String, colour: String, values: [Double]) {
        self.name = name
        self.colour = colour
        self.values = values
    }
}

/// Vertical bars, one group per category; with two series the gates stand side by side.
public struct SVGBarChart: Sendable, Equatable {
    /// Read by screen readers and shown as the tooltip of the whole chart.
    public var title: String
    public var categories: [String]
    public var series: [SVGBarSeries]
    public var xAxisLabel: String
    public var yAxisLabel: String
    /// Decimals of the figure printed on each bar that is wide enough to carry one.
    public var valueDecimals: Int
    public var width: Double
    public var height: Double

    public init(
        title: String, categories: [String], series: [SVGBarSeries],
        xAxisLabel: String, yAxisLabel: String, valueDecimals: Int = 1,
        width: Double = 720, height: Double = 340
    ) {
        self.title = title
        self.categories = categories
        self.series = series
        self.xAxisLabel = xAxisLabel
        self.yAxisLabel = yAxisLabel
        self.valueDecimals = valueDecimals
        self.width = width
        self.height = height
    }

    /// The chart as one `<svg>` element.
    public func svg() -> String {
        let values = series.flatMap(\.values).filter(\.isFinite)
        guard !categories.isEmpty, let low = values.min(), let high = values.max() else {
            return SVGMarkup.empty(width: width, label: title)
        }
        let frame = PlotFrame(left: 64, top: 44, right: width - 16, bottom: height - 56)
        let scale = ChartScale(covering: min(low, 0), max(high, 0))
        let legend = series.map { LegendEntry(name: $0.name, colour: $0.colour, shape: .box) }
        return [
            SVGMarkup.open(width: width, height: height, label: title),
            SVGMarkup.valueAxis(scale, frame: frame, label: yAxisLabel),
            bars(scale, frame),
            categoryLabels(frame),
            SVGMarkup.legend(legend, x: frame.left, y: 18, right: frame.right),
            SVGMarkup.close,
        ].joined(separator: "\n")
    }

    private func bars(_ scale: ChartScale, _ frame: PlotFrame) -> String {
        let group = frame.width / Double(categories.count)
        let barWidth = group * 0.8 / Double(max(series.count, 1))
        let baseline = scale.position(min(max(0, scale.lower), scale.upper), from: frame.bottom, to: frame.top)
        var parts: [String] = []
        for (index, category) in categories.enumerated() {
            for (place, one) in series.enumerated() where index < one.values.count && one.values[index].isFinite {
                let value = one.values[index]
                let x = frame.left + group * (Double(index) + 0.1) + barWidth * Double(place)
                let y = scale.position(value, from: frame.bottom, to: frame.top)
                let figure = ReportNumber.fixed(value, decimals: valueDecimals, grouped: true)
                parts.append(SVGMarkup.rect(
                    x: x, y: min(y, baseline), width: barWidth - 1, height: abs(baseline - y),
                    fill: one.colour, tooltip: "\(one.name), \(category): \(figure)"))
                if let label = barLabel(value, width: barWidth) {
                    parts.append(SVGMarkup.text(
                        label, x: x + barWidth / 2, y: value >= 0 ? y - 4 : y + 14, anchor: "middle", size: 12))
                }
            }
        }
        parts.append(SVGMarkup.line(x1: frame.left, y1: baseline, x2: frame.right, y2: baseline, stroke: ChartPalette.ink))
        return parts.joined(separator: "\n")
    }

    /// The figure printed on a bar: with the chart's decimals when it fits, whole when only that
    /// fits, else none. A figure wider than its bar would run into its neighbour's; the bar's
    /// tooltip keeps every decimal.
    private func barLabel(_ value: Double, width: Double) -> String? {
        for decimals in [valueDecimals, 0] {
            let figure = ReportNumber.fixed(value, decimals: decimals, grouped: true)
            if Double(figure.count) * 6.6 <= width + 2 { return figure }
        }
        return nil
    }

    private func categoryLabels(_ frame: PlotFrame) -> String {
        let group = frame.width / Double(categories.count)
        let longest = Double(categories.map(\.count).max() ?? 0)
        // Thin the names out rather than let them overlap: every n-th category is named.
        let every = group > 0 ? max(1, Int(min(1_000, ((longest * 7 + 8) / group).rounded(.up)))) : 1
        var parts: [String] = []
        for (index, category) in categories.enumerated() where index % every == 0 {
            parts.append(SVGMarkup.text(
                category, x: frame.left + group * (Double(index) + 0.5), y: frame.bottom + 18,
                anchor: "middle", size: 12, fill: ChartPalette.muted))
        }
        parts.append(SVGMarkup.text(xAxisLabel, x: (frame.left + frame.right) / 2, y: frame.bottom + 42, anchor: "middle"))
        return parts.joined(separator: "\n")
    }
}

// MARK: - Line chart

/// One point of a line. `passed`, when set, marks it: a dot when it passed, a cross when it failed.
public struct SVGLinePoint: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var passed: Bool?

    public init(x: Double, y: Double, passed: Bool? = nil) {
        self.x = x
        self.y = y
        self.passed = passed
    }
}

/// One line: a gate's values.
public struct SVGLineSeries: Sendable, Equatable {
    public var name: String
    public var colour: String
    /// A dashed line tells the series apart for readers who cannot tell the colours apart.
    public var dashed: Bool
    public var points: [SVGLinePoint]

    public init(name: String, colour: String, dashed: Bool = false, points: [SVGLinePoint]) {
        self.name = name
        self.colour = colour
        self.dashed = dashed
        self.points = points
    }
}

/// A horizontal line across the plot: a target the lines are read against.
public struct SVGReferenceLine: Sendable, Equatable {
    public var value: Double
    public var label: String

    public init(value: Double, label: String) {
        self.value = value
        self.label = label
    }
}

/// Lines over a continuous x axis: hours of the day, or trucks a day along a capacity ramp.
public struct SVGLineChart: Sendable, Equatable {
    public var title: String
    public var series: [SVGLineSeries]
    public var xAxisLabel: String
    public var yAxisLabel: String
    public var reference: SVGReferenceLine?
    /// The x axis's span; nil: round values around the data.
    public var xRange: ClosedRange<Double>?
    /// The spacing of the x ticks when `xRange` is set; nil: a round step.
    public var xTickStep: Double?
    /// Values above this are drawn on the top edge, so one runaway point does not flatten the rest.
    public var yCeiling: Double?
    /// Decimals of x and y in the points' tooltips.
    public var xDecimals: Int
    public var yDecimals: Int
    public var width: Double
    public var height: Double

    public init(
        title: String, series: [SVGLineSeries], xAxisLabel: String, yAxisLabel: String,
        reference: SVGReferenceLine? = nil, xRange: ClosedRange<Double>? = nil, xTickStep: Double? = nil,
        yCeiling: Double? = nil, xDecimals: Int = 0, yDecimals: Int = 1,
        width: Double = 720, height: Double = 340
    ) {
        self.title = title
        self.series = series
        self.xAxisLabel = xAxisLabel
        self.yAxisLabel = yAxisLabel
        self.reference = reference
        self.xRange = xRange
        self.xTickStep = xTickStep
        self.yCeiling = yCeiling
        self.xDecimals = xDecimals
        self.yDecimals = yDecimals
        self.width = width
        self.height = height
    }

    /// A level by hour of day (0–23, local) for each gate that has one; the traditional line dashed.
    public static func byHour(title: String, yAxisLabel: String, traditional: [Double]?, smart: [Double]?) -> SVGLineChart {
        var series: [SVGLineSeries] = []
        if let traditional, !traditional.isEmpty {
            series.append(SVGLineSeries(
                name: "Traditional", colour: ChartPalette.traditional, dashed: true, points: hourly(traditional)))
        }
        if let smart, !smart.isEmpty {
            series.append(SVGLineSeries(name: "Smart", colour: ChartPalette.smart, points: hourly(smart)))
        }
        let lastHour = Double(max(23, (traditional?.count ?? 0) - 1, (smart?.count ?? 0) - 1))
        return SVGLineChart(
            title: title, series: series, xAxisLabel: "hour of day (local)", yAxisLabel: yAxisLabel,
            xRange: 0...lastHour, xTickStep: 2)
    }

    private static func hourly(_ values: [Double]) -> [SVGLinePoint] {
        values.enumerated().map { SVGLinePoint(x: Double($0.offset), y: $0.element) }
    }

    /// Whether a point lies above `yCeiling` and is drawn on the top edge instead.
    public func isAboveCeiling(_ point: SVGLinePoint) -> Bool {
        guard let yCeiling, yCeiling > 0 else { return false }
        return point.y > yCeiling
    }

    /// The chart as one `<svg>` element.
    public func svg() -> String {
        let points = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        guard !points.isEmpty else { return SVGMarkup.empty(width: width, label: title) }
        let frame = PlotFrame(left: 64, top: 44, right: width - 24, bottom: height - 56)
        let across = horizontalScale(points)
        let up = verticalScale(points)
        return [
            SVGMarkup.open(width: width, height: height, label: title),
            SVGMarkup.valueAxis(up, frame: frame, label: yAxisLabel),
            SVGMarkup.horizontalAxis(across, frame: frame, label: xAxisLabel, grid: false),
            referenceLine(up, frame),
            lines(across, up, frame),
            SVGMarkup.legend(legend(points), x: frame.left, y: 18, right: frame.right),
            SVGMarkup.close,
        ].joined(separator: "\n")
    }

    private func horizontalScale(_ points: [SVGLinePoint]) -> ChartScale {
        if let xRange {
            let step = xTickStep ?? ChartScale.roundStep((xRange.upperBound - xRange.lowerBound) / 6)
            return ChartScale(lower: xRange.lowerBound, upper: xRange.upperBound, step: step)
        }
        let xs = points.map(\.x)
        return ChartScale(covering: xs.min() ?? 0, xs.max() ?? 1, ticks: 6)
    }

    private func verticalScale(_ points: [SVGLinePoint]) -> ChartScale {
        let ys = points.map(\.y)
        var high = ys.max() ?? 1
        if let reference, reference.value.isFinite { high = max(high, reference.value * 1.1) }
        if let yCeiling, yCeiling > 0 { high = min(high, yCeiling) }
        return ChartScale(covering: min(0, ys.min() ?? 0), high)
    }

    private func referenceLine(_ scale: ChartScale, _ frame: PlotFrame) -> String {
        guard let reference, reference.value.isFinite,
              reference.value >= scale.lower, reference.value <= scale.upper else { return "" }
        let y = scale.position(reference.value, from: frame.bottom, to: frame.top)
        return SVGMarkup.line(x1: frame.left, y1: y, x2: frame.right, y2: y, stroke: ChartPalette.target, width: 2, dashed: true)
            + "\n" + SVGMarkup.text(reference.label, x: frame.right - 4, y: y - 6, anchor: "end", size: 12, fill: ChartPalette.target)
    }

    private func lines(_ across: ChartScale, _ up: ChartScale, _ frame: PlotFrame) -> String {
        var parts: [String] = []
        for one in series {
            let drawn = one.points.filter { $0.x.isFinite && $0.y.isFinite }
            let places: [(x: Double, y: Double)] = drawn.map { point in
                (x: across.position(point.x, from: frame.left, to: frame.right),
                 y: up.position(min(point.y, up.upper), from: frame.bottom, to: frame.top))
            }
            let path = places.map { SVGMarkup.number($0.x) + "," + SVGMarkup.number($0.y) }.joined(separator: " ")
            let dash = one.dashed ? " stroke-dasharray=\"7 4\"" : ""
            parts.append("<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(ReportMarkup.escaped(one.colour))\" "
                + "stroke-width=\"2.5\" stroke-linejoin=\"round\"\(dash)/>")
            for (point, place) in zip(drawn, places) {
                guard let passed = point.passed else { continue }
                let tooltip = pointTooltip(one.name, point)
                parts.append(passed
                    ? SVGMarkup.dot(x: place.x, y: place.y, colour: one.colour, tooltip: tooltip)
                    : SVGMarkup.cross(x: place.x, y: place.y, colour: one.colour, tooltip: tooltip))
            }
        }
        return parts.joined(separator: "\n")
    }

    private func pointTooltip(_ name: String, _ point: SVGLinePoint) -> String {
        let x = ReportNumber.fixed(point.x, decimals: xDecimals, grouped: true)
        let y = ReportNumber.fixed(point.y, decimals: yDecimals, grouped: true)
        let outcome = point.passed.map { $0 ? ", passed" : ", failed" } ?? ""
        let edge = isAboveCeiling(point) ? " (above the chart)" : ""
        return "\(name): \(xAxisLabel) \(x), \(yAxisLabel) \(y)\(edge)\(outcome)"
    }

    private func legend(_ points: [SVGLinePoint]) -> [LegendEntry] {
        var entries = series.map { LegendEntry(name: $0.name, colour: $0.colour, shape: $0.dashed ? .dashedLine : .line) }
        if points.contains(where: { $0.passed != nil }) {
            entries.append(LegendEntry(name: "passed", colour: ChartPalette.ink, shape: .dot))
            entries.append(LegendEntry(name: "failed", colour: ChartPalette.ink, shape: .cross))
        }
        if let reference {
            entries.append(LegendEntry(name: reference.label, colour: ChartPalette.target, shape: .dashedLine))
        }
        return entries
    }
}

// MARK: - Stacked horizontal bars

/// One part of a stacked bar.
public struct SVGStackSegment: Sendable, Equatable {
    /// The part's name; the same name has the same colour in every bar.
    public var part: String
    public var value: Double

    public init(part: String, value: Double) {
        self.part = part
        self.value = value
    }
}

/// One stacked bar: a gate's cost, say, split by term.
public struct SVGStackedRow: Sendable, Equatable {
    public var label: String
    public var segments: [SVGStackSegment]

    public init(label: String, segments: [SVGStackSegment]) {
        self.label = label
        self.segments = segments
    }
}

/// Horizontal bars split into parts, one bar per row, the total at the end of each.
public struct SVGStackedBarChart: Sendable, Equatable {
    public var title: String
    public var rows: [SVGStackedRow]
    public var axisLabel: String
    /// The parts in stacking order; parts not listed follow in the order they first appear.
    public var parts: [String]
    public var valueDecimals: Int
    public var width: Double

    public init(
        title: String, rows: [SVGStackedRow], axisLabel: String, parts: [String] = [],
        valueDecimals: Int = 0, width: Double = 720
    ) {
        self.title = title
        self.rows = rows
        self.axisLabel = axisLabel
        self.parts = parts
        self.valueDecimals = valueDecimals
        self.width = width
    }

    /// Grows with the rows: each bar has the same thickness however many there are.
    public var height: Double { 48 + 16 + Double(rows.count) * 56 + 56 }

    /// The parts in the order they are stacked and coloured.
    public var stackOrder: [String] {
        var order = parts
        for segment in rows.flatMap(\.segments) where !order.contains(segment.part) {
            order.append(segment.part)
        }
        return order
    }

    /// The chart as one `<svg>` element. Negative or non-finite parts are not drawn: a bar
    /// cannot stack below nothing.
    public func svg() -> String {
        let order = stackOrder
        let totals = rows.map { row in row.segments.reduce(0.0) { $0 + Self.drawn($1.value) } }
        guard let largest = totals.max(), largest > 0 else { return SVGMarkup.empty(width: width, label: title) }
        let frame = PlotFrame(left: 110, top: 48, right: width - 96, bottom: height - 56)
        let scale = ChartScale(covering: 0, largest)
        var elements = [
            SVGMarkup.open(width: width, height: height, label: title),
            SVGMarkup.horizontalAxis(scale, frame: frame, label: axisLabel, grid: true),
        ]
        for (index, row) in rows.enumerated() {
            elements.append(bar(row, total: totals[index], top: frame.top + 16 + Double(index) * 56, scale: scale, frame: frame))
        }
        let legend = order.enumerated().map { LegendEntry(name: $0.element, colour: Self.colour($0.offset), shape: .box) }
        elements.append(SVGMarkup.legend(legend, x: frame.left, y: 18, right: width - 16))
        elements.append(SVGMarkup.close)
        return elements.joined(separator: "\n")
    }

    private func bar(_ row: SVGStackedRow, total: Double, top: Double, scale: ChartScale, frame: PlotFrame) -> String {
        let order = stackOrder
        let rank = { (part: String) in order.firstIndex(of: part) ?? order.count }
        var elements = [SVGMarkup.text(row.label, x: frame.left - 8, y: top + 21, anchor: "end", weight: "600")]
        var start = 0.0
        for segment in row.segments.sorted(by: { rank($0.part) < rank($1.part) }) {
            let value = Self.drawn(segment.value)
            guard value > 0 else { continue }
            let from = scale.position(start, from: frame.left, to: frame.right)
            let to = scale.position(start + value, from: frame.left, to: frame.right)
            let figure = ReportNumber.fixed(segment.value, decimals: valueDecimals, grouped: true)
            elements.append(SVGMarkup.rect(
                x: from, y: top, width: to - from, height: 32, fill: Self.colour(rank(segment.part)),
                tooltip: "\(row.label), \(segment.part): \(figure)"))
            if Double(figure.count) * 7 + 8 <= to - from {
                elements.append(SVGMarkup.text(
                    figure, x: (from + to) / 2, y: top + 21, anchor: "middle", size: 12, fill: Self.textColour(rank(segment.part))))
            }
            start += value
        }
        let end = scale.position(start, from: frame.left, to: frame.right)
        elements.append(SVGMarkup.text(
            ReportNumber.fixed(total, decimals: valueDecimals, grouped: true), x: end + 6, y: top + 21, weight: "600"))
        return elements.joined(separator: "\n")
    }

    private static func drawn(_ value: Double) -> Double { value.isFinite ? max(value, 0) : 0 }
    private static func colour(_ index: Int) -> String { ChartPalette.parts[index % ChartPalette.parts.count] }
    private static func textColour(_ index: Int) -> String { ChartPalette.partText[index % ChartPalette.partText.count] }
}

// MARK: - Tornado

/// One parameter of a tornado chart: the value at each end of its range.
public struct SVGTornadoRow: Sendable, Equatable {
    public var label: String
    /// Each end as a reader sees it ("3 lanes").
    public var lowSetting: String
    public var highSetting: String
    public var lowValue: Double
    public var highValue: Double

    public init(label: String, lowSetting: String, highSetting: String, lowValue: Double, highValue: Double) {
        self.label = label
        self.lowSetting = lowSetting
        self.highSetting = highSetting
        self.lowValue = lowValue
        self.highValue = highValue
    }

    /// How far apart the two ends lie; -1 when either is not a number, so those rows sink.
    public var swing: Double {
        let swing = abs(highValue - lowValue)
        return swing.isFinite ? swing : -1
    }
}

/// One-at-a-time sensitivity: a pair of bars per parameter from the base value to the value at
/// each end of its range, the widest swing on top.
public struct SVGTornadoChart: Sendable, Equatable {
    public var title: String
    /// The value with every parameter at its scenario setting; the bars start from it.
    /// Not a number: the bars start from the middle of the values and the line says so.
    public var base: Double
    public var rows: [SVGTornadoRow]
    public var axisLabel: String
    public var valueDecimals: Int
    public var width: Double

    public init(title: String, base: Double, rows: [SVGTornadoRow], axisLabel: String, valueDecimals: Int = 2, width: Double = 720) {
        self.title = title
        self.base = base
        self.rows = rows
        self.axisLabel = axisLabel
        self.valueDecimals = valueDecimals
        self.width = width
    }

    /// The rows widest swing first, as a tornado is read; equal swings keep their order.
    public var sortedRows: [SVGTornadoRow] {
        rows.enumerated()
            .sorted { $0.element.swing != $1.element.swing ? $0.element.swing > $1.element.swing : $0.offset < $1.offset }
            .map(\.element)
    }

    public var height: Double { 48 + 8 + Double(rows.count) * 40 + 56 }

    /// The chart as one `<svg>` element.
    public func svg() -> String {
        let ordered = sortedRows
        let values = ([base] + ordered.flatMap { [$0.lowValue, $0.highValue] }).filter(\.isFinite)
        guard !ordered.isEmpty, let low = values.min(), let high = values.max() else {
            return SVGMarkup.empty(width: width, label: title)
        }
        let origin = base.isFinite ? base : (low + high) / 2
        // Room beyond each end for the setting's name beside its bar.
        let pad = max((high - low) * 0.35, abs(origin) * 0.05, 0.01)
        let frame = PlotFrame(left: 230, top: 48, right: width - 16, bottom: height - 56)
        let scale = ChartScale(covering: low - pad, high + pad)
        var parts = [
            SVGMarkup.open(width: width, height: height, label: title),
            SVGMarkup.horizontalAxis(scale, frame: frame, label: axisLabel, grid: true),
        ]
        for (index, row) in ordered.enumerated() {
            parts.append(pair(row, top: frame.top + 8 + Double(index) * 40, origin: origin, scale: scale, frame: frame))
        }
        let x = scale.position(origin, from: frame.left, to: frame.right)
        parts.append(SVGMarkup.line(x1: x, y1: frame.top, x2: x, y2: frame.bottom, stroke: ChartPalette.ink, width: 1.5))
        parts.append(SVGMarkup.text(
            (base.isFinite ? "base " : "midpoint ") + ReportNumber.fixed(origin, decimals: valueDecimals),
            x: x, y: frame.top - 4, anchor: "middle", size: 12))
        let legend = [
            LegendEntry(name: "low setting", colour: ChartPalette.lowSetting, shape: .box),
            LegendEntry(name: "high setting", colour: ChartPalette.highSetting, shape: .box),
        ]
        parts.append(SVGMarkup.legend(legend, x: frame.left, y: 18, right: frame.right))
        parts.append(SVGMarkup.close)
        return parts.joined(separator: "\n")
    }

    /// A parameter's two bars, the low end above the high, so neither hides the other.
    private func pair(_ row: SVGTornadoRow, top: Double, origin: Double, scale: ChartScale, frame: PlotFrame) -> String {
        let name = row.label.count > 27 ? String(row.label.prefix(26)) + "…" : row.label
        return [
            SVGMarkup.text(name, x: frame.left - 8, y: top + 18, anchor: "end"),
            end(row.label, row.lowSetting, row.lowValue, colour: ChartPalette.lowSetting, top: top,
                origin: origin, scale: scale, frame: frame),
            end(row.label, row.highSetting, row.highValue, colour: ChartPalette.highSetting, top: top + 14,
                origin: origin, scale: scale, frame: frame),
        ].joined(separator: "\n")
    }

    /// One bar from the base to the value at one end of the parameter's range, named at its tip.
    private func end(
        _ parameter: String, _ setting: String, _ value: Double, colour: String, top: Double,
        origin: Double, scale: ChartScale, frame: PlotFrame
    ) -> String {
        guard value.isFinite else { return "" }
        let from = scale.position(origin, from: frame.left, to: frame.right)
        let to = scale.position(value, from: frame.left, to: frame.right)
        let figure = ReportNumber.fixed(value, decimals: valueDecimals)
        let leftward = to < from
        return SVGMarkup.rect(
            x: min(from, to), y: top, width: max(abs(to - from), 1), height: 13, fill: colour,
            tooltip: "\(parameter) at \(setting): \(figure)")
            + "\n" + SVGMarkup.text(
                "\(setting) · \(figure)", x: leftward ? to - 4 : to + 4, y: top + 11,
                anchor: leftward ? "end" : "start", size: 12)
    }
}

// MARK: - Drawing

/// A linear axis with round ticks (1, 2 or 5 times a power of ten).
struct ChartScale {
    var lower: Double
    var upper: Double
    var step: Double
}

extension ChartScale {
    /// A scale from a round value at or below `low` to one at or above `high`, about `ticks` steps.
    init(covering low: Double, _ high: Double, ticks: Int = 5) {
        let bottom = low.isFinite ? low : 0
        var top = high.isFinite ? high : bottom + 1
        if top <= bottom { top = bottom + (bottom == 0 ? 1 : abs(bottom) * 0.1) }
        let step = ChartScale.roundStep((top - bottom) / Double(max(ticks, 1)))
        self.init(lower: (bottom / step).rounded(.down) * step, upper: (top / step).rounded(.up) * step, step: step)
    }

    /// The round step at or above `raw`.
    static func roundStep(_ raw: Double) -> Double {
        guard raw.isFinite, raw > 0 else { return 1 }
        let magnitude = pow(10, log10(raw).rounded(.down))
        let fraction = raw / magnitude
        let round: Double = fraction <= 1 ? 1 : (fraction <= 2 ? 2 : (fraction <= 5 ? 5 : 10))
        return round * magnitude
    }

    var ticks: [Double] {
        guard step > 0, upper > lower else { return [lower] }
        let count = Int(min(100, ((upper - lower) / step + 1e-6).rounded(.down)))
        return (0...count).map { lower + Double($0) * step }
    }

    /// Decimals enough to tell the ticks apart.
    var decimals: Int {
        step >= 1 ? 0 : min(6, Int((-log10(step) - 1e-9).rounded(.up)))
    }

    /// Where `value` falls between `start` (at `lower`) and `end` (at `upper`).
    func position(_ value: Double, from start: Double, to end: Double) -> Double {
        guard upper > lower else { return start }
        return start + (value - lower) / (upper - lower) * (end - start)
    }
}

/// The plot area inside a chart's margins, in the chart's own coordinates.
struct PlotFrame {
    var left: Double
    var top: Double
    var right: Double
    var bottom: Double

    var width: Double { right - left }
    var height: Double { bottom - top }
}

/// One entry of a chart's key.
struct LegendEntry {
    enum Shape { case box, line, dashedLine, dot, cross }

    var name: String
    var colour: String
    var shape: Shape

    func swatch(x: Double, y: Double) -> String {
        switch shape {
        case .box: return SVGMarkup.rect(x: x, y: y - 6, width: 16, height: 12, fill: colour)
        case .line: return SVGMarkup.line(x1: x, y1: y, x2: x + 16, y2: y, stroke: colour, width: 3)
        case .dashedLine: return SVGMarkup.line(x1: x, y1: y, x2: x + 16, y2: y, stroke: colour, width: 3, dashed: true)
        case .dot: return SVGMarkup.dot(x: x + 8, y: y, colour: colour)
        case .cross: return SVGMarkup.cross(x: x + 8, y: y, colour: colour)
        }
    }
}

/// The SVG elements the charts are drawn with. Every text and colour is escaped on the way in.
enum SVGMarkup {
    static let close = "</svg>"

    /// A coordinate with one decimal, whatever the locale; 0 for a value that is not a number.
    static func number(_ value: Double) -> String {
        String(format: "%.1f", value.isFinite ? value : 0)
    }

    /// The opening `<svg>` with its accessible name, and the `<title>` that repeats it.
    static func open(width: Double, height: Double, label: String) -> String {
        let name = ReportMarkup.escaped(label)
        let size = "viewBox=\"0 0 \(number(width)) \(number(height))\" width=\"\(number(width))\" height=\"\(number(height))\""
        let font = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\" font-size=\"13\""
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" \(size) role=\"img\" aria-label=\"\(name)\" \(font)><title>\(name)</title>"
    }

    /// A chart with nothing to draw says so instead of showing empty axes.
    static func empty(width: Double, label: String) -> String {
        [
            open(width: width, height: 60, label: label),
            text("No figures to draw.", x: 16, y: 34, fill: ChartPalette.muted),
            close,
        ].joined(separator: "\n")
    }

    static func text(
        _ content: String, x: Double, y: Double, anchor: String = "start", size: Int = 13,
        fill: String = ChartPalette.ink, weight: String? = nil
    ) -> String {
        let bold = weight.map { " font-weight=\"\(ReportMarkup.escaped($0))\"" } ?? ""
        let place = "x=\"\(number(x))\" y=\"\(number(y))\" text-anchor=\"\(anchor)\""
        return "<text \(place) font-size=\"\(size)\" fill=\"\(ReportMarkup.escaped(fill))\"\(bold)>\(ReportMarkup.escaped(content))</text>"
    }

    static func line(
        x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1, dashed: Bool = false
    ) -> String {
        let dash = dashed ? " stroke-dasharray=\"6 4\"" : ""
        let ends = "x1=\"\(number(x1))\" y1=\"\(number(y1))\" x2=\"\(number(x2))\" y2=\"\(number(y2))\""
        return "<line \(ends) stroke=\"\(ReportMarkup.escaped(stroke))\" stroke-width=\"\(number(width))\"\(dash)/>"
    }

    /// A rectangle; the tooltip, when given, shows on hover and is read by screen readers.
    static func rect(x: Double, y: Double, width: Double, height: Double, fill: String, tooltip: String? = nil) -> String {
        let box = "x=\"\(number(x))\" y=\"\(number(y))\" width=\"\(number(max(width, 0)))\" height=\"\(number(max(height, 0)))\""
        let attributes = "\(box) fill=\"\(ReportMarkup.escaped(fill))\""
        guard let tooltip else { return "<rect \(attributes)/>" }
        return "<rect \(attributes)><title>\(ReportMarkup.escaped(tooltip))</title></rect>"
    }

    static func dot(x: Double, y: Double, colour: String, tooltip: String? = nil) -> String {
        let attributes = "cx=\"\(number(x))\" cy=\"\(number(y))\" r=\"4.5\" fill=\"\(ReportMarkup.escaped(colour))\""
        guard let tooltip else { return "<circle \(attributes)/>" }
        return "<circle \(attributes)><title>\(ReportMarkup.escaped(tooltip))</title></circle>"
    }

    static func cross(x: Double, y: Double, colour: String, tooltip: String? = nil) -> String {
        let (a, b, c, d) = (number(x - 4.5), number(x + 4.5), number(y - 4.5), number(y + 4.5))
        let attributes = "d=\"M\(a) \(c)L\(b) \(d)M\(a) \(d)L\(b) \(c)\" fill=\"none\" stroke=\"\(ReportMarkup.escaped(colour))\" stroke-width=\"2.5\""
        guard let tooltip else { return "<path \(attributes)/>" }
        return "<path \(attributes)><title>\(ReportMarkup.escaped(tooltip))</title></path>"
    }

    /// Horizontal grid lines and tick labels up the left side, the axis's name turned on its side.
    static func valueAxis(_ scale: ChartScale, frame: PlotFrame, label: String) -> String {
        var parts: [String] = []
        for tick in scale.ticks {
            let y = scale.position(tick, from: frame.bottom, to: frame.top)
            parts.append(line(x1: frame.left, y1: y, x2: frame.right, y2: y, stroke: ChartPalette.grid))
            parts.append(text(
                ReportNumber.fixed(tick, decimals: scale.decimals, grouped: true), x: frame.left - 6, y: y + 4,
                anchor: "end", size: 12, fill: ChartPalette.muted))
        }
        let middle = number((frame.top + frame.bottom) / 2)
        parts.append("<text x=\"16\" y=\"\(middle)\" text-anchor=\"middle\" font-size=\"13\" fill=\"\(ChartPalette.ink)\" "
            + "transform=\"rotate(-90 16 \(middle))\">\(ReportMarkup.escaped(label))</text>")
        return parts.joined(separator: "\n")
    }

    /// Tick labels along the bottom (with vertical grid lines when `grid`), the axis's name below.
    static func horizontalAxis(_ scale: ChartScale, frame: PlotFrame, label: String, grid: Bool) -> String {
        var parts: [String] = []
        for tick in scale.ticks {
            let x = scale.position(tick, from: frame.left, to: frame.right)
            if grid { parts.append(line(x1: x, y1: frame.top, x2: x, y2: frame.bottom, stroke: ChartPalette.grid)) }
            parts.append(text(
                ReportNumber.fixed(tick, decimals: scale.decimals, grouped: true), x: x, y: frame.bottom + 18,
                anchor: "middle", size: 12, fill: ChartPalette.muted))
        }
        parts.append(line(x1: frame.left, y1: frame.bottom, x2: frame.right, y2: frame.bottom, stroke: ChartPalette.ink))
        parts.append(text(label, x: (frame.left + frame.right) / 2, y: frame.bottom + 42, anchor: "middle"))
        return parts.joined(separator: "\n")
    }

    /// The key, left to right, onto a further line when it would pass `right`.
    static func legend(_ entries: [LegendEntry], x: Double, y: Double, right: Double) -> String {
        var parts: [String] = []
        var cursor = x
        var baseline = y
        for entry in entries {
            let span = 22 + Double(entry.name.count) * 7.5 + 18
            if cursor > x && cursor + span > right {
                cursor = x
                baseline += 20
            }
            parts.append(entry.swatch(x: cursor, y: baseline))
            parts.append(text(entry.name, x: cursor + 22, y: baseline + 4))
            cursor += span
        }
        return parts.joined(separator: "\n")
    }
}
