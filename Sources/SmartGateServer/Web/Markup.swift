import Foundation

/// HTML, escaped as it is built: pages are composed of elements, catalog words
/// (`PageContext.t`) and data (`Markup.data`), so no text reaches a page unescaped and
/// no sentence is written in Swift (a test scans the pages for literal text).
struct Markup: Sendable {
    /// The markup's HTML, ready to write.
    let html: String

    private init(html: String) {
        self.html = html
    }

    /// Nothing.
    static let empty = Markup(html: "")

    /// A piece of data shown as text: a plate, an id, a formatted number or date.
    static func data(_ text: String) -> Markup { Markup(html: escape(text)) }

    /// Text already escaped by the catalog (a catalog entry with its parameters filled in).
    static func escaped(_ html: String) -> Markup { Markup(html: html) }

    /// An element with attributes (a nil value leaves the attribute out; an empty one
    /// writes it bare, as in `required`) and children.
    static func element(_ name: String, _ attributes: [(String, String?)] = [], _ children: [Markup] = []) -> Markup {
        var html = "<\(name)"
        for (key, value) in attributes {
            guard let value else { continue }
            html += value.isEmpty && booleanAttributes.contains(key) ? " \(key)" : " \(key)=\"\(escape(value))\""
        }
        html += ">"
        if voidElements.contains(name) { return Markup(html: html) }
        for child in children { html += child.html }
        return Markup(html: html + "</\(name)>")
    }

    /// Several pieces one after another.
    static func join(_ parts: [Markup]) -> Markup { Markup(html: parts.map(\.html).joined()) }

    private static let voidElements: Set<String> = ["meta", "link", "input", "br", "hr", "img"]
    private static let booleanAttributes: Set<String> = ["required", "selected", "checked", "disabled", "hidden", "autofocus", "novalidate", "defer"]

    /// Escapes text for an element body or a double-quoted attribute.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}

/// Short names for the elements the pages use, so a page reads like its HTML.
enum HTML {
    static func el(_ name: String, _ attributes: [(String, String?)] = [], _ children: Markup...) -> Markup {
        Markup.element(name, attributes, children)
    }

    static func el(_ name: String, _ attributes: [(String, String?)] = [], children: [Markup]) -> Markup {
        Markup.element(name, attributes, children)
    }
}
