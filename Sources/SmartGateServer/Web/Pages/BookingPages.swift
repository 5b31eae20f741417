import Fluent
import Foundation
import GateKit
import Vapor

/// The trader's bookings: the slot, the truck, where it stands, the driver's link, and a
/// way to move or cancel each; a button per live declaration without one to book.
struct BookingsPage: PageContent {
    struct Item: Sendable {
        var view: BookingView
        var zone: String
        var driverLink: String
    }

    var items: [Item]
    /// Live declarations without a live booking: (id, plate).
    var unbooked: [(id: UUID, plate: String)]
    var csrf: String
    /// The enterprise's record: bookings of the last 30 days whose truck never came.
    var noShows: Int

    var titleKey: String { "bookings.title" }

    func body(_ context: PageContext) -> Markup {
        let book = unbooked.isEmpty ? HTML.el("p", [], context.t("bookings.allBooked")) : HTML.el("ul", [("class", "plain")], children: unbooked.map { trip in
            HTML.el("li", [], HTML.el("a", [("class", "button"), ("href", "/portal/book?declaration=\(trip.id.uuidString.lowercased())")],
                context.t("bookings.bookFor", ["plate": trip.plate])))
        })
        let rows = items.map { item in
            let view = item.view
            let live = view.state == BookingState.booked.rawValue
            let actions: [Markup] = live ? [
                HTML.el("a", [("href", "/portal/book?booking=\(view.id.uuidString.lowercased())")], context.t("bookings.move")),
                HTML.el("form", [("method", "post"), ("action", "/portal/bookings/\(view.id.uuidString.lowercased())/cancel"), ("class", "inline")],
                    HTML.el("input", [("type", "hidden"), ("name", WebSession.csrfField), ("value", csrf)]),
                    HTML.el("button", [("type", "submit"), ("class", "danger")], context.t("bookings.cancel"))),
            ] : []
            return HTML.el("tr", [],
                HTML.el("th", [("scope", "row")], .data((try? VehiclePlate(view.plate))?.display ?? view.plate)),
                HTML.el("td", [], .data(view.gate)),
                HTML.el("td", [], .data(context.dateTime(view.start, zone: item.zone))),
                HTML.el("td", [], context.t("booking.state.\(view.state)"), view.endedReason.map { .join([.data(" · "), .data($0)]) } ?? .empty),
                HTML.el("td", [("class", "number")], .data(context.number(Double(view.moves)))),
                HTML.el("td", [], view.state == BookingState.booked.rawValue || view.state == BookingState.inYard.rawValue
                    ? HTML.el("a", [("href", item.driverLink)], context.t("bookings.driverLink")) : .empty),
                HTML.el("td", [], children: actions))
        }
        return .join([
            HTML.el("p", [], context.t("bookings.record", ["n": context.number(Double(noShows))])),
            HTML.el("section", [("class", "card"), ("aria-labelledby", "to-book")], HTML.el("h2", [("id", "to-book")], context.t("bookings.toBook")), book),
            HTML.el("section", [("class", "card")], items.isEmpty ? HTML.el("p", [], context.t("bookings.empty")) : HTML.el("table", [],
                HTML.el("caption", [("class", "visually-hidden")], context.t("bookings.title")),
                HTML.el("thead", [], HTML.el("tr", [], children: [
                    "portal.plate", "portal.gate", "bookings.slot", "portal.status", "bookings.moves", "bookings.driver", "bookings.actions",
                ].map { HTML.el("th", [("scope", "col")], context.t($0)) })),
                HTML.el("tbody", [], children: rows))),
        ])
    }
}

/// Choosing a slot: the day's slots with their places, one to pick, and, after a refusal,
/// why beside the choice and the next slots with a place.
struct SlotPickerPage: PageContent {
    var gate: String
    var direction: String
    var date: LocalDate
    var zone: String
    var slots: [SlotView]
    var plate: String
    /// Where the form posts: a new booking for a declaration, or a move.
    var action: String
    var hidden: [(String, String)]
    var csrf: String
    var error: String?
    var offers: [SlotView] = []
    var selected: String?

    var titleKey: String { "book.title" }

    func body(_ context: PageContext) -> Markup {
        let query = hidden.filter { $0.0 != "_key" }.map { "\($0.0 == "declarationId" ? "declaration" : "booking")=\($0.1)" }.joined(separator: "&")
        let nav = HTML.el("p", [("class", "controls")],
            HTML.el("a", [("href", "/portal/book?\(query)&date=\(date.adding(days: -1))")], context.t("book.previousDay")), .data(" · "),
            HTML.el("strong", [], .data(date.description)), .data(" · "),
            HTML.el("a", [("href", "/portal/book?\(query)&date=\(date.adding(days: 1))")], context.t("book.nextDay")))
        let open = slots.filter { max($0.free, $0.freePriority) > 0 }
        let options: [(String, Markup)] = open.map { slot in
            (slot.id, context.t("book.option", ["time": context.dateTime(slot.start, zone: zone), "free": context.number(Double(max(slot.free, slot.freePriority)))]))
        }
        let form = HTML.el("form", [("method", "post"), ("action", action), ("class", "card"), ("novalidate", "")], children: [
            HTML.el("input", [("type", "hidden"), ("name", WebSession.csrfField), ("value", csrf)]),
        ] + hidden.map { HTML.el("input", [("type", "hidden"), ("name", $0.0), ("value", $0.1)]) } + [
            // With nothing left to pick, the refusal still stands where the field would.
            options.isEmpty ? .join([error.map { HTML.el("p", [("class", "error"), ("role", "alert"), ("id", "f-slotId-error")], .data($0)) } ?? .empty,
                                     HTML.el("p", [], context.t("book.noneFree"))])
                : Form.select(name: "slotId", label: context.t("field.slotId"), options: options, selected: selected ?? options.first?.0, error: error),
            offers.isEmpty ? .empty : HTML.el("div", [("class", "card")], HTML.el("p", [], context.t("book.offers")), HTML.el("ul", [], children: offers.map { offer in
                HTML.el("li", [], .data(context.dateTime(offer.start, zone: zone)), .data(" · "), context.t("book.freeCount", ["free": context.number(Double(max(offer.free, offer.freePriority)))]))
            })),
            options.isEmpty ? .empty : HTML.el("button", [("type", "submit")], context.t("book.submit")),
        ])
        let rows = slots.map { slot in
            HTML.el("tr", [],
                HTML.el("th", [("scope", "row")], .data(context.dateTime(slot.start, zone: zone))),
                HTML.el("td", [("class", "number")], .data(context.number(Double(slot.capacity)))),
                HTML.el("td", [("class", "number")], .data(context.number(Double(slot.free)))),
                HTML.el("td", [("class", "number")], .data(context.number(Double(slot.freePriority)))))
        }
        return .join([
            HTML.el("p", [], context.t("book.intro", ["plate": plate, "gate": gate])),
            nav,
            form,
            HTML.el("section", [("class", "card")], slots.isEmpty ? HTML.el("p", [], context.t("book.closed")) : HTML.el("table", [],
                HTML.el("caption", [], context.t("book.day", ["date": date.description])),
                HTML.el("thead", [], HTML.el("tr", [], children: ["bookings.slot", "book.capacity", "book.free", "book.freePriority"].map {
                    HTML.el("th", [("scope", "col")], context.t($0))
                })),
                HTML.el("tbody", [], children: rows))),
        ])
    }
}

/// The handlers of the booking pages.
enum BookingPages {
    /// `GET /portal/bookings`.
    @Sendable static func list(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let context = request.application.smartGate
        let directory = try await context.gates.snapshot(on: request.db)
        let bookings = try await BookingModel.query(on: request.db).filter(\.$declarantCode == (user.enterprise ?? ""))
            .sort(\.$createdMs, .descending).limit(100).all()
        let items = try bookings.map { booking in
            let id = try booking.requireID()
            return BookingsPage.Item(view: try booking.view(), zone: directory.zone(of: booking.gateId),
                                     driverLink: "/driver/\(id.uuidString.lowercased())?token=\(YardController.driverToken(id, context: context))")
        }
        let booked = Set(bookings.filter { $0.bookingState.isLive }.map(\.declarationId))
        let live = try await DeclarationModel.query(on: request.db).filter(\.$declarantCode == (user.enterprise ?? ""))
            .filter(\.$status ~~ [DeclarationStatus.submitted, .amended].map(\.rawValue)).sort(\.$createdMs, .descending).limit(50).all()
        let unbooked = live.filter { !booked.contains($0.id ?? UUID()) }.compactMap { model in
            model.id.map { ($0, (try? VehiclePlate(model.plate))?.display ?? model.plate) }
        }
        let noShows = try await BookingModel.query(on: request.db).filter(\.$declarantCode == (user.enterprise ?? ""))
            .filter(\.$state == BookingState.noShow.rawValue).filter(\.$slotStartMs >= request.now.addingTimeInterval(-30 * 86_400).milliseconds).count()
        return try WebPage.render(BookingsPage(items: items, unbooked: unbooked, csrf: PageContext(request).csrf ?? "", noShows: noShows), request: request)
    }

    /// `GET /portal/book?declaration=|booking=&date=`.
    @Sendable static func picker(_ request: Request) async throws -> Response {
        try await renderPicker(request, error: nil, offers: [], selected: nil, status: .ok)
    }

    /// `POST /portal/book`: books, or shows the picker again with the refusal beside the slot.
    @Sendable static func book(_ request: Request) async throws -> Response {
        let (user, context) = try await BookingsController.limited(request)
        let form = FormBody.fields(request)
        try WebSession.checkForm(request, token: form[WebSession.csrfField])
        let input = BookingInput(declarationId: form["declarationId"].flatMap(UUID.init(uuidString:)), slotId: form["slotId"] ?? "")
        let key = form["_key"].flatMap(UUID.init(uuidString:))?.uuidString.lowercased()
        switch try await BookingsController.book(input, key: key, user: user, context: context, on: request.db) {
        case .success: return request.redirect(to: "/portal/bookings", redirectType: .normal)
        case .failure(let error): return try await refused(error, request: request, selected: input.slotId)
        }
    }

    /// `POST /portal/bookings/:id/move`.
    @Sendable static func move(_ request: Request) async throws -> Response {
        let (user, context) = try await BookingsController.limited(request)
        let form = FormBody.fields(request)
        try WebSession.checkForm(request, token: form[WebSession.csrfField])
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw AppError.notFound(kind: "booking", id: request.parameters.get("id") ?? "") }
        let key = form["_key"].flatMap(UUID.init(uuidString:))?.uuidString.lowercased()
        switch try await BookingsController.move(id, to: form["slotId"] ?? "", key: key, user: user, context: context, on: request.db) {
        case .success: return request.redirect(to: "/portal/bookings", redirectType: .normal)
        case .failure(let error): return try await refused(error, request: request, selected: form["slotId"])
        }
    }

    /// `POST /portal/bookings/:id/cancel`.
    @Sendable static func cancel(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        try WebSession.checkForm(request, token: FormBody.fields(request)[WebSession.csrfField])
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw AppError.notFound(kind: "booking", id: request.parameters.get("id") ?? "") }
        _ = try await BookingsController.cancel(id, user: user, context: request.application.smartGate)
        return request.redirect(to: "/portal/bookings", redirectType: .normal)
    }

    /// A refusal on the page: a field's message beside the slot, a conflict's in the
    /// reader's language with the next free slots; anything else as the API would.
    private static func refused(_ error: AppError, request: Request, selected: String?) async throws -> Response {
        let language = PageContext(request).language
        switch error {
        case .validation(let failure):
            let message = failure.issues.map { $0.message(in: language) }.joined(separator: "; ")
            return try await renderPicker(request, error: message, offers: [], selected: selected, status: .unprocessableEntity)
        case .bookingRefused(let refusal, let offers):
            let message = refusal.detail(in: language)
            return try await renderPicker(request, error: message, offers: offers, selected: selected, status: .conflict)
        default:
            throw error
        }
    }

    /// The picker for the declaration or booking the request names (query or form).
    private static func renderPicker(_ request: Request, error: String?, offers: [SlotView], selected: String?, status: HTTPStatus) async throws -> Response {
        let user = try request.requireUser()
        let context = request.application.smartGate
        let form = request.method == .POST ? FormBody.fields(request) : [:]
        let declarationText = request.query[String.self, at: "declaration"] ?? form["declarationId"]
        let bookingText = request.query[String.self, at: "booking"] ?? request.parameters.get("id")
        var declaration: DeclarationModel?
        var booking: BookingModel?
        if let text = bookingText, let id = UUID(uuidString: text) {
            booking = try await BookingModel.find(id, on: request.db)
            guard let found = booking, user.mayChange(declarationOf: found.declarantCode), found.bookingState == .booked else { throw AppError.notFound(kind: "booking", id: text) }
            declaration = try await DeclarationModel.find(found.declarationId, on: request.db)
        } else if let text = declarationText, let id = UUID(uuidString: text) {
            declaration = try await DeclarationModel.find(id, on: request.db)
        }
        guard let declaration, user.mayChange(declarationOf: declaration.declarantCode), let declarationId = declaration.id else {
            throw AppError.notFound(kind: "declaration", id: declarationText ?? "")
        }
        let calendars = try await SlotCalendars.current(context, on: request.db)
        let trip = try declaration.trip()
        let direction: LaneDirection = trip.direction == .import ? .inbound : .outbound
        let calendar = try await calendars.calendar(gate: declaration.gateId, direction: direction, on: request.db).calendar
        // A refused choice shows the day that was chosen, not today (late in the day, today
        // has no slot left to pick).
        let date = (request.query[String.self, at: "date"]).flatMap(LocalDate.init)
            ?? selected.flatMap(SlotId.init)?.date ?? LocalDate(request.now, in: calendar.zone)
        let now = request.now
        let views = try await SlotLedger.views(of: calendar.slots(on: date, jitter: calendars.jitter).filter { $0.start > now }, at: now, on: request.db)
        let hidden: [(String, String)] = booking.map { [("booking", $0.id?.uuidString.lowercased() ?? ""), ("_key", UUID().uuidString.lowercased())] }
            ?? [("declarationId", declarationId.uuidString.lowercased()), ("_key", UUID().uuidString.lowercased())]
        let action = booking.map { "/portal/bookings/\($0.id?.uuidString.lowercased() ?? "")/move" } ?? "/portal/book"
        let page = SlotPickerPage(
            gate: declaration.gateId, direction: direction.rawValue, date: date, zone: calendar.timeZone, slots: views,
            plate: (try? VehiclePlate(declaration.plate))?.display ?? declaration.plate, action: action, hidden: hidden,
            csrf: PageContext(request).csrf ?? "", error: error, offers: offers, selected: selected)
        return try WebPage.render(page, request: request, status: status)
    }
}
