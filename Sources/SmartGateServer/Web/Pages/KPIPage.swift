import Fluent
import Foundation
import GateKit
import Vapor

/// The board's page: vehicles per day, time in the lane, the share sent green, and the
/// year's declared trade against the zone's target, as charts with the table beneath.
/// Aggregates only (CONTRACTS §1: never per-person data for the board).
struct KPIPage: PageContent {
    var days: [DailyKPI]
    /// The year's declared value per currency.
    var tradeByCurrency: [(currency: String, amount: Decimal)]
    var year: Int

    /// US$4.5 bn: the trade target through the zone's gates (BRIEF.md, the province's plan).
    static let annualTargetUSD: Decimal = 4_500_000_000

    var titleKey: String { "kpi.title" }

    func body(_ context: PageContext) -> Markup {
        .join([
            trade(context),
            chart("kpi.vehicles", values: days.map { Double($0.vehicles) }, format: { context.number($0) }, context),
            chart("kpi.clearanceP95", values: days.map { ($0.clearanceP95Seconds ?? 0) }, format: { context.seconds($0) }, context),
            chart("kpi.greenShare", values: days.map { ($0.greenShare ?? 0) * 100 }, format: { context.percent($0) }, context),
            table(context),
        ])
    }

    private func trade(_ context: PageContext) -> Markup {
        let usd = tradeByCurrency.first { $0.currency == "USD" }?.amount ?? 0
        let share = NSDecimalNumber(decimal: usd / Self.annualTargetUSD).doubleValue * 100
        let others = tradeByCurrency.filter { $0.currency != "USD" }.map { context.money($0.amount, currency: $0.currency) }
        return HTML.el("section", [("class", "card"), ("aria-labelledby", "kpi-trade")],
            HTML.el("h2", [("id", "kpi-trade")], context.t("kpi.trade", ["year": String(year)])),
            HTML.el("p", [("class", "big")], .data(context.money(usd, currency: "USD"))),
            HTML.el("p", [], context.t("kpi.tradeTarget", [
                "share": context.number(share, fractionDigits: 2), "target": context.money(Self.annualTargetUSD, currency: "USD"),
            ])),
            HTML.el("div", [("class", "meter"), ("role", "img"), ("aria-label", context.text("kpi.tradeTarget", [
                "share": context.number(share, fractionDigits: 2), "target": context.money(Self.annualTargetUSD, currency: "USD"),
            ]))], HTML.el("svg", [("viewBox", "0 0 100 6"), ("preserveAspectRatio", "none"), ("aria-hidden", "true")],
                HTML.el("rect", [("x", "0"), ("y", "0"), ("width", "100"), ("height", "6"), ("class", "meter-back")]),
                HTML.el("rect", [("x", "0"), ("y", "0"), ("width", String(format: "%.2f", min(100, share))), ("height", "6"), ("class", "meter-fill")]))),
            others.isEmpty ? .empty : HTML.el("p", [("class", "muted")], context.t("kpi.otherCurrencies", ["amounts": others.joined(separator: ", ")])))
    }

    /// A bar per day; the figures are in the table below for anyone who cannot see it.
    private func chart(_ key: String, values: [Double], format: (Double) -> String, _ context: PageContext) -> Markup {
        let maximum = max(values.max() ?? 0, 1)
        let width = 100.0 / Double(max(values.count, 1))
        let bars = values.enumerated().map { index, value in
            let height = 90 * value / maximum
            return HTML.el("rect", [
                ("x", String(format: "%.2f", Double(index) * width + width * 0.15)), ("y", String(format: "%.2f", 95 - height)),
                ("width", String(format: "%.2f", width * 0.7)), ("height", String(format: "%.2f", height)), ("class", "bar"),
            ], HTML.el("title", [], .data("\(days[index].day): \(format(value))")))
        }
        let id = "kpi-" + key.replacingOccurrences(of: ".", with: "-")
        let last = values.last.map(format) ?? "—"
        return HTML.el("section", [("class", "card"), ("aria-labelledby", id)],
            HTML.el("h2", [("id", id)], context.t(key)),
            HTML.el("p", [], context.t("kpi.today", ["value": last])),
            HTML.el("svg", [("viewBox", "0 0 100 100"), ("preserveAspectRatio", "none"), ("class", "chart"), ("role", "img"),
                            ("aria-label", context.text(key) + " · " + context.text("kpi.today", ["value": last]))],
                children: [HTML.el("line", [("x1", "0"), ("y1", "95"), ("x2", "100"), ("y2", "95"), ("class", "axis")])] + bars))
    }

    private func table(_ context: PageContext) -> Markup {
        let header = ["kpi.day", "kpi.vehicles", "kpi.released", "kpi.clearanceMean", "kpi.clearanceP95", "kpi.declarations", "kpi.greenShare"]
        let rows = days.reversed().map { day in
            HTML.el("tr", [],
                HTML.el("th", [("scope", "row")], .data(day.day)),
                HTML.el("td", [("class", "number")], .data(context.number(Double(day.vehicles)))),
                HTML.el("td", [("class", "number")], .data(context.number(Double(day.released)))),
                HTML.el("td", [("class", "number")], .data(day.clearanceMeanSeconds.map { context.seconds($0) } ?? "—")),
                HTML.el("td", [("class", "number")], .data(day.clearanceP95Seconds.map { context.seconds($0) } ?? "—")),
                HTML.el("td", [("class", "number")], .data(context.number(Double(day.declarations)))),
                HTML.el("td", [("class", "number")], .data(day.greenShare.map { context.percent($0 * 100) } ?? "—")))
        }
        return HTML.el("section", [("class", "card")], HTML.el("table", [],
            HTML.el("caption", [], context.t("kpi.tableCaption")),
            HTML.el("thead", [], HTML.el("tr", [], children: header.map { HTML.el("th", [("scope", "col")], context.t($0)) })),
            HTML.el("tbody", [], children: rows)))
    }
}

enum KPIPages {
    /// How many days the charts show.
    static let days = 14
    /// The zone the board counts days in: the Vietnamese side's.
    static let zone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!

    /// `GET /kpi`.
    @Sendable static func show(_ request: Request) async throws -> Response {
        let now = request.now
        let since = now.addingTimeInterval(-Double(days + 1) * 86_400).milliseconds
        let decisions = try await LaneDecisionModel.query(on: request.db).filter(\.$decidedMs >= since)
            .field(\.$decidedMs).field(\.$outcome).all()
            .map { GateKPIs.Decision(at: Date(milliseconds: $0.decidedMs), released: $0.outcome == DecisionOutcome.release.rawValue) }
        let passages = try await PassageModel.query(on: request.db).filter(\.$decidedMs >= since)
            .field(\.$openedMs).field(\.$decidedMs).all()
            .compactMap { passage in passage.decidedMs.map { GateKPIs.Passage(opened: Date(milliseconds: passage.openedMs), decided: Date(milliseconds: $0)) } }
        let declared = try await DeclarationModel.query(on: request.db).filter(\.$createdMs >= since)
            .field(\.$createdMs).field(\.$channel).all()
            .map { GateKPIs.Declared(at: Date(milliseconds: $0.createdMs), channel: GateKit.Channel(rawValue: $0.channel) ?? .red) }
        let kpis = GateKPIs.daily(decisions: decisions, passages: passages, declarations: declared, days: days, now: now, zone: zone)
        let (year, trade) = try await tradeThisYear(now: now, on: request.db)
        return try WebPage.render(KPIPage(days: kpis, tradeByCurrency: trade, year: year), request: request)
    }

    /// Declared goods value this calendar year, per currency. Released, crossed and closed
    /// trips count (trade that went through the gate); no exchange rate is applied.
    private static func tradeThisYear(now: Date, on db: any Database) async throws -> (Int, [(currency: String, amount: Decimal)]) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let year = calendar.component(.year, from: now)
        let start = calendar.date(from: DateComponents(year: year, month: 1, day: 1)) ?? now
        let through = [DeclarationStatus.released, .crossed, .closed].map(\.rawValue)
        let models = try await DeclarationModel.query(on: db).filter(\.$createdMs >= start.milliseconds).filter(\.$status ~~ through).all()
        var sums: [String: Decimal] = [:]
        for model in models {
            guard let trip = try? model.trip() else { continue }
            for line in trip.goods { sums[line.value.currency.value, default: 0] += line.value.amount }
        }
        return (year, sums.map { ($0.key, $0.value) }.sorted { $0.currency < $1.currency })
    }
}
