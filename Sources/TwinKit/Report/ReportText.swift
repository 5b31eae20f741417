import Foundation

/// Numbers as the reports print them.
///
/// Every figure goes through `String(format:)` with a fixed number of decimals and the
/// thousands are grouped by hand, so the same run prints the same bytes on every machine,
/// whatever its locale.
enum ReportNumber {
    /// Stands in for a figure that is absent or not a finite number.
    static let missing = "—"

    /// `value` with `decimals` places; thousands grouped with commas when `grouped`.
    static func fixed(_ value: Double, decimals: Int, grouped: Bool = false) -> String {
        guard value.isFinite else { return missing }
        let places = max(0, min(decimals, 6))
        var plain = String(format: "%.\(places)f", value)
        // A small negative rounds to "-0.0": a reader would take it for a sign that means something.
        if plain.hasPrefix("-") && plain.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) {
            plain.removeFirst()
        }
        return grouped ? groupingThousands(plain) : plain
    }

    /// A share 0…1 as a percentage: 0.625 → "62.5 %".
    static func percent(_ share: Double, decimals: Int = 1) -> String {
        guard share.isFinite else { return missing }
        return fixed(share * 100, decimals: decimals) + " %"
    }

    /// A ratio as a multiplier: 1.854 → "×1.85".
    static func multiplier(_ ratio: Double, decimals: Int = 2) -> String {
        guard ratio.isFinite else { return missing }
        return "×" + fixed(ratio, decimals: decimals)
    }

    /// The change a ratio stands for, with a true minus sign: 0.648 → "−35.2 %", 1.1 → "+10.0 %".
    static func change(fromRatio ratio: Double) -> String {
        guard ratio.isFinite else { return missing }
        let percent = (ratio - 1) * 100
        let magnitude = fixed(abs(percent), decimals: 1)
        if magnitude == fixed(0, decimals: 1) { return "±0.0 %" }
        return (percent < 0 ? "−" : "+") + magnitude + " %"
    }

    /// A number for a CSV cell: up to six decimals with trailing zeros trimmed; empty when not finite.
    static func csv(_ value: Double) -> String {
        guard value.isFinite else { return "" }
        var text = fixed(value, decimals: 6)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    /// "1234567.5" → "1,234,567.5".
    private static func groupingThousands(_ plain: String) -> String {
        var body = Substring(plain)
        var sign = ""
        if body.hasPrefix("-") {
            sign = "-"
            body = body.dropFirst()
        }
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let integer = Array(parts.first ?? "")
        var grouped = ""
        for (index, digit) in integer.enumerated() {
            if index > 0 && (integer.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        let fraction = parts.count > 1 ? "." + String(parts[1]) : ""
        return sign + grouped + fraction
    }
}

/// Text made safe for the markup the reports write.
enum ReportMarkup {
    /// `text` safe inside XML or HTML element content and quoted attributes.
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // XML 1.0 forbids control characters other than tab, newline and return:
                // one stray byte in a parameter's name would make the whole SVG unreadable.
                if scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r" { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
