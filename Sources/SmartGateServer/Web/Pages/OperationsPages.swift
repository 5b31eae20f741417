import Fluent
import SQLKit
import Foundation
import GateKit
import Vapor

/// One lane as the overview shows it: its passage's state and its last decision.
struct LaneOverview: Sendable {
    var lane: GateSummary.Lane
    var passageState: String?
    var last: DecisionView?
    var decisionsToday: Int
}

/// The gates overview: every lane's state and last decision, per gate.
struct GatesPage: PageContent {
    var gates: [(gate: GateSummary, lanes: [LaneOverview])]
    /// Plates only to those who may follow the gate's decisions (CONTRACTS §1): the board
    /// and the corridor operator see outcomes, not vehicles.
    var platesAt: Set<String>

    var titleKey: String { "gates.title" }

    func body(_ context: PageContext) -> Markup {
        .join(gates.map { gate, lanes in
            HTML.el("section", [("class", "card"), ("aria-labelledby", "gate-\(gate.id)")],
                HTML.el("h2", [("id", "gate-\(gate.id)")], .data(Self.gateName(gate, context.language))),
                HTML.el("table", [],
                    HTML.el("caption", [("class", "visually-hidden")], .data(Self.gateName(gate, context.language))),
                    HTML.el("thead", [], HTML.el("tr", [], children: ["gates.lane", "gates.direction", "gates.state", "gates.lastDecision", "gates.today"].map {
                        HTML.el("th", [("scope", "col")], context.t($0))
                    })),
                    HTML.el("tbody", [], children: lanes.map { row(for: $0, gate: gate.id, zone: gate.timeZone, context) })))
        })
    }

    private func row(for lane: LaneOverview, gate: String, zone: String, _ context: PageContext) -> Markup {
        let last: Markup = lane.last.map { decision in
            .join([
                DecisionsPage.outcomeBadge(decision.outcome, context),
                platesAt.contains(gate) ? Markup.data(" " + ((try? VehiclePlate(decision.plate ?? ""))?.display ?? decision.plate ?? "")) : .empty,
                HTML.el("span", [("class", "muted")], .data(" " + context.dateTime(decision.decidedAt, zone: zone))),
            ])
        } ?? context.t("gates.none")
        return HTML.el("tr", [],
            HTML.el("th", [("scope", "row")], .data(lane.lane.id)),
            HTML.el("td", [], context.t("direction.\(lane.lane.direction)")),
            HTML.el("td", [], context.t("passage.\(lane.passageState ?? "idle")")),
            HTML.el("td", [], last),
            HTML.el("td", [("class", "number")], .data(context.number(Double(lane.decisionsToday)))))
    }

    static func gateName(_ gate: GateSummary, _ language: Language) -> String {
        switch language {
        case .en: gate.name.en
        case .vi: gate.name.vi
        case .zh: gate.name.zh
        }
    }
}

/// The start page of a role whose pages are still to come (the driver's, with booking).
struct HomePage: PageContent {
    var titleKey: String { "home.title" }

    func body(_ context: PageContext) -> Markup {
        HTML.el("p", [("class", "card")], context.t("home.none"))
    }
}

/// The live decisions feed: the latest decisions, and new ones as they are made.
struct DecisionsPage: PageContent {
    var decisions: [(DecisionView, zone: String)]

    var titleKey: String { "decisions.title" }

    func body(_ context: PageContext) -> Markup {
        HTML.el("section", [("class", "card")],
            LiveStatus.markup(feed: "/live/decisions", context),
            // Not a live region: a decision a second would drown a screen reader; the
            // status line says when the feed last spoke.
            HTML.el("ol", [("class", "feed"), ("id", "decision-feed")],
                children: decisions.map { Self.item($0.0, zone: $0.zone, context) }))
    }

    /// One decision as the feed shows it: outcome, plate, lane, time, reasons in words.
    static func item(_ decision: DecisionView, zone: String, _ context: PageContext) -> Markup {
        let plate = (try? VehiclePlate(decision.plate ?? ""))?.display ?? decision.plate ?? "—"
        let reasons = decision.reasons.map { reason in
            HTML.el("li", [("class", "reason-\(reason.severity.rawValue)")], context.t("reason.\(reason.code.rawValue)"))
        }
        let title: Markup = decision.declarationId.map { id in
            HTML.el("a", [("href", "/declarations/\(id.uuidString.lowercased())")], .data(plate))
        } ?? .data(plate)
        return HTML.el("li", [("class", "decision outcome-\(decision.outcome.rawValue)")],
            outcomeBadge(decision.outcome, context),
            HTML.el("strong", [("class", "plate")], title),
            HTML.el("span", [("class", "lane")], .data(decision.laneId)),
            HTML.el("time", [("datetime", Timestamp.format(decision.decidedAt))], .data(context.dateTime(decision.decidedAt, zone: zone))),
            reasons.isEmpty ? .empty : HTML.el("ul", [("class", "reasons")], children: reasons))
    }

    static func outcomeBadge(_ outcome: DecisionOutcome, _ context: PageContext) -> Markup {
        HTML.el("span", [("class", "badge badge-\(outcome.rawValue)")], context.t("outcome.\(outcome.rawValue)"))
    }
}

/// The "updated N s ago" line of a live panel; the script keeps it current and marks the
/// panel stale when its feed stops.
enum LiveStatus {
    /// - Parameter target: the id of the element a `replace` event's markup goes into.
    static func markup(feed: String, _ context: PageContext, target: String? = nil) -> Markup {
        // The ticking "N s ago" is for the eye; a screen reader hears only when the feed
        // connects, goes stale or comes back (the status span), not every second.
        HTML.el("p", [
            ("class", "live-status"), ("data-feed", feed), ("data-target", target),
            ("data-text-live", context.text("live.updated")), ("data-text-stale", context.text("live.stale")),
            ("data-text-connecting", context.text("live.connecting")),
        ],
            HTML.el("span", [("class", "live-text"), ("aria-hidden", "true")], context.t("live.connecting")),
            HTML.el("span", [("class", "visually-hidden"), ("role", "status")], context.t("live.connecting")))
    }
}

/// The handlers of the operations pages.
enum OperationsPages {
    /// `GET /`: each role to the page of its work; a role with no page yet is told so.
    @Sendable static func home(_ request: Request) async throws -> Response {
        guard case .user(let user)? = request.principal else { return request.redirect(to: "/sign-in?next=/") }
        guard let first = WebPage.navigation(user.role).first else { return try WebPage.render(HomePage(), request: request) }
        return request.redirect(to: first.1)
    }

    /// `GET /gates`.
    @Sendable static func gates(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let directory = try await request.application.smartGate.gates.snapshot(on: request.db)
        let gates = directory.gates.filter { user.gateFilter?.contains($0.id) ?? true }
        let lanes = try await LaneActivity.read(lanes: gates.flatMap { $0.lanes.map(\.id) }, since: Calendar(identifier: .gregorian).startOfDay(for: request.now), on: request.db)
        let shown = try gates.map { gate in
            (gate: gate, lanes: try gate.lanes.map { lane in
                LaneOverview(
                    lane: lane, passageState: lanes.passages[lane.id], last: try lanes.last[lane.id]?.view(), decisionsToday: lanes.counts[lane.id] ?? 0)
            })
        }
        let platesAt = Set(gates.map(\.id).filter { user.mayFollowDecisions(at: $0) })
        return try WebPage.render(GatesPage(gates: shown, platesAt: platesAt), request: request)
    }

    /// `GET /decisions`: the latest 30 at the reader's gates.
    @Sendable static func decisions(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let directory = try await request.application.smartGate.gates.snapshot(on: request.db)
        let query = LaneDecisionModel.query(on: request.db)
        if let gates = user.gateFilter { query.filter(\.$gateId ~~ Array(gates)) }
        let models = try await query.sort(\.$id, .descending).limit(30).all()
        let decisions = try models.map { (try $0.view(), zone: directory.zone(of: $0.gateId)) }
        return try WebPage.render(DecisionsPage(decisions: decisions), request: request)
    }
}

/// What the overview shows of every lane, read in four queries whatever the number of
/// lanes: the latest decision of each, its count since a moment, and each open passage.
struct LaneActivity {
    var last: [String: LaneDecisionModel] = [:]
    var counts: [String: Int] = [:]
    /// The state of each lane's most recent open passage.
    var passages: [String: String] = [:]

    private struct LaneRow: Decodable {
        var lane_id: String
        var value: Int
    }

    static func read(lanes: [String], since: Date, on db: any Database) async throws -> LaneActivity {
        var activity = LaneActivity()
        guard !lanes.isEmpty, let sql = db as? any SQLDatabase else { return activity }
        let latest = try await sql.select()
            .column(SQLAlias(SQLFunction("max", args: SQLColumn("id")), as: SQLIdentifier("value"))).column("lane_id")
            .from(LaneDecisionModel.schema).where("lane_id", .in, lanes).groupBy("lane_id")
            .all(decoding: LaneRow.self)
        for model in try await LaneDecisionModel.query(on: db).filter(\.$id ~~ latest.map(\.value)).all() {
            activity.last[model.laneId] = model
        }
        let counts = try await sql.select()
            .column(SQLAlias(SQLFunction("count", args: SQLLiteral.all), as: SQLIdentifier("value"))).column("lane_id")
            .from(LaneDecisionModel.schema).where("lane_id", .in, lanes).where("decided_ms", .greaterThanOrEqual, since.milliseconds)
            .groupBy("lane_id").all(decoding: LaneRow.self)
        activity.counts = Dictionary(counts.map { ($0.lane_id, $0.value) }, uniquingKeysWith: +)
        let open = try await PassageModel.query(on: db).filter(\.$laneId ~~ lanes).filter(\.$closedMs == nil).sort(\.$openedMs).all()
        for passage in open { activity.passages[passage.laneId] = passage.state }  // the latest opened wins
        return activity
    }
}
