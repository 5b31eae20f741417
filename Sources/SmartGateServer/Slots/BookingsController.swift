import Fluent
import Foundation
import GateKit
import Vapor

/// `/api/v1/bookings`: a declarant books a slot for a live declaration of its own
/// enterprise, moves it a capped number of times a day, or cancels it; staff read the
/// bookings of their gates.
enum BookingsController {
    static let createScope = "POST /api/v1/bookings"
    static let moveScope = "POST /api/v1/bookings/move"

    /// `POST /api/v1/bookings {declarationId, slotId}` → 201, or 409 with the next free
    /// slots. Accepts `Idempotency-Key`.
    @Sendable static func create(_ request: Request) async throws -> Response {
        let (user, context) = try await limited(request)
        let key = try IdempotencyKeys.key(of: request)
        let input = try BookingInput.parse(try request.jsonBody(), declaration: true)
        let answer = try await book(input, key: key, user: user, context: context, on: request.db)
        return try answer.get().created { "/api/v1/bookings/\($0)" }
    }

    /// What the writer's job answers: the stored answer, an error, or a booking refusal whose
    /// offers are read after the job (outside the writer, whose time is every booker's).
    enum Written: Sendable {
        case answer(StoredAnswer)
        case failed(AppError)
        case refused(BookingRefusal, priority: Bool, gate: String, direction: String)
    }

    /// Books for the API and the portal alike: the stored answer, or why not.
    static func book(_ input: BookingInput, key: String?, user: UserIdentity, context: SmartGateContext, on reader: any Database) async throws -> Result<StoredAnswer, AppError> {
        let calendars = try await SlotCalendars.current(context, on: reader)
        guard let found = try await calendars.slot(input.slotId, on: reader) else { return .failure(noSuchSlot(input.slotId)) }
        let scope = "\(createScope) \(user.actor)"
        let requestHash = WireJSON.digest(try WireJSON.encode(["declarationId": input.declarationId?.uuidString ?? "", "slotId": input.slotId]))
        let audit = context.audit
        let written: Written
        do {
            written = try await context.commits.perform { db -> Written in
                if let key, let earlier = try await IdempotencyKeys.replay(scope: scope, key: key, requestHash: requestHash, on: db) { return .answer(earlier) }
                guard let id = input.declarationId, let declaration = try await DeclarationModel.find(id, on: db),
                      user.mayChange(declarationOf: declaration.declarantCode) else {
                    return .failed(.notFound(kind: "declaration", id: input.declarationId?.uuidString ?? ""))
                }
                let now = context.now
                switch try await Bookings.book(declaration, into: found, actor: user.actor, audit: audit, at: now, on: db) {
                case .refused(let refusal, let priority):
                    return .refused(refusal, priority: priority, gate: declaration.gateId, direction: declaration.direction)
                case .done(let booking):
                    let token = YardController.driverToken(try booking.requireID(), context: context)
                    let answer = StoredAnswer(status: 201, body: try WireJSON.encode(try booking.view(driverToken: token)))
                    if let key { try await IdempotencyKeys.store(answer, scope: scope, key: key, requestHash: requestHash, at: now, on: db) }
                    return .answer(answer)
                }
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // Another instance booked the same declaration, plate or driver a moment ago.
            written = .refused(.alreadyBooked, priority: false, gate: "", direction: "")
        }
        let answer = try await result(written, found: found, calendars: calendars, now: context.now, on: reader)
        context.metrics.booking(outcome: (try? answer.get()) == nil ? "refused" : "granted")
        return answer
    }

    /// The writer's answer as the caller gets it, a refusal with the slots offered instead.
    private static func result(_ written: Written, found: (calendar: SlotCalendar, slot: Slot), calendars: SlotCalendars, now: Date, on reader: any Database) async throws -> Result<StoredAnswer, AppError> {
        switch written {
        case .answer(let answer): return .success(answer)
        case .failed(let error): return .failure(error)
        case .refused(let refusal, let priority, let gate, let direction):
            if let code = refusal.fieldIssue {
                let params = ["gate": gate, "direction": direction, "days": "\(found.calendar.horizonDays)", "actual": found.slot.id.description]
                return .failure(.validation(ValidationFailure([Issue(field: "slotId", code, params)])))
            }
            let offers = try await Bookings.offers(found.calendar, calendars: calendars, priority: priority, now: now, for: refusal, on: reader)
            return .failure(.bookingRefused(refusal, nextFree: offers))
        }
    }

    /// `POST /api/v1/bookings/{id}/move {slotId}`: the same booking in another slot, at most
    /// the calendar's moves a day. Accepts `Idempotency-Key`.
    @Sendable static func move(_ request: Request) async throws -> Response {
        let (user, context) = try await limited(request)
        let id = try bookingId(request)
        let key = try IdempotencyKeys.key(of: request)
        let input = try BookingInput.parse(try request.jsonBody(), declaration: false)
        let stored = try await move(id, to: input.slotId, key: key, user: user, context: context, on: request.db).get()
        return WireJSON.response(data: stored.body, status: HTTPStatus(statusCode: stored.status))
    }

    /// Moves for the API and the portal alike: the stored answer, or why not.
    static func move(_ id: UUID, to slotId: String, key: String?, user: UserIdentity, context: SmartGateContext, on reader: any Database) async throws -> Result<StoredAnswer, AppError> {
        let calendars = try await SlotCalendars.current(context, on: reader)
        guard let found = try await calendars.slot(slotId, on: reader) else { return .failure(noSuchSlot(slotId)) }
        let scope = "\(moveScope) \(user.actor) \(id.uuidString)"
        let requestHash = WireJSON.digest(Data(slotId.utf8))
        let audit = context.audit
        let written = try await context.commits.perform { db -> Written in
            if let key, let earlier = try await IdempotencyKeys.replay(scope: scope, key: key, requestHash: requestHash, on: db) { return .answer(earlier) }
            guard let booking = try await BookingModel.find(id, on: db), user.mayChange(declarationOf: booking.declarantCode) else {
                return .failed(.notFound(kind: "booking", id: id.uuidString))
            }
            let now = context.now
            switch try await Bookings.move(booking, to: found, actor: user.actor, audit: audit, at: now, on: db) {
            case .refused(let refusal, let priority):
                return .refused(refusal, priority: priority, gate: booking.gateId, direction: booking.direction)
            case .done(let booking):
                let answer = StoredAnswer(status: 200, body: try WireJSON.encode(try booking.view()))
                if let key { try await IdempotencyKeys.store(answer, scope: scope, key: key, requestHash: requestHash, at: now, on: db) }
                return .answer(answer)
            }
        }
        return try await result(written, found: found, calendars: calendars, now: context.now, on: reader)
    }

    /// `POST /api/v1/bookings/{id}/cancel`: gives the place back. Cancelling a cancelled
    /// booking answers it as it is, so a retry is safe.
    @Sendable static func cancel(_ request: Request) async throws -> Response {
        try WireJSON.response(try await cancel(try bookingId(request), user: try request.requireUser(), context: request.application.smartGate))
    }

    /// Cancels for the API and the portal alike.
    static func cancel(_ id: UUID, user: UserIdentity, context: SmartGateContext) async throws -> BookingView {
        let audit = context.audit
        let view = try await context.commits.perform { db -> BookingView? in
            guard let booking = try await BookingModel.find(id, on: db), user.mayChange(declarationOf: booking.declarantCode) else { return nil }
            if booking.bookingState == .booked {
                try await Bookings.end(booking, as: .cancelled, reason: nil, actor: user.actor, audit: audit, at: context.now, on: db)
            }
            return try booking.view()
        }
        guard let view else { throw AppError.notFound(kind: "booking", id: id.uuidString) }
        guard view.state == BookingState.cancelled.rawValue else {
            throw AppError.conflict("The booking is \(view.state); only a booking whose truck has not reached the yard can be cancelled.")
        }
        return view
    }

    /// `GET /api/v1/bookings/{id}`: the declarant's own, staff at its gate, an admin.
    @Sendable static func read(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let id = try bookingId(request)
        guard let booking = try await BookingModel.find(id, on: request.db), mayRead(booking, user) else {
            throw AppError.notFound(kind: "booking", id: id.uuidString)
        }
        let token = user.role == .declarant ? YardController.driverToken(id, context: request.application.smartGate) : nil
        return try WireJSON.response(try booking.view(driverToken: token), headers: ["ETag": "\"\(booking.version)\""])
    }

    /// `GET /api/v1/bookings?state=&declarationId=&gate=&limit=&cursor=`, newest first.
    @Sendable static func list(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let page = try PageRequest(request)
        let query = BookingModel.query(on: request.db)
        if user.role == .declarant {
            query.filter(\.$declarantCode == (user.enterprise ?? ""))
        } else if let gates = user.gateFilter {
            query.filter(\.$gateId ~~ Array(gates))
        }
        var issues: [Issue] = []
        if let state = request.query[String.self, at: "state"], !state.isEmpty {
            if BookingState(rawValue: state) == nil { issues.append(Issue(field: "state", .filterValue, ["actual": state])) }
            query.filter(\.$state == state)
        }
        if let raw = request.query[String.self, at: "declarationId"], !raw.isEmpty {
            if let id = UUID(uuidString: raw) { query.filter(\.$declarationId == id) } else { issues.append(Issue(field: "declarationId", .filterValue, ["actual": raw])) }
        }
        if let gate = request.query[String.self, at: "gate"], !gate.isEmpty { query.filter(\.$gateId == gate) }
        if !issues.isEmpty { throw AppError.validation(ValidationFailure(issues)) }
        let models = try await query.page(page, by: \.$createdMs, descending: true).all()
        let shown = Array(models.prefix(page.limit))
        let next = models.count > page.limit ? shown.last.map { PageRequest.cursor(ms: $0.createdMs, id: $0.id) } : nil
        let context = request.application.smartGate
        let items = try shown.map { try $0.view(driverToken: user.role == .declarant ? YardController.driverToken(try $0.requireID(), context: context) : nil) }
        return try WireJSON.response(Page(items: items, nextCursor: next))
    }

    static func mayRead(_ booking: BookingModel, _ user: UserIdentity) -> Bool {
        switch user.role {
        case .declarant: user.enterprise == booking.declarantCode
        case .admin: true
        default: user.mayFollowDecisions(at: booking.gateId)
        }
    }

    /// The declarant, after the per-account booking budget (CONTRACTS §11).
    static func limited(_ request: Request) async throws -> (UserIdentity, SmartGateContext) {
        let user = try request.requireUser()
        let context = request.application.smartGate
        if let retryAfter = await context.gatekeeper.limiter.take(
            "book:\(user.actor)", perMinute: context.settings.rateLimits.bookingPerMinute, now: request.now, on: request.db) {
            throw AppError.rateLimited(retryAfter: retryAfter)
        }
        return (user, context)
    }

    private static func bookingId(_ request: Request) throws -> UUID {
        let raw = request.parameters.get("id") ?? ""
        guard let id = UUID(uuidString: raw) else { throw AppError.notFound(kind: "booking", id: raw) }
        return id
    }

    static func noSuchSlot(_ text: String) -> AppError {
        .validation(ValidationFailure([Issue(field: "slotId", .bookingNoSuchSlot, ["actual": String(text.prefix(80))])]))
    }
}

/// The body of a booking or a move.
struct BookingInput: Sendable {
    var declarationId: UUID?
    var slotId: String

    static func parse(_ json: JSONValue, declaration: Bool) throws -> BookingInput {
        var reader = FieldReader()
        let root = reader.object(json, at: "") ?? [:]
        reader.refuseUnknown(in: root, allowed: declaration ? ["declarationId", "slotId"] : ["slotId"])
        let id = declaration ? reader.parse(root["declarationId"], at: "declarationId", maxLength: 36) { text throws(Issue) in
            guard let id = UUID(uuidString: text) else { throw Issue(.pattern, ["description": "a UUID", "actual": text]) }
            return id
        } : nil
        let slot = reader.parse(root["slotId"], at: "slotId", maxLength: 120) { text throws(Issue) in
            guard SlotId(text) != nil else { throw Issue(.pattern, ["description": "gate.direction.yyyy-MM-ddTHH:mm", "actual": text]) }
            return text
        }
        do throws(ValidationFailure) { try reader.finish() } catch { throw AppError.validation(error) }
        return BookingInput(declarationId: id, slotId: slot ?? "")
    }
}
