import Crypto
import Foundation
import GateKit
import Vapor

/// What every page needs from its request: the reader's language, who is signed in, the
/// form token, and how to write words, dates and numbers for them.
struct PageContext: Sendable {
    let language: Language
    let user: UserIdentity?
    /// The CSRF token every form of this session carries (`_csrf`).
    let csrf: String?
    /// The path (with query) of the page, for the language links and `next`.
    let path: String
    let catalog: Catalog

    init(_ request: Request) {
        language = PageLanguage.choose(
            query: request.query[String.self, at: "lang"], cookie: request.cookies[PageLanguage.cookie]?.string,
            acceptLanguage: request.headers.first(name: .acceptLanguage))
        if case .user(let user)? = request.principal { self.user = user } else { user = nil }
        csrf = request.session.map { WebSession.csrfToken(jti: $0.jti.value, key: request.application.smartGate.keys.tokenKey) }
        path = request.url.path
        catalog = .shipped
    }

    /// A catalog entry, escaped, with its parameters (escaped too) filled in.
    func t(_ key: String, _ parameters: [String: String] = [:]) -> Markup {
        .escaped(Markup.escape(catalog.text(key, in: language, parameters)))
    }

    /// A catalog entry as plain text (an attribute's value, a page title).
    func text(_ key: String, _ parameters: [String: String] = [:]) -> String {
        catalog.text(key, in: language, parameters)
    }

    /// A moment in a gate's zone, written the reader's way, with the zone shown
    /// (`5 Dec 2026, 19:20 (UTC+7)`): the two sides of the border are an hour apart.
    func dateTime(_ date: Date, zone: String) -> String {
        let timeZone = TimeZone(identifier: zone) ?? TimeZone(secondsFromGMT: 0)!
        let formatter = DateFormatter()
        formatter.locale = PageLanguage.locale(language)
        formatter.timeZone = timeZone
        formatter.setLocalizedDateFormatFromTemplate("yMMMdHHmm")
        let hours = timeZone.secondsFromGMT(for: date) / 3600
        return "\(formatter.string(from: date)) (UTC\(hours >= 0 ? "+" : "")\(hours))"
    }

    /// A number written the reader's way (`33,480.5`, `33.480,5`).
    func number(_ value: Double, fractionDigits: Int = 0) -> String {
        let formatter = NumberFormatter()
        formatter.locale = PageLanguage.locale(language)
        formatter.numberStyle = .decimal
        formatter.maximumFractionDigits = fractionDigits
        return formatter.string(from: NSNumber(value: value)) ?? String(value)
    }

    /// Seconds, percent and kilograms with their unit, the reader's way (`12 giây`, `12 秒`).
    func seconds(_ value: Double) -> String { text("unit.seconds", ["n": number(value)]) }
    func percent(_ value: Double, fractionDigits: Int = 0) -> String { text("unit.percent", ["n": number(value, fractionDigits: fractionDigits)]) }
    func kilograms(_ value: Double) -> String { text("unit.kg", ["n": number(value)]) }

    /// Money written the reader's way, in its own currency.
    func money(_ amount: Decimal, currency: String) -> String {
        let formatter = NumberFormatter()
        formatter.locale = PageLanguage.locale(language)
        formatter.numberStyle = .currency
        formatter.currencyCode = currency
        return formatter.string(from: NSDecimalNumber(decimal: amount)) ?? "\(amount) \(currency)"
    }
}
