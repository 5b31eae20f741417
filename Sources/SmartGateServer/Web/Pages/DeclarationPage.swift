import Fluent
import Foundation
import GateKit
import Vapor

/// One declaration: the trip, its status and channel, its decisions at the lane, its
/// history, and, for customs and admins only, the risk explanation and the audit trail.
struct DeclarationPage: PageContent {
    var record: DeclarationRecord
    /// Whether the reader may see the lane's decisions and readings.
    var showLane: Bool
    var decisions: [DecisionView]
    /// What the lane's devices read of this truck, oldest first.
    var readings: [ReadingLine] = []
    var audit: [AuditEntry]?
    var zone: String

    var titleKey: String { "declaration.title" }

    func body(_ context: PageContext) -> Markup {
        let trip = record.declaration
        let facts: [(String, Markup)] = [
            ("declaration.plate", .data(trip.vehicle.plate.display)),
            ("declaration.status", context.t("status.\(record.status.rawValue)")),
            ("declaration.channel", HTML.el("span", [("class", "badge badge-\(record.channel.rawValue)")], context.t("channel.\(record.channel.rawValue)"))),
            ("field.direction", context.t("direction.\(trip.direction.rawValue)")),
            ("field.gate", .data(trip.gate)),
            ("field.plannedArrival", .data(context.dateTime(trip.plannedArrival, zone: zone))),
            ("field.declarant.name", .data(trip.declarant.name)),
            ("declaration.containers", .data(trip.containers.map(\.number.value).joined(separator: ", "))),
        ]
        let mayAmend = context.user.map { $0.mayChange(declarationOf: trip.declarant.taxCode.value) } == true && record.status.isAmendable
        return .join([
            HTML.el("section", [("class", "card")],
                HTML.el("dl", [("class", "facts")], children: facts.flatMap { key, value in [HTML.el("dt", [], context.t(key)), HTML.el("dd", [], value)] }),
                mayAmend ? HTML.el("p", [], HTML.el("a", [("class", "button"), ("href", "/portal/declarations/\(record.id.uuidString.lowercased())/amend")],
                                                  context.t("declaration.amend"))) : .empty),
            goods(context),
            showLane ? section("declaration.decisions", decisions.isEmpty ? HTML.el("p", [], context.t("declaration.noDecision"))
                : HTML.el("ol", [("class", "feed")], children: decisions.map { DecisionsPage.item($0, zone: zone, context) }), context) : .empty,
            readingsTable(context),
            risk(context),
            section("declaration.history", HTML.el("ol", [], children: record.history.map { step in
                HTML.el("li", [], context.t("status.\(step.status)"), .data(" · " + context.dateTime(step.at, zone: zone)))
            }), context),
            auditTrail(context),
        ])
    }

    private func section(_ key: String, _ content: Markup, _ context: PageContext) -> Markup {
        let id = "s-" + key.replacingOccurrences(of: ".", with: "-")
        return HTML.el("section", [("class", "card"), ("aria-labelledby", id)], HTML.el("h2", [("id", id)], context.t(key)), content)
    }

    private func goods(_ context: PageContext) -> Markup {
        let rows = record.declaration.goods.map { line in
            HTML.el("tr", [],
                HTML.el("td", [], .data(line.hsCode.value)), HTML.el("td", [], .data(line.description)),
                HTML.el("td", [("class", "number")], .data(context.number(line.grossKg, fractionDigits: 1))),
                HTML.el("td", [("class", "number")], .data(context.money(line.value.amount, currency: line.value.currency.value))))
        }
        return section("declaration.goods", HTML.el("table", [],
            HTML.el("thead", [], HTML.el("tr", [], children: ["field.goods[0].hsCode", "field.goods[0].description", "field.goods[0].grossKg", "field.goods[0].value.amount"].map {
                HTML.el("th", [("scope", "col")], context.t($0))
            })),
            HTML.el("tbody", [], children: rows)), context)
    }

    private func readingsTable(_ context: PageContext) -> Markup {
        guard !readings.isEmpty else { return .empty }
        return section("declaration.readings", HTML.el("table", [],
            HTML.el("thead", [], HTML.el("tr", [], children: ["kpi.day", "gates.lane", "reading.kind", "reading.value"].map {
                HTML.el("th", [("scope", "col")], context.t($0))
            })),
            HTML.el("tbody", [], children: readings.map { reading in
                HTML.el("tr", [],
                    HTML.el("td", [], .data(context.dateTime(reading.observed, zone: zone))), HTML.el("td", [], .data(reading.lane)),
                    HTML.el("td", [], context.t("reading.\(reading.kind)")), HTML.el("td", [], reading.value(context)))
            })), context)
    }

    private func risk(_ context: PageContext) -> Markup {
        guard let risk = record.risk else { return .empty }
        let score = risk.score.map { context.percent($0 * 100, fractionDigits: 1) } ?? "—"
        return section("declaration.risk", .join([
            HTML.el("p", [], context.t("declaration.score", ["score": score])),
            HTML.el("ul", [], children: risk.reasons.map { HTML.el("li", [], .data($0.message)) }),
        ]), context)
    }

    private func auditTrail(_ context: PageContext) -> Markup {
        guard let audit else { return .empty }
        return section("declaration.audit", HTML.el("ol", [("class", "audit")], children: audit.map { entry in
            HTML.el("li", [], HTML.el("code", [], .data(entry.action)), .data(" · \(entry.actor) · " + context.dateTime(entry.at, zone: zone)))
        }), context)
    }
}

/// One lane reading as the declaration page lists it.
struct ReadingLine: Sendable {
    var observed: Date
    var lane: String
    var kind: String
    var text: String?
    var grossKg: Double?
    var intact: Bool?

    init(_ model: LaneReadingModel) {
        observed = Date(milliseconds: model.observedMs)
        lane = model.laneId
        kind = model.kind
        text = model.text
        grossKg = model.grossKg
        intact = model.intact
    }

    /// The read value: text as read, a weight, or a seal and its state.
    func value(_ context: PageContext) -> Markup {
        if let grossKg { return .data(context.kilograms(grossKg)) }
        if let intact { return .join([.data((text ?? "") + " · "), context.t(intact ? "reading.intact" : "reading.broken")]) }
        return .data(text ?? "")
    }
}

enum DeclarationPages {
    /// `GET /declarations/:id`: another enterprise's or gate's declaration is a 404 page.
    @Sendable static func show(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let model = try await DeclarationsController.find(request.parameters.get("id"), on: request.db)
        guard user.mayRead(declarationOf: model.declarantCode, at: model.gateId) else {
            throw AppError.notFound(kind: "declaration", id: model.id?.uuidString ?? "")
        }
        let id = try model.requireID()
        let record = try await model.record(on: request.db, showRisk: user.mayReadRisk)
        // Decisions and device readings are the gate's working material, as in the API:
        // staff at the gate and admins see them; the declarant sees status and history.
        let laneView = user.mayFollowDecisions(at: model.gateId)
        let decisions = laneView
            ? try await LaneDecisionModel.query(on: request.db).filter(\.$declarationId == id).sort(\.$id, .descending).all().map { try $0.view() } : []
        var audit: [AuditEntry]?
        if user.mayReadAudit(at: model.gateId) {
            audit = try await AuditEntryModel.query(on: request.db).filter(\.$subject == AuditSubject.declaration(id).description)
                .sort(\.$id).limit(200).all().map(\.entry)
        }
        let zone = try await request.application.smartGate.gates.snapshot(on: request.db).zone(of: model.gateId)
        let passages = laneView ? try await PassageModel.query(on: request.db).filter(\.$declarationId == id).all().compactMap(\.id) : []
        let readings = passages.isEmpty ? [] : try await LaneReadingModel.query(on: request.db).filter(\.$passageId ~~ passages)
            .sort(\.$observedMs).limit(200).all().map(ReadingLine.init)
        return try WebPage.render(
            DeclarationPage(record: record, showLane: laneView, decisions: decisions, readings: readings, audit: audit, zone: zone), request: request)
    }
}
