import BorderLink
import Fluent
import Foundation
import GateKit
import Vapor

/// Trucks the other side announced for the reader's gates: who sent them, what state the
/// link says they are in, whether they are held, and this side's declaration of each.
struct ArrivalsPage: PageContent {
    var items: [ArrivalView]
    var zones: [String: String]

    var titleKey: String { "arrivals.title" }

    func body(_ context: PageContext) -> Markup {
        guard !items.isEmpty else { return HTML.el("p", [("class", "card")], context.t("arrivals.empty")) }
        let rows = items.map { item in
            HTML.el("tr", [("class", item.hold != nil ? "overdue" : nil)],
                HTML.el("th", [("scope", "row")], HTML.el("a", [("href", "/declarations/\(item.id.uuidString.lowercased())")],
                    .data((try? VehiclePlate(item.plate))?.display ?? item.plate))),
                HTML.el("td", [], .data(item.peer)),
                HTML.el("td", [], .data(item.gate)),
                HTML.el("td", [], .data(context.dateTime(item.plannedArrival, zone: zones[item.gate] ?? "UTC"))),
                HTML.el("td", [], context.t("arrival.state.\(item.state)"), item.hold.map { .join([.data(": "), .data($0)]) } ?? .empty),
                HTML.el("td", [], context.t("status.\(item.declarationStatus)")),
                HTML.el("td", [], HTML.el("span", [("class", "badge badge-\(item.channel)")], context.t("channel.\(item.channel)"))))
        }
        return HTML.el("section", [("class", "card")], HTML.el("table", [],
            HTML.el("caption", [("class", "visually-hidden")], context.t("arrivals.title")),
            HTML.el("thead", [], HTML.el("tr", [], children: [
                "portal.plate", "arrivals.from", "portal.gate", "portal.planned", "arrivals.link", "portal.status", "portal.channel",
            ].map { HTML.el("th", [("scope", "col")], context.t($0)) })),
            HTML.el("tbody", [], children: rows)))
    }
}

/// The link's health, peer by peer, for customs and the admin: what waits to be sent, what
/// the other side acknowledged or refused, what this side refused, and the clock offset seen.
struct LinkStatusPage: PageContent {
    var side: String
    var peers: [LinkStatus.PeerStatus]

    var titleKey: String { "link.title" }

    func body(_ context: PageContext) -> Markup {
        let intro = HTML.el("p", [], context.t("link.intro", ["side": side]))
        guard !peers.isEmpty else { return .join([intro, HTML.el("p", [("class", "card")], context.t("link.empty"))]) }
        return .join([intro] + peers.map { peer in
            let facts: [(String, Markup)] = [
                ("link.url", .data(peer.url)),
                ("link.keys", .data(peer.keyIds.joined(separator: ", "))),
                ("link.queue", .data(context.number(Double(peer.queueDepth)))),
                ("link.oldest", .data(peer.oldestUnacknowledgedSeconds.map(context.seconds) ?? "—")),
                ("link.lastSent", .data(peer.lastSentAt.map { context.dateTime($0, zone: "UTC") } ?? "—")),
                ("link.lastAcknowledged", .data(peer.lastAcknowledgedAt.map { context.dateTime($0, zone: "UTC") } ?? "—")),
                ("link.acknowledged", .data(context.number(Double(peer.acknowledged)))),
                ("link.applied", .data(context.number(Double(peer.receivedApplied)))),
                ("link.waiting", .data(context.number(Double(peer.waitingForGap)))),
                ("link.refusedHere", refusals(peer.refusedHere, context)),
                ("link.refusedByPeer", refusals(peer.refusedByPeer, context)),
                ("link.offset", peer.clockOffsetSeconds.map { context.t("link.offsetValue", ["n": context.number(Self.tenths($0), fractionDigits: 1)]) } ?? .data("—")),
            ]
            let heading = "peer-\(peer.peer.lowercased())"
            return HTML.el("section", [("class", "card"), ("aria-labelledby", heading)],
                HTML.el("h2", [("id", heading)], .data(peer.peer)),
                HTML.el("dl", [("class", "facts")], children: facts.flatMap { key, value in [HTML.el("dt", [], context.t(key)), HTML.el("dd", [], value)] }))
        })
    }

    /// Rounded to tenths, with no negative zero (a peer 0.04 s behind is "0", not "-0").
    static func tenths(_ seconds: Double) -> Double {
        let rounded = (seconds * 10).rounded() / 10
        return rounded == 0 ? 0 : rounded
    }

    private func refusals(_ counts: [String: Int], _ context: PageContext) -> Markup {
        guard !counts.isEmpty else { return .data(context.number(0)) }
        return HTML.el("ul", [], children: counts.sorted { $0.key < $1.key }.map { reason, count in
            HTML.el("li", [], RefusalReason(rawValue: reason).map { context.t("link.reason.\($0.rawValue)") } ?? .data(reason), .data(": \(context.number(Double(count)))"))
        })
    }
}

enum LinkPages {
    /// `GET /arrivals`: the reader's gates' arrivals, newest first (100 at most).
    @Sendable static func arrivals(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let directory = try await request.application.smartGate.gates.snapshot(on: request.db)
        let gates = Array(user.gateFilter ?? directory.gateIds)
        let arrivals = try await ArrivalRecord.page(gates: gates, limit: 100, after: nil, on: request.db)
        let items = try await ArrivalView.views(of: Array(arrivals.prefix(100)), on: request.db)
        let zones = Dictionary(uniqueKeysWithValues: directory.gates.map { ($0.id, $0.timeZone) })
        return try WebPage.render(ArrivalsPage(items: items, zones: zones), request: request)
    }

    /// `GET /link`: the link's status per peer.
    @Sendable static func status(_ request: Request) async throws -> Response {
        let context = request.application.smartGate
        return try WebPage.render(
            LinkStatusPage(side: context.settings.side, peers: try await LinkStatus.peers(context, on: request.db)), request: request)
    }
}
