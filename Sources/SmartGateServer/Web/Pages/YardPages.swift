import Fluent
import Foundation
import GateKit
import Vapor

/// The waiting yard for its staff: the queue in calling order and the trucks called, kept
/// current by a live feed.
struct YardPage: PageContent {
    var gate: String
    var zone: String
    var yard: YardController.YardView

    var titleKey: String { "yard.title" }

    func body(_ context: PageContext) -> Markup {
        .join([
            LiveStatus.markup(feed: "/live/yard?gate=\(gate)", context, target: "yard-live"),
            HTML.el("div", [("id", "yard-live")], Self.live(yard, zone: zone, context)),
        ])
    }

    static func live(_ yard: YardController.YardView, zone: String, _ context: PageContext) -> Markup {
        let summary = HTML.el("p", [("class", "big")], context.t("yard.occupancy", [
            "n": context.number(Double(yard.occupancy)), "capacity": context.number(Double(yard.capacity)), "unbooked": context.number(Double(yard.unbooked)),
        ]))
        guard !yard.items.isEmpty else { return .join([summary, HTML.el("p", [("class", "card")], context.t("yard.empty"))]) }
        let rows = yard.items.map { item in
            HTML.el("tr", [("class", item.state == YardState.called.rawValue ? "overdue" : nil)],
                HTML.el("td", [("class", "number")], .data(item.position.map { context.number(Double($0)) } ?? "—")),
                HTML.el("th", [("scope", "row")], .data((try? VehiclePlate(item.plate))?.display ?? item.plate)),
                HTML.el("td", [], context.t("yard.standing.\(item.standing)"), item.priority ? .join([.data(" · "), context.t("yard.priority")]) : .empty),
                HTML.el("td", [], .data(item.slotStart.map { context.dateTime($0, zone: zone) } ?? "—")),
                HTML.el("td", [], .data(context.dateTime(item.enteredAt, zone: zone))),
                HTML.el("td", [], item.calledLane.map { lane in
                    context.t("yard.calledTo", ["lane": lane, "time": item.callDeadline.map { context.dateTime($0, zone: zone) } ?? "—"])
                } ?? context.t("yard.state.\(item.state)")))
        }
        return .join([summary, HTML.el("section", [("class", "card")], HTML.el("table", [],
            HTML.el("caption", [("class", "visually-hidden")], context.t("yard.title")),
            HTML.el("thead", [], HTML.el("tr", [], children: ["yard.position", "portal.plate", "yard.standing", "bookings.slot", "yard.entered", "yard.call"].map {
                HTML.el("th", [("scope", "col")], context.t($0))
            })),
            HTML.el("tbody", [], children: rows)))])
    }
}

/// The LED board at the yard's exit: the trucks called, their lanes and deadlines; public,
/// so plates and lanes and nothing else.
struct BoardPage: PageContent {
    var board: YardController.Board
    var zone: String

    var titleKey: String { "board.title" }

    func body(_ context: PageContext) -> Markup {
        .join([
            LiveStatus.markup(feed: "/live/board?gate=\(board.gate)", context, target: "board-live"),
            HTML.el("div", [("id", "board-live")], Self.live(board, zone: zone, context)),
        ])
    }

    static func live(_ board: YardController.Board, zone: String, _ context: PageContext) -> Markup {
        guard !board.calls.isEmpty else { return HTML.el("p", [("class", "card big")], context.t("board.none")) }
        return HTML.el("section", [("class", "card board")], HTML.el("table", [],
            HTML.el("caption", [("class", "visually-hidden")], context.t("board.title")),
            HTML.el("thead", [], HTML.el("tr", [], children: ["portal.plate", "board.lane", "board.by"].map { HTML.el("th", [("scope", "col")], context.t($0)) })),
            HTML.el("tbody", [], children: board.calls.map { call in
                HTML.el("tr", [],
                    HTML.el("th", [("scope", "row"), ("class", "big")], .data((try? VehiclePlate(call.plate))?.display ?? call.plate)),
                    HTML.el("td", [("class", "big")], .data(call.lane)),
                    HTML.el("td", [], .data(context.dateTime(call.deadline, zone: zone))))
            })))
    }
}

/// A driver's phone: their own truck only, through the booking's link.
struct DriverPage: PageContent {
    var call: YardController.DriverCall
    var feed: String
    var zone: String

    var titleKey: String { "driver.title" }

    func body(_ context: PageContext) -> Markup {
        .join([
            LiveStatus.markup(feed: feed, context, target: "driver-live"),
            HTML.el("div", [("id", "driver-live")], Self.live(call, zone: zone, context)),
        ])
    }

    static func live(_ call: YardController.DriverCall, zone: String, _ context: PageContext) -> Markup {
        let headline: Markup = if let lane = call.lane {
            HTML.el("p", [("class", "big call")], context.t("driver.go", ["lane": lane, "time": call.deadline.map { context.dateTime($0, zone: zone) } ?? "—"]))
        } else if let position = call.position {
            HTML.el("p", [("class", "big")], context.t("driver.waiting", ["n": context.number(Double(position))]))
        } else {
            HTML.el("p", [("class", "big")], context.t("booking.state.\(call.booking)"))
        }
        let facts: [(String, Markup)] = [
            ("portal.plate", .data((try? VehiclePlate(call.plate))?.display ?? call.plate)),
            ("bookings.slot", .data("\(context.dateTime(call.slotStart, zone: zone)) – \(context.dateTime(call.slotEnd, zone: zone))")),
            ("portal.status", context.t("booking.state.\(call.booking)")),
        ]
        return .join([headline, HTML.el("section", [("class", "card")],
            HTML.el("dl", [("class", "facts")], children: facts.flatMap { key, value in [HTML.el("dt", [], context.t(key)), HTML.el("dd", [], value)] }))])
    }
}

/// Public wait times: each crossing's three figures with how each was obtained.
struct WaitTimesPage: PageContent {
    var feed: WaitTimesController.Feed

    var titleKey: String { "waits.title" }

    func body(_ context: PageContext) -> Markup {
        let minutes: (Double?) -> String = { seconds in seconds.map { context.number(($0 / 60).rounded()) } ?? "—" }
        return .join([HTML.el("p", [], context.t("waits.intro", ["time": context.dateTime(feed.generatedAt, zone: "Asia/Ho_Chi_Minh")]))] + feed.items.map { item in
            let id = "wait-\(item.gate)-\(item.direction)"
            let name = switch context.language { case .vi: item.name.vi; case .zh: item.name.zh; case .en: item.name.en }
            let facts: [(String, Markup)] = [
                ("waits.waiting", .data(context.number(Double(item.waiting)))),
                ("waits.unbooked", .data(context.number(Double(item.unbooked)))),
                ("waits.lanesOpen", .data(context.number(Double(item.lanesOpen)))),
                ("waits.measured", .join([context.t("waits.minutesP50P95", ["p50": minutes(item.measured.value.p50Seconds), "p95": minutes(item.measured.value.p95Seconds)]),
                                          HTML.el("br", []), HTML.el("small", [], context.t("waits.measuredMethod", ["n": context.number(Double(item.measured.value.passages))]))])),
                ("waits.expected", .join([context.t("waits.minutes", ["n": minutes(item.expected.value.seconds)]),
                                          HTML.el("br", []), HTML.el("small", [], context.t("waits.expectedMethod.\(item.expected.value.basis)"))])),
                ("waits.predicted", .join([HTML.el("ol", [("class", "hours")], children: item.predicted.value.map { hour in
                    HTML.el("li", [], .data(context.dateTime(hour.hourStart, zone: "Asia/Ho_Chi_Minh")), .data(": "), context.t("waits.minutes", ["n": minutes(hour.waitSeconds)]))
                }), HTML.el("small", [], context.t("waits.predictedMethod"))])),
            ]
            return HTML.el("section", [("class", "card"), ("aria-labelledby", id)],
                HTML.el("h2", [("id", id)], .data(name), .data(" · "), context.t("waits.direction.\(item.direction)")),
                HTML.el("dl", [("class", "facts")], children: facts.flatMap { key, value in [HTML.el("dt", [], context.t(key)), HTML.el("dd", [], value)] }))
        })
    }
}

/// The handlers of the yard's and the wait times' pages.
enum YardPages {
    /// `GET /yard?gate=`: the queue of the reader's yard (the first of their gates with one).
    @Sendable static func queue(_ request: Request) async throws -> Response {
        let (view, zone) = try await view(gate: try await gate(request), app: request.application)
        return try WebPage.render(YardPage(gate: view.gate, zone: zone, yard: view), request: request)
    }

    /// `GET /live/yard?gate=`: the queue as `replace` events.
    @Sendable static func live(_ request: Request) async throws -> Response {
        let gate = try await gate(request)
        let page = PageContext(request)
        let app = request.application
        return LiveEvents.polling(request, event: "replace") {
            let (view, zone) = try await YardPages.view(gate: gate, app: app)
            return Data(YardPage.live(view, zone: zone, page).html.utf8)
        }
    }

    /// `GET /board?gate=` (public).
    @Sendable static func board(_ request: Request) async throws -> Response {
        let gate = request.query[String.self, at: "gate"] ?? "kim-thanh"
        let zone = try await request.application.smartGate.gates.snapshot(on: request.db).zone(of: gate)
        return try WebPage.render(BoardPage(board: try await YardController.Board.now(gate: gate, on: request.db), zone: zone), request: request)
    }

    /// `GET /live/board?gate=` (public).
    @Sendable static func boardLive(_ request: Request) async throws -> Response {
        let gate = request.query[String.self, at: "gate"] ?? "kim-thanh"
        let zone = try await request.application.smartGate.gates.snapshot(on: request.db).zone(of: gate)
        let page = PageContext(request)
        let db = request.application.db
        return LiveEvents.polling(request, event: "replace") { Data(BoardPage.live(try await YardController.Board.now(gate: gate, on: db), zone: zone, page).html.utf8) }
    }

    /// `GET /driver/:id?token=` (the booking's link is the credential).
    @Sendable static func driver(_ request: Request) async throws -> Response {
        let booking = try await YardController.driverBooking(request)
        let zone = try await request.application.smartGate.gates.snapshot(on: request.db).zone(of: booking.gateId)
        let token = request.query[String.self, at: "token"] ?? ""
        let feed = "/live/driver/\(try booking.requireID().uuidString.lowercased())?token=\(token)"
        return try WebPage.render(DriverPage(call: try await .now(booking, on: request.db), feed: feed, zone: zone), request: request)
    }

    /// `GET /live/driver/:id?token=`.
    @Sendable static func driverLive(_ request: Request) async throws -> Response {
        let booking = try await YardController.driverBooking(request)
        let zone = try await request.application.smartGate.gates.snapshot(on: request.db).zone(of: booking.gateId)
        let page = PageContext(request)
        let db = request.application.db
        return LiveEvents.polling(request, event: "replace") { Data(DriverPage.live(try await .current(booking, on: db), zone: zone, page).html.utf8) }
    }

    /// `GET /waittimes` (public).
    @Sendable static func waitTimes(_ request: Request) async throws -> Response {
        try WebPage.render(WaitTimesPage(feed: try await WaitTimesController.crossings(request)), request: request)
    }

    /// The yard `?gate=` names, or the first the reader works at; 404 for one they do not.
    private static func gate(_ request: Request) async throws -> String {
        let user = try request.requireUser()
        let directory = try await request.application.smartGate.gates.snapshot(on: request.db)
        let yards = Set(directory.yardLanes.values.map(\.gateId)).sorted()
        let gate = request.query[String.self, at: "gate"] ?? yards.first { user.mayFollowDecisions(at: $0) } ?? ""
        guard user.mayFollowDecisions(at: gate), directory.yardEntry(of: gate) != nil else { throw AppError.notFound(kind: "yard", id: gate) }
        return gate
    }

    private static func view(gate: String, app: Application) async throws -> (YardController.YardView, String) {
        let directory = try await app.smartGate.gates.snapshot(on: app.db)
        return (try await YardController.yardView(gate: gate, context: app.smartGate, on: app.db), directory.zone(of: gate))
    }
}
