import Foundation
import TwinKit
import Vapor

/// The digital twin for the board: the levers of the Kim Thành scenario in a form, and the
/// traditional and the smart gate side by side as SmartGate's own engine and dispatcher
/// run them. The full report (charts, sources, caveats) is one link away.
struct TwinPage: PageContent {
    var question: TwinQuestion
    var errors: [String: (key: String, parameters: [String: String])]
    var report: TwinReport?
    var busy = false
    /// The query the report link repeats.
    var query: String
    /// What was typed in each field, shown again beside its error.
    var typed: [String: String] = [:]

    var titleKey: String { "twin.title" }

    func body(_ context: PageContext) -> Markup {
        .join([
            HTML.el("p", [], context.t("twin.intro", ["replications": String(TwinRuns.replications)])),
            busy ? HTML.el("p", [("class", "error"), ("role", "alert")], context.t("twin.busy")) : .empty,
            // The answer first: the levers that gave it stay in the form below, to change.
            report.map { results($0, context) } ?? .empty,
            form(context),
        ])
    }

    private func form(_ context: PageContext) -> Markup {
        func field(_ name: String, _ value: String, hint: String? = nil, type: String = "number") -> Markup {
            Form.field(name: name, label: context.t("twin.\(name)"), type: type, value: errors[name] == nil ? value : typed[name] ?? value,
                       error: errors[name].map { context.text($0.key, $0.parameters) }, hint: hint.map { context.t($0) },
                       attributes: type == "number" ? [("inputmode", "numeric")] : [])
        }
        let q = question
        return HTML.el("form", [("method", "get"), ("action", "/twin"), ("class", "card twin-levers"), ("novalidate", "")],
            field("demand", String(q.demand)), field("exportLanes", String(q.exportLanes)), field("importLanes", String(q.importLanes)),
            field("shuttles", String(q.shuttles)), field("window", q.window, hint: "twin.windowHint", type: "text"),
            field("openingHours", q.openingHours, hint: "twin.windowHint", type: "text"),
            field("acceptance", String(q.acceptance), hint: "twin.acceptanceHint"), field("greenPercent", String(q.greenPercent)),
            field("days", String(q.days)),
            HTML.el("div", [("class", "field")],
                HTML.el("label", [],
                    HTML.el("input", [("type", "checkbox"), ("name", "capacity"), ("value", "on"), ("checked", q.capacity ? "" : nil)]),
                    .data(" "), context.t("twin.capacity"))),
            HTML.el("input", [("type", "hidden"), ("name", "run"), ("value", "1")]),
            HTML.el("button", [("type", "submit")], context.t("twin.run")))
    }

    private func results(_ report: TwinReport, _ context: PageContext) -> Markup {
        guard let traditional = report.traditional, let smart = report.smart, let ratio = report.ratio else { return .empty }
        func estimate(_ e: Estimate, _ digits: Int) -> String {
            context.number(e.mean, fractionDigits: digits) + " ± " + context.number(e.halfWidth, fractionDigits: digits)
        }
        func times(_ r: Ratio?) -> String {
            guard let r else { return "—" }
            return "×" + context.number(r.value, fractionDigits: 2) + " (" + context.number(r.low, fractionDigits: 2) + "–"
                + context.number(r.high, fractionDigits: 2) + ")"
        }
        func capacity(_ c: CapacityResult?) -> String {
            guard let c else { return "—" }
            // Every rate tried passed: the capacity is at least the highest of them.
            guard c.bounded else { return "≥ " + context.number(c.low) }
            return context.number(c.perDay) + " (" + context.number(c.low) + "–" + context.number(c.high) + ")"
        }
        func change(_ ratio: Double) -> String {
            let percent = (ratio - 1) * 100
            return (percent < 0 ? "−" : "+") + context.number(abs(percent), fractionDigits: 1)
        }
        let rows: [(String, String, String, String)] = [
            ("twin.row.capacity", capacity(traditional.capacity), capacity(smart.capacity), times(ratio.capacity)),
            ("twin.row.throughput", estimate(traditional.throughputPerDay, 0), estimate(smart.throughputPerDay, 0), "—"),
            ("twin.row.meanHours", estimate(traditional.meanHours, 1), estimate(smart.meanHours, 1), times(ratio.meanHours)),
            ("twin.row.p95Hours", estimate(traditional.p95Hours, 1), estimate(smart.p95Hours, 1), times(ratio.p95Hours)),
            ("twin.row.cost", estimate(traditional.costPerContainer, 0), estimate(smart.costPerContainer, 0), times(ratio.costPerContainer)),
            ("twin.row.shuttleCost", estimate(traditional.costPerContainer, 0), smart.costPerShuttleContainer.map { estimate($0, 0) } ?? "—",
             times(ratio.shuttleContainerCost)),
            ("twin.row.co2", estimate(traditional.energy.co2Kg, 2), estimate(smart.energy.co2Kg, 2), "—"),
            ("twin.row.shuttle", context.percent(traditional.shuttleShare * 100), context.percent(smart.shuttleShare * 100), "—"),
        ]
        let headline = context.t("twin.headline", [
            "cost": change(ratio.costPerContainer.value), "time": change(ratio.meanHours.value),
        ])
        return HTML.el("section", [("class", "card"), ("aria-labelledby", "twin-results"), ("id", "twin-results-section")],
            HTML.el("h2", [("id", "twin-results")], context.t("twin.results")),
            HTML.el("p", [("class", "big")], headline),
            HTML.el("table", [],
                HTML.el("caption", [], context.t("twin.caption", ["days": String(traditional.days), "replications": String(traditional.replications)])),
                HTML.el("thead", [], HTML.el("tr", [], children: ["twin.metric", "twin.traditional", "twin.smart", "twin.ratio"].map {
                    HTML.el("th", [("scope", "col")], context.t($0))
                })),
                HTML.el("tbody", [], children: rows.map { key, t, s, r in
                    HTML.el("tr", [], HTML.el("th", [("scope", "row")], context.t(key)),
                            HTML.el("td", [("class", "number")], .data(t)), HTML.el("td", [("class", "number")], .data(s)),
                            HTML.el("td", [("class", "number")], .data(r)))
                })),
            HTML.el("p", [("class", "muted")], context.t("twin.caveat")),
            HTML.el("p", [], HTML.el("a", [("href", "/twin/report?" + query)], context.t("twin.fullReport"))))
    }
}

enum TwinPages {
    /// `GET /twin`: the form; with `run=1`, the answer (or each bad field's message, 422).
    @Sendable static func show(_ request: Request) async throws -> Response {
        let runs = request.application.smartGate.twin
        var question = TwinQuestion(runs.document.scenario)
        guard let query = try? request.query.decode([String: String].self) else {
            // A query that is not one value per name (a lever given twice) is answered, not guessed at.
            return try WebPage.render(TwinPage(question: question, errors: ["demand": ("twin.error.query", [:])], query: ""), request: request,
                                      status: .unprocessableEntity)
        }
        let errors = question.read(query)
        let queryText = request.url.query ?? ""
        guard query["run"] == "1" else {
            return try WebPage.render(TwinPage(question: question, errors: [:], query: queryText), request: request)
        }
        guard errors.isEmpty else {
            return try WebPage.render(TwinPage(question: question, errors: errors, query: queryText, typed: query), request: request,
                                      status: .unprocessableEntity)
        }
        do {
            let report = try await runs.answer(question, on: request.application.threadPool)
            return try WebPage.render(TwinPage(question: question, errors: [:], report: report, query: queryText), request: request)
        } catch TwinRuns.Refusal.busy {
            let response = try WebPage.render(TwinPage(question: question, errors: [:], busy: true, query: queryText), request: request,
                                              status: .serviceUnavailable)
            response.headers.replaceOrAdd(name: .retryAfter, value: "10")
            return response
        }
    }

    /// `GET /twin/report`: the full report for the same levers (English, with its charts and
    /// every parameter's source), the page's answer when it has one.
    @Sendable static func report(_ request: Request) async throws -> Response {
        let runs = request.application.smartGate.twin
        var question = TwinQuestion(runs.document.scenario)
        let query = (try? request.query.decode([String: String].self)) ?? [:]
        let errors = question.read(query)
        guard errors.isEmpty else {
            return try WebPage.render(TwinPage(question: question, errors: errors, query: request.url.query ?? ""), request: request,
                                      status: .unprocessableEntity)
        }
        let report: TwinReport
        do { report = try await runs.answer(question, on: request.application.threadPool) } catch TwinRuns.Refusal.busy {
            throw Abort(.serviceUnavailable, headers: ["Retry-After": "10"], reason: "Another simulation is running; try again in a few seconds.")
        }
        // The report is one self-contained document: its own style block, inline SVG, no script.
        return Response(status: .ok, headers: [
            "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ], body: .init(string: HTMLReport.render(report)))
    }
}
