import Fluent
import Foundation
import GateKit
import Vapor

/// The officer's queue at their gates: what waits, what is theirs, how long each has waited
/// against its channel's target.
struct InspectionsPage: PageContent {
    var items: [InspectionView]
    var me: String
    var csrf: String

    var titleKey: String { "inspections.title" }

    func body(_ context: PageContext) -> Markup {
        guard !items.isEmpty else { return HTML.el("p", [("class", "card")], context.t("inspections.empty")) }
        let rows = items.map { item in
            HTML.el("tr", [("class", item.overdue ? "overdue" : nil)],
                HTML.el("th", [("scope", "row")], HTML.el("a", [("href", "/inspections/\(item.id.uuidString.lowercased())")], .data(plate(item.plate)))),
                HTML.el("td", [], .data(item.gate)),
                HTML.el("td", [], HTML.el("span", [("class", "badge badge-\(item.channel)")], context.t("channel.\(item.channel)"))),
                HTML.el("td", [], context.t(item.assignedTo == me && item.status == "assigned" ? "inspection.mine" : "inspection.\(item.status)")),
                HTML.el("td", [("class", "number")], context.t(item.overdue ? "inspections.overdue" : "inspections.waited", [
                    "minutes": context.number(Double(item.waitedSeconds) / 60, fractionDigits: 0),
                    "target": context.number(Double(item.targetSeconds) / 60, fractionDigits: 0),
                ])),
                HTML.el("td", [], item.status == "waiting" ? InspectionPage.action("claim", id: item.id, csrf: csrf, context) : .empty))
        }
        return HTML.el("section", [("class", "card")], HTML.el("table", [],
            HTML.el("caption", [("class", "visually-hidden")], context.t("inspections.title")),
            HTML.el("thead", [], HTML.el("tr", [], children: ["portal.plate", "portal.gate", "portal.channel", "portal.status", "inspections.wait", "inspections.action"].map {
                HTML.el("th", [("scope", "col")], context.t($0))
            })),
            HTML.el("tbody", [], children: rows)))
    }

    private func plate(_ normalized: String) -> String { (try? VehiclePlate(normalized))?.display ?? normalized }
}

/// One inspection: the trip, why the lane referred it, and the officer's forms: claim,
/// release, and the outcome, whose errors stand beside their fields.
struct InspectionPage: PageContent {
    var item: InspectionView
    var me: String
    var csrf: String
    var zone: String
    var values: [String: String] = [:]
    var errors: [String: String] = [:]

    var titleKey: String { "inspection.title" }

    func body(_ context: PageContext) -> Markup {
        let facts: [(String, Markup)] = [
            ("portal.plate", HTML.el("a", [("href", "/declarations/\(item.declarationId.uuidString.lowercased())")], .data((try? VehiclePlate(item.plate))?.display ?? item.plate))),
            ("portal.gate", .data(item.gate)),
            ("portal.channel", HTML.el("span", [("class", "badge badge-\(item.channel)")], context.t("channel.\(item.channel)"))),
            ("portal.status", context.t(item.assignedTo == me && item.status == "assigned" ? "inspection.mine" : "inspection.\(item.status)")),
            ("inspection.queued", .data(context.dateTime(item.queuedAt, zone: zone))),
            ("inspection.outcome", item.outcome.map { context.t("outcome.inspection.\($0.outcome.rawValue)") } ?? .data("—")),
        ]
        var forms: [Markup] = []
        if item.status == "waiting" { forms.append(Self.action("claim", id: item.id, csrf: csrf, context)) }
        if item.status == "assigned" && item.assignedTo == me {
            forms.append(outcomeForm(context))
            forms.append(Self.action("release", id: item.id, csrf: csrf, context))
        }
        return .join([
            HTML.el("section", [("class", "card")],
                HTML.el("dl", [("class", "facts")], children: facts.flatMap { key, value in [HTML.el("dt", [], context.t(key)), HTML.el("dd", [], value)] })),
            item.laneReasons.isEmpty ? .empty : HTML.el("section", [("class", "card"), ("aria-labelledby", "why")],
                HTML.el("h2", [("id", "why")], context.t("inspection.why")),
                HTML.el("ul", [], children: item.laneReasons.map { code in
                    HTML.el("li", [], ReasonCode(rawValue: code).map { context.t("reason.\($0.rawValue)") } ?? .data(code))
                })),
        ] + forms)
    }

    /// A one-button form posting to `/inspections/{id}/{verb}`.
    static func action(_ verb: String, id: UUID, csrf: String, _ context: PageContext) -> Markup {
        HTML.el("form", [("method", "post"), ("action", "/inspections/\(id.uuidString.lowercased())/\(verb)"), ("class", "inline")],
            HTML.el("input", [("type", "hidden"), ("name", WebSession.csrfField), ("value", csrf)]),
            HTML.el("button", [("type", "submit"), ("class", "action-\(verb)")], context.t("inspection.\(verb)")))
    }

    private func outcomeForm(_ context: PageContext) -> Markup {
        let outcomes = InspectionOutcome.allCases.map { ($0.rawValue, context.t("outcome.inspection.\($0.rawValue)")) }
        return HTML.el("form", [("method", "post"), ("action", "/inspections/\(item.id.uuidString.lowercased())/outcome"), ("class", "card"), ("novalidate", "")],
            HTML.el("h2", [], context.t("inspection.record")),
            HTML.el("input", [("type", "hidden"), ("name", WebSession.csrfField), ("value", csrf)]),
            Form.select(name: "outcome", label: context.t("field.outcome"), options: outcomes, selected: values["outcome"] ?? "cleared", error: errors["outcome"]),
            Form.field(name: "details", label: context.t("field.details"), value: values["details"], error: errors["details"], hint: context.t("hint.details")),
            Form.field(name: "corrections[0].field", label: context.t("field.corrections[0].field"), value: values["corrections[0].field"],
                       error: errors["corrections[0].field"] ?? errors["corrections"], hint: context.t("hint.correction")),
            Form.field(name: "corrections[0].declared", label: context.t("field.corrections[0].declared"), value: values["corrections[0].declared"],
                       error: errors["corrections[0].declared"]),
            Form.field(name: "corrections[0].found", label: context.t("field.corrections[0].found"), value: values["corrections[0].found"],
                       error: errors["corrections[0].found"]),
            HTML.el("button", [("type", "submit")], context.t("inspection.submit")))
    }
}

/// The officers' pages.
enum InspectionPages {
    static let outcomeFields = ["outcome", "details", "corrections[0].field", "corrections[0].declared", "corrections[0].found"]

    /// `GET /inspections`: open work at the reader's gates, oldest first.
    @Sendable static func list(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let query = InspectionModel.query(on: request.db).filter(\.$gateId ~~ Array(user.gates))
            .filter(\.$status != InspectionStatus.done.rawValue)
        if user.role == .quarantineOfficer { query.filter(\.$quarantine == true) }
        let models = try await query.sort(\.$queuedMs).limit(100).all()
        let now = request.now
        let items = try models.map { try InspectionView($0, declaration: nil, showRisk: false, now: now) }
        return try WebPage.render(
            InspectionsPage(items: items, me: user.id.uuidString.lowercased(), csrf: PageContext(request).csrf ?? ""), request: request)
    }

    /// `GET /inspections/:id`.
    @Sendable static func show(_ request: Request) async throws -> Response {
        try await render(request, view: try await view(request))
    }

    /// `POST /inspections/:id/claim` and `…/release`: done, and back to the inspection.
    @Sendable static func claim(_ request: Request) async throws -> Response {
        try WebSession.checkForm(request, token: FormBody.fields(request)[WebSession.csrfField])
        return back(request, to: try await InspectionsController.claimed(request))
    }

    @Sendable static func release(_ request: Request) async throws -> Response {
        try WebSession.checkForm(request, token: FormBody.fields(request)[WebSession.csrfField])
        return back(request, to: try await InspectionsController.released(request))
    }

    /// `POST /inspections/:id/outcome`: validated as the API validates; errors beside their fields.
    @Sendable static func outcome(_ request: Request) async throws -> Response {
        let form = FormBody.fields(request)
        try WebSession.checkForm(request, token: form[WebSession.csrfField])
        let values = form.filter { outcomeFields.contains($0.key) }
        var members: [String: JSONValue] = [:]
        for key in ["outcome", "details"] { if let text = values[key]?.trimmingCharacters(in: .whitespaces), !text.isEmpty { members[key] = .string(text) } }
        let correction = ["field", "declared", "found"].reduce(into: [String: JSONValue]()) { object, key in
            if let text = values["corrections[0].\(key)"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty { object[key] = .string(text) }
        }
        if !correction.isEmpty { members["corrections"] = .array([.object(correction)]) }
        do {
            let report = try InspectionReport.parse(.object(members))
            return back(request, to: try await InspectionsController.recorded(report, request: request))
        } catch let failure as ValidationFailure {
            let language = PageContext(request).language
            var errors: [String: String] = [:]
            for issue in failure.issues {
                // An issue about a field the form does not show (`release`, the whole report) goes beside the outcome.
                let field = outcomeFields.contains(issue.field) || issue.field == "corrections" ? issue.field : "outcome"
                errors[field] = errors[field] ?? issue.message(in: language)
            }
            return try await render(request, view: try await view(request), values: values, errors: errors, status: .unprocessableEntity)
        }
    }

    private static func view(_ request: Request) async throws -> InspectionView {
        let user = try request.requireUser()
        let model = try await InspectionsController.visible(request.parameters.get("id"), to: user, on: request.db)
        return try InspectionView(model, declaration: nil, showRisk: false, now: request.now)
    }

    private static func render(
        _ request: Request, view: InspectionView, values: [String: String] = [:], errors: [String: String] = [:], status: HTTPStatus = .ok
    ) async throws -> Response {
        let user = try request.requireUser()
        let zone = try await request.application.smartGate.gates.snapshot(on: request.db).zone(of: view.gate)
        let page = InspectionPage(item: view, me: user.id.uuidString.lowercased(), csrf: PageContext(request).csrf ?? "", zone: zone, values: values, errors: errors)
        return try WebPage.render(page, request: request, status: status)
    }

    private static func back(_ request: Request, to view: InspectionView) -> Response {
        request.redirect(to: "/inspections/\(view.id.uuidString.lowercased())", redirectType: .normal)
    }
}
