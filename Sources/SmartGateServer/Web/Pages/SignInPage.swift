import Foundation
import GateKit

/// The sign-in form. A failed attempt says only that the pair is wrong, as the API does.
struct SignInPage: PageContent {
    var next: String?
    var csrf: String
    var failed: Bool

    var titleKey: String { "signIn.title" }

    func body(_ context: PageContext) -> Markup {
        let error: Markup = failed
            ? HTML.el("p", [("class", "error"), ("role", "alert"), ("id", "sign-in-error")], context.t("signIn.failed"))
            : .empty
        return HTML.el("form", [("method", "post"), ("action", "/sign-in"), ("class", "card narrow")],
            error,
            HTML.el("input", [("type", "hidden"), ("name", WebSession.csrfField), ("value", csrf)]),
            HTML.el("input", [("type", "hidden"), ("name", "next"), ("value", next)]),
            Form.field(name: "email", label: context.t("signIn.email"), type: "email", autocomplete: "email", required: true,
                       describedBy: failed ? "sign-in-error" : nil),
            Form.field(name: "password", label: context.t("signIn.password"), type: "password", autocomplete: "current-password",
                       required: true, describedBy: failed ? "sign-in-error" : nil),
            HTML.el("button", [("type", "submit")], context.t("signIn.submit")))
    }
}

/// A refusal or a missing page, in the reader's language: what the API says as problem+json.
struct ErrorPage: PageContent {
    var status: Int
    var detail: String?

    var titleKey: String {
        switch status {
        case 403: "error.forbidden"
        case 404: "error.notFound"
        case 409: "error.conflict"
        case 413, 415, 400, 422: "error.badRequest"
        case 429: "error.tooMany"
        case 503: "error.unavailable"
        default: "error.internal"
        }
    }

    func body(_ context: PageContext) -> Markup {
        HTML.el("div", [("class", "card")],
            HTML.el("p", [], context.t(titleKey + ".explain")),
            HTML.el("p", [], HTML.el("a", [("href", "/")], context.t("error.home"))))
    }
}

/// Labelled inputs with their error beside them, as every form here writes them.
enum Form {
    /// A labelled input; `error` is shown under it and tied to it for screen readers.
    static func field(
        name: String, label: Markup, type: String = "text", value: String? = nil, autocomplete: String? = nil,
        required: Bool = false, error: String? = nil, describedBy: String? = nil, hint: Markup? = nil, attributes: [(String, String?)] = []
    ) -> Markup {
        let id = fieldId(name)
        let errorId = error == nil ? nil : id + "-error"
        let hintId = hint == nil ? nil : id + "-hint"
        let described = [errorId, hintId, describedBy].compactMap { $0 }.joined(separator: " ")
        return HTML.el("div", [("class", error == nil ? "field" : "field invalid")],
            HTML.el("label", [("for", id)], label),
            hint.map { HTML.el("span", [("class", "hint"), ("id", hintId)], $0) } ?? .empty,
            HTML.el("input", [
                ("id", id), ("name", name), ("type", type), ("value", value), ("autocomplete", autocomplete),
                ("required", required ? "" : nil), ("aria-invalid", error == nil ? nil : "true"),
                ("aria-describedby", described.isEmpty ? nil : described),
            ] + attributes),
            error.map { HTML.el("p", [("class", "error"), ("id", errorId)], .data($0)) } ?? .empty)
    }

    /// A labelled select of `(value, label)` options.
    static func select(name: String, label: Markup, options: [(String, Markup)], selected: String?, error: String? = nil) -> Markup {
        let id = fieldId(name)
        let errorId = error == nil ? nil : id + "-error"
        return HTML.el("div", [("class", error == nil ? "field" : "field invalid")],
            HTML.el("label", [("for", id)], label),
            HTML.el("select", [("id", id), ("name", name), ("aria-invalid", error == nil ? nil : "true"), ("aria-describedby", errorId)],
                children: options.map { value, text in
                    HTML.el("option", [("value", value), ("selected", value == selected ? "" : nil)], text)
                }),
            error.map { HTML.el("p", [("class", "error"), ("id", errorId)], .data($0)) } ?? .empty)
    }

    /// An id from a field's JSON path: `containers[0].number` → `f-containers-0-number`.
    static func fieldId(_ name: String) -> String {
        "f-" + name.map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined().replacingOccurrences(of: "--", with: "-")
            .trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    }
}
