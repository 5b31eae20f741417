import Foundation
import GateKit
import Vapor

/// A page: its title and its main content, written for one reader.
protocol PageContent: Sendable {
    /// The catalog key of the page's title.
    var titleKey: String { get }
    func body(_ context: PageContext) -> Markup
}

/// Wraps pages in the shared layout and sends them with the headers every page carries.
enum WebPage {
    /// No script but SmartGate's own file, no inline script or style, no frames, forms
    /// post only here: what a stored plate or name could smuggle in cannot run.
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"

    static func render(_ page: some PageContent, request: Request, status: HTTPStatus = .ok) throws -> Response {
        let context = PageContext(request)
        let html = document(title: context.text(page.titleKey), main: page.body(context), context: context)
        let response = Response(status: status, headers: headers, body: .init(string: html))
        // A language chosen by link is remembered for the next pages.
        if let chosen = request.query[String.self, at: "lang"], Language(rawValue: chosen) != nil {
            response.cookies[PageLanguage.cookie] = HTTPCookies.Value(
                string: chosen, maxAge: 365 * 86_400, path: "/", isHTTPOnly: true, sameSite: .strict)
        }
        return response
    }

    static var headers: HTTPHeaders {
        [
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": contentSecurityPolicy,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "Cache-Control": "no-store",
        ]
    }

    /// The whole document: skip link, header with navigation and languages, main, footer.
    static func document(title: String, main: Markup, context: PageContext) -> String {
        let page = HTML.el("html", [("lang", PageLanguage.htmlTag(context.language))],
            HTML.el("head", [],
                HTML.el("meta", [("charset", "utf-8")]),
                HTML.el("meta", [("name", "viewport"), ("content", "width=device-width, initial-scale=1")]),
                HTML.el("title", [], .data(title + " · SmartGate")),
                HTML.el("link", [("rel", "stylesheet"), ("href", "/assets/app.css")]),
                HTML.el("script", [("src", "/assets/app.js"), ("defer", "")])),
            HTML.el("body", [],
                HTML.el("a", [("class", "skip"), ("href", "#main")], context.t("layout.skip")),
                header(context),
                HTML.el("main", [("id", "main"), ("tabindex", "-1")], HTML.el("h1", [], .data(title)), main),
                HTML.el("footer", [], context.t("layout.footer"))))
        return "<!DOCTYPE html>" + page.html
    }

    private static func header(_ context: PageContext) -> Markup {
        var links: [Markup] = []
        for (key, path) in navigation(context.user?.role) {
            let current = context.path == path || (path != "/" && context.path.hasPrefix(path + "/"))
            links.append(HTML.el("li", [], HTML.el("a", [("href", path), ("aria-current", current ? "page" : nil)], context.t(key))))
        }
        let languages = Language.allCases.map { language in
            HTML.el("li", [], HTML.el("a", [
                // Query only: the page's own path, whatever the request's path looked like.
                ("href", "?lang=\(language.rawValue)"), ("lang", PageLanguage.htmlTag(language)),
                ("hreflang", PageLanguage.htmlTag(language)), ("aria-current", language == context.language ? "true" : nil),
            ], context.t("language.\(language.rawValue)")))
        }
        var account: [Markup] = []
        if let user = context.user, let csrf = context.csrf {
            account = [
                HTML.el("span", [("class", "role")], context.t("role.\(user.role.rawValue)")),
                HTML.el("form", [("method", "post"), ("action", "/sign-out"), ("class", "inline")],
                    HTML.el("input", [("type", "hidden"), ("name", WebSession.csrfField), ("value", csrf)]),
                    HTML.el("button", [("type", "submit")], context.t("layout.signOut"))),
            ]
        }
        return HTML.el("header", [],
            HTML.el("a", [("class", "brand"), ("href", "/")], context.t("layout.brand")),
            links.isEmpty ? .empty : HTML.el("nav", [("aria-label", context.text("layout.navigation"))], HTML.el("ul", [], children: links)),
            HTML.el("nav", [("aria-label", context.text("layout.languages")), ("class", "languages")], HTML.el("ul", [], children: languages)),
            HTML.el("div", [("class", "account")], children: account))
    }

    /// The pages a role works with, in the order of its day.
    static func navigation(_ role: Role?) -> [(String, String)] {
        switch role {
        case nil: [("nav.signIn", "/sign-in"), ("nav.waittimes", "/waittimes")]
        case .declarant?: [("nav.portal", "/portal"), ("nav.newDeclaration", "/portal/new"), ("nav.bookings", "/portal/bookings")]
        case .customsOfficer?:
            [("nav.gates", "/gates"), ("nav.decisions", "/decisions"), ("nav.inspections", "/inspections"), ("nav.arrivals", "/arrivals"),
             ("nav.kpi", "/kpi"), ("nav.link", "/link")]
        case .quarantineOfficer?:
            [("nav.gates", "/gates"), ("nav.decisions", "/decisions"), ("nav.inspections", "/inspections"), ("nav.arrivals", "/arrivals"), ("nav.kpi", "/kpi")]
        case .admin?:
            [("nav.gates", "/gates"), ("nav.decisions", "/decisions"), ("nav.arrivals", "/arrivals"), ("nav.kpi", "/kpi"), ("nav.link", "/link"),
             ("nav.twin", "/twin")]
        case .borderGuard?, .gateOperator?:
            [("nav.gates", "/gates"), ("nav.yard", "/yard"), ("nav.decisions", "/decisions"), ("nav.arrivals", "/arrivals"), ("nav.kpi", "/kpi")]
        case .boardViewer?: [("nav.kpi", "/kpi"), ("nav.gates", "/gates"), ("nav.corridor", "/corridor"), ("nav.twin", "/twin")]
        case .corridorOperator?: [("nav.corridor", "/corridor"), ("nav.gates", "/gates"), ("nav.kpi", "/kpi")]
        case .driver?: [("nav.waittimes", "/waittimes")]
        }
    }
}
