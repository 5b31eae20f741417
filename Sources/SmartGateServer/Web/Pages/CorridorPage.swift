import CorridorKit
import Fluent
import Foundation
import GateKit
import Vapor

/// The Kim Thành corridor drawn from its plant: roads, the one-lane span, every shuttle at
/// the node it last reported (coloured by health, filled when loaded), the window, and for
/// the corridor operator the controls: pause, emergency stop, resume, withdraw an order.
struct CorridorPage: PageContent {
    var plant: CorridorPlant
    var status: CorridorStatusView
    var orders: [CorridorOrderView]
    var operatorControls: Bool
    var csrf: String

    var titleKey: String { "corridor.title" }

    func body(_ context: PageContext) -> Markup {
        .join([
            HTML.el("section", [("class", "card")],
                LiveStatus.markup(feed: "/live/corridor", context, target: "corridor-live"),
                HTML.el("div", [("id", "corridor-live")], Self.live(plant: plant, status: status, context))),
            operatorControls ? controls(context) : .empty,
            orderList(context),
        ])
    }

    /// The part the live feed replaces: the map, the corridor's state, the fleet table.
    static func live(plant: CorridorPlant, status: CorridorStatusView, _ context: PageContext) -> Markup {
        let corridor = status.corridor
        let state: String = corridor.emergencyStop ? "corridor.emergency" : corridor.paused ? "corridor.paused" : corridor.windowOpen ? "corridor.open" : "corridor.closed"
        let window: Markup = corridor.windowOpen
            ? context.t("corridor.closesAt", ["time": corridor.windowClosesAt.map { context.dateTime($0, zone: plant.timeZone) } ?? "—"])
            : context.t("corridor.opensAt", ["time": corridor.nextOpening.map { context.dateTime($0, zone: plant.timeZone) } ?? "—"])
        return .join([
            HTML.el("p", [("class", "corridor-state")], HTML.el("strong", [], context.t(state)), .data(" · "), window,
                    .data(" · "), context.t("corridor.crossings", ["count": context.number(Double(corridor.crossings))])),
            map(plant: plant, status: status, context),
            fleet(status.items, context),
        ])
    }

    private static func map(plant: CorridorPlant, status: CorridorStatusView, _ context: PageContext) -> Markup {
        let xs = plant.points.map(\.x), ys = plant.points.map(\.y)
        let (minX, maxX, minY, maxY) = (xs.min() ?? 0, xs.max() ?? 1, ys.min() ?? 0, ys.max() ?? 1)
        let scale = min(880 / max(maxX - minX, 1), 330 / max(maxY - minY, 1))
        let points = Dictionary(uniqueKeysWithValues: plant.points.map { point in
            (point.id, (x: 40 + (point.x - minX) * scale, y: 370 - (point.y - minY) * scale))
        })
        let span = Set(plant.blocks.first { $0.id == plant.bridge.block }?.paths ?? [])
        let roads = plant.paths.compactMap { path -> Markup? in
            guard let from = points[path.from], let to = points[path.to] else { return nil }
            return HTML.el("line", [
                ("x1", format(from.x)), ("y1", format(from.y)), ("x2", format(to.x)), ("y2", format(to.y)),
                ("class", span.contains(path.id) ? "span" : "road"),
            ])
        }
        let shuttles = status.items.compactMap { vehicle -> Markup? in
            guard let at = points[vehicle.position] else { return nil }
            let health = vehicle.health == .ok ? "ok" : "alert"
            return HTML.el("g", [("class", "shuttle shuttle-\(health)\(vehicle.loaded ? " loaded" : "")")],
                HTML.el("circle", [("cx", format(at.x)), ("cy", format(at.y)), ("r", "9")]),
                HTML.el("text", [("x", format(at.x + 11)), ("y", format(at.y - 11))], .data(vehicle.id)))
        }
        return HTML.el("svg", [("viewBox", "0 0 1000 400"), ("class", "corridor-map"), ("role", "img"),
                               ("aria-label", context.text("corridor.mapLabel", ["count": String(status.items.count)]))],
            children: roads + shuttles)
    }

    private static func fleet(_ vehicles: [VehicleStatus], _ context: PageContext) -> Markup {
        HTML.el("table", [],
            HTML.el("caption", [], context.t("corridor.fleet")),
            HTML.el("thead", [], HTML.el("tr", [], children: ["corridor.vehicle", "corridor.health", "corridor.position", "corridor.battery", "corridor.load"].map {
                HTML.el("th", [("scope", "col")], context.t($0))
            })),
            HTML.el("tbody", [], children: vehicles.map { vehicle in
                HTML.el("tr", [],
                    HTML.el("th", [("scope", "row")], .data(vehicle.id)),
                    HTML.el("td", [], context.t("health.\(vehicle.health.rawValue)")),
                    HTML.el("td", [], .data(vehicle.position), vehicle.onSpan ? HTML.el("strong", [], .data(" · "), context.t("corridor.onSpan")) : .empty),
                    HTML.el("td", [("class", "number")], .data(context.percent(vehicle.batteryPercent))),
                    HTML.el("td", [], context.t(vehicle.loaded ? "corridor.loaded" : "corridor.empty")))
            }))
    }

    private func controls(_ context: PageContext) -> Markup {
        func button(_ action: String, _ key: String, emergency: Bool = false) -> Markup {
            HTML.el("form", [("method", "post"), ("action", "/corridor/\(action)"), ("class", "inline")],
                HTML.el("input", [("type", "hidden"), ("name", WebSession.csrfField), ("value", csrf)]),
                emergency ? HTML.el("input", [("type", "hidden"), ("name", "emergency"), ("value", "true")]) : .empty,
                HTML.el("button", [("type", "submit"), ("class", emergency ? "danger" : nil)], context.t(key)))
        }
        return HTML.el("section", [("class", "card controls"), ("aria-labelledby", "corridor-controls")],
            HTML.el("h2", [("id", "corridor-controls")], context.t("corridor.controls")),
            button("pause", "corridor.pause"), button("pause", "corridor.emergencyStop", emergency: true), button("resume", "corridor.resume"))
    }

    private func orderList(_ context: PageContext) -> Markup {
        guard !orders.isEmpty else { return .empty }
        return HTML.el("section", [("class", "card")], HTML.el("table", [],
            HTML.el("caption", [], context.t("corridor.orders")),
            HTML.el("thead", [], HTML.el("tr", [], children: ["corridor.container", "corridor.from", "corridor.to", "portal.status", "corridor.vehicle", "inspections.action"].map {
                HTML.el("th", [("scope", "col")], context.t($0))
            })),
            HTML.el("tbody", [], children: orders.map { order in
                HTML.el("tr", [],
                    HTML.el("th", [("scope", "row")], .data(order.container)), HTML.el("td", [], .data(order.from)), HTML.el("td", [], .data(order.to)),
                    HTML.el("td", [], context.t("order.\(order.state)")), HTML.el("td", [], .data(order.vehicle ?? "—")),
                    HTML.el("td", [], operatorControls ? HTML.el("form", [("method", "post"), ("action", "/corridor/orders/\(order.id.uuidString.lowercased())/withdraw"), ("class", "inline")],
                        HTML.el("input", [("type", "hidden"), ("name", WebSession.csrfField), ("value", csrf)]),
                        HTML.el("button", [("type", "submit")], context.t("corridor.withdraw"))) : .empty))
            })))
    }

    private static func format(_ value: Double) -> String { String(format: "%.1f", value) }
}

/// The corridor page's handlers.
enum CorridorPages {
    /// `GET /corridor`: the corridor operator's, read-only for officers at Kim Thành and the board.
    @Sendable static func show(_ request: Request) async throws -> Response {
        let user = try CorridorController.requireCorridorAccess(request)
        let operations = try CorridorController.operations(request)
        let open = ["raw", "dispatchable", "being-processed"]
        let orders = try await CorridorOrderModel.query(on: request.db).filter(\.$state ~~ open).sort(\.$createdMs, .descending).limit(30).all().map(\.view)
        let page = CorridorPage(
            plant: operations.network.plant, status: await operations.status(), orders: orders,
            operatorControls: user.role == .corridorOperator, csrf: PageContext(request).csrf ?? "")
        return try WebPage.render(page, request: request)
    }

    /// `POST /corridor/pause` (with `emergency=true`: every vehicle stops) and `/corridor/resume`.
    @Sendable static func pause(_ request: Request) async throws -> Response {
        let user = try CorridorController.requireCorridorAccess(request)
        let form = FormBody.fields(request)
        try WebSession.checkForm(request, token: form[WebSession.csrfField])
        let emergency = form["emergency"] == "true"
        try await CorridorController.operations(request).pause(emergency: emergency)
        request.logger.notice("corridor \(emergency ? "emergency stop" : "paused") by \(user.actor) on the map page")
        return request.redirect(to: "/corridor", redirectType: .normal)
    }

    @Sendable static func resume(_ request: Request) async throws -> Response {
        let user = try CorridorController.requireCorridorAccess(request)
        try WebSession.checkForm(request, token: FormBody.fields(request)[WebSession.csrfField])
        try await CorridorController.operations(request).resume()
        request.logger.notice("corridor resumed by \(user.actor) on the map page")
        return request.redirect(to: "/corridor", redirectType: .normal)
    }

    /// `POST /corridor/orders/:id/withdraw`.
    @Sendable static func withdraw(_ request: Request) async throws -> Response {
        try WebSession.checkForm(request, token: FormBody.fields(request)[WebSession.csrfField])
        _ = try await CorridorController.withdrawn(request.parameters.get("id"), request: request)
        return request.redirect(to: "/corridor", redirectType: .normal)
    }

    /// `GET /live/corridor`: the map and fleet again every 2 s, as `replace` events.
    @Sendable static func live(_ request: Request) async throws -> Response {
        _ = try CorridorController.requireCorridorAccess(request)
        let operations = try CorridorController.operations(request)
        let context = PageContext(request)
        let endAt = Date().addingTimeInterval(request.application.smartGate.settings.liveStreamSeconds)
        let response = Response(status: .ok, headers: ["Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", "X-Accel-Buffering": "no"])
        response.body = .init(asyncStream: { writer in
            do {
                repeat {
                    let html = CorridorPage.live(plant: operations.network.plant, status: await operations.status(), context).html
                    try await writer.write(.buffer(ByteBuffer(string: "retry: 3000\nevent: replace\ndata: \(LiveEvents.oneLine(html))\n\n")))
                    if Date() >= endAt || LiveEvents.stopping.withLockedValue({ $0 }) { break }
                    try await Task.sleep(for: .seconds(2))
                } while Date() < endAt && !LiveEvents.stopping.withLockedValue({ $0 })
                try await writer.write(.end)
            } catch {
                try? await writer.write(.error(error))
            }
        })
        return response
    }
}
