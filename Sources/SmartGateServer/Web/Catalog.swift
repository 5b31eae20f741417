import Foundation
import GateKit

/// The pages' words in Vietnamese, Chinese and English, from
/// `Resources/Web/i18n/<language>.json`: one flat object of `key: text`, where text may
/// name parameters in braces (`{count}`). A test fails when a key is missing from one
/// catalog, or a page uses a key no catalog has.
struct Catalog: Sendable {
    private let entries: [Language: [String: String]]

    init(entries: [Language: [String: String]]) {
        self.entries = entries
    }

    /// The catalogs shipped with the server.
    static let shipped: Catalog = {
        var entries: [Language: [String: String]] = [:]
        for language in Language.allCases {
            guard let url = Bundle.module.url(forResource: "Web/i18n/\(language.rawValue)", withExtension: "json"),
                  let data = try? Data(contentsOf: url),
                  let table = try? JSONDecoder().decode([String: String].self, from: data)
            else { continue }
            entries[language] = table
        }
        return Catalog(entries: entries)
    }()

    /// Every key of one language's catalog.
    func keys(_ language: Language) -> Set<String> { Set(entries[language]?.keys ?? [:].keys) }

    /// The text of `key` in `language` with its parameters filled in; English when that
    /// language lacks it, and the key itself as a last resort (the tests keep that from
    /// happening).
    func text(_ key: String, in language: Language, _ parameters: [String: String] = [:]) -> String {
        var text = entries[language]?[key] ?? entries[.en]?[key] ?? key
        for (name, value) in parameters { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }
}

/// How a page chose its language: `?lang=`, then the `sg_lang` cookie, then
/// `Accept-Language` (`zh-Hans-CN` → `zh`; anything unknown → English).
enum PageLanguage {
    static let cookie = "sg_lang"

    static func choose(query: String?, cookie: String?, acceptLanguage: String?) -> Language {
        if let query, let language = Language(rawValue: query.lowercased()) { return language }
        if let cookie, let language = Language(rawValue: cookie) { return language }
        return Language.negotiate(acceptLanguage)
    }

    /// The `lang` attribute of the page: `zh-Hans` names the script, for fonts and screen readers.
    static func htmlTag(_ language: Language) -> String {
        switch language {
        case .en: "en"
        case .vi: "vi"
        case .zh: "zh-Hans"
        }
    }

    /// The locale dates and numbers are written in.
    static func locale(_ language: Language) -> Locale {
        switch language {
        case .en: Locale(identifier: "en_GB")
        case .vi: Locale(identifier: "vi_VN")
        case .zh: Locale(identifier: "zh_Hans_CN")
        }
    }
}
