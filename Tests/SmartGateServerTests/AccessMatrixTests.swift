import Fluent
import Foundation
import GateKit
import Testing
import VaporTesting
@testable import SmartGateServer

/// Who may call what (CONTRACTS §1), walked over every route the router has. The
/// expected outcome of every (route, caller) pair is written by hand below; a route with
/// no row fails the suite, so a new endpoint cannot ship without a rule.
@Suite("Role × route matrix")
struct AccessMatrixTests {
    enum Outcome: String, CustomStringConvertible {
        /// Through the door: a 2xx.
        case allowed
        /// 401: no valid credential.
        case unauthenticated
        /// 403: a valid credential without the right.
        case forbidden
        /// 404: another enterprise's or gate's object, not disclosed.
        case hidden

        var description: String { rawValue }
    }

    /// Every caller the matrix tries on every route.
    static let callers: [TestCaller] = [.anonymous, .forgedToken, .expiredToken]
        + Role.allCases.map(TestCaller.role)
        + [.otherDeclarant, .elsewhere(.customsOfficer), .elsewhere(.gateOperator), .device(lane: "kim-thanh-out-1"), .device(lane: "kim-thanh-out-2"),
           .device(lane: "kim-thanh-yard-in-1")]

    /// One route's row: who gets through, who gets a 404, who a 401; everyone else a 403.
    struct Row {
        var allowed: Set<TestCaller>
        var hidden: Set<TestCaller> = []
        var unauthenticated: Set<TestCaller> = [.anonymous, .forgedToken, .expiredToken]

        func expected(_ caller: TestCaller) -> Outcome {
            if allowed.contains(caller) { return .allowed }
            if hidden.contains(caller) { return .hidden }
            if unauthenticated.contains(caller) { return .unauthenticated }
            return .forbidden
        }
    }

    static let everyone = Set(callers)
    static let allUsers: Set<TestCaller> = Set(Role.allCases.map(TestCaller.role) + [.otherDeclarant, .elsewhere(.customsOfficer), .elsewhere(.gateOperator)])
    static let devices: Set<TestCaller> = [.device(lane: "kim-thanh-out-1"), .device(lane: "kim-thanh-out-2"), .device(lane: "kim-thanh-yard-in-1")]
    static let slotReaders: Set<TestCaller> = staffHere.union(staffElsewhere).union([.role(.admin), .role(.declarant), .otherDeclarant])
    static let staffHere: Set<TestCaller> = [.role(.customsOfficer), .role(.borderGuard), .role(.quarantineOfficer), .role(.gateOperator)]
    static let staffElsewhere: Set<TestCaller> = [.elsewhere(.customsOfficer), .elsewhere(.gateOperator)]

    /// The matrix, by route (`METHOD /path/:param`), written by hand.
    static let rows: [String: Row] = [
        "GET /health": Row(allowed: everyone, unauthenticated: []),
        "GET /health/roles/:role": Row(allowed: everyone, unauthenticated: []),
        "GET /openapi.json": Row(allowed: everyone, unauthenticated: []),
        // Tests are not on loopback: only an admin reads metrics (devices present no user).
        "GET /metrics": Row(allowed: [.role(.admin)], unauthenticated: Set<TestCaller>([.anonymous, .forgedToken, .expiredToken]).union(devices)),
        "POST /api/v1/auth/login": Row(allowed: everyone, unauthenticated: []),
        "POST /api/v1/auth/logout": Row(allowed: allUsers),
        "GET /api/v1/auth/me": Row(allowed: allUsers),
        "GET /api/v1/gates": Row(allowed: allUsers.union(devices)),
        "POST /api/v1/declarations": Row(allowed: [.role(.declarant)]),
        "GET /api/v1/declarations": Row(allowed: staffHere.union(staffElsewhere).union([.role(.admin), .role(.declarant), .otherDeclarant])),
        "GET /api/v1/declarations/:id": Row(
            allowed: staffHere.union([.role(.admin), .role(.declarant)]), hidden: staffElsewhere.union([.otherDeclarant])),
        "PATCH /api/v1/declarations/:id": Row(allowed: [.role(.declarant)], hidden: [.otherDeclarant]),
        "POST /api/v1/declarations/:id/cancel": Row(allowed: [.role(.declarant)], hidden: [.otherDeclarant]),
        "POST /api/v1/lanes/:laneId/readings": Row(allowed: [.device(lane: "kim-thanh-out-1")]),
        "GET /api/v1/decisions": Row(allowed: staffHere.union(staffElsewhere).union([.role(.admin)])),
        // Slot booking: calendars are read by staff and traders, written by the gate's
        // operators and admins; a booking is its enterprise's (another's is 404); the yard's
        // cameras are its device keys; the board, the wait times and a driver's link are public.
        "GET /api/v1/slots": Row(allowed: slotReaders),
        "GET /api/v1/slot-calendars/:gate/:direction": Row(allowed: slotReaders),
        "PUT /api/v1/slot-calendars/:gate/:direction": Row(allowed: [.role(.gateOperator), .role(.admin)]),
        "POST /api/v1/bookings": Row(allowed: [.role(.declarant)], hidden: [.otherDeclarant]),
        "GET /api/v1/bookings": Row(allowed: slotReaders),
        "GET /api/v1/bookings/:id": Row(allowed: staffHere.union([.role(.admin), .role(.declarant)]), hidden: staffElsewhere.union([.otherDeclarant])),
        "POST /api/v1/bookings/:id/move": Row(allowed: [.role(.declarant)], hidden: [.otherDeclarant]),
        "POST /api/v1/bookings/:id/cancel": Row(allowed: [.role(.declarant)], hidden: [.otherDeclarant]),
        "GET /api/v1/bookings/:id/call": Row(allowed: everyone, unauthenticated: []),
        "GET /api/v1/bookings/:id/call/live": Row(allowed: everyone, unauthenticated: []),
        "POST /api/v1/yard/lanes/:laneId/readings": Row(allowed: [.device(lane: "kim-thanh-yard-in-1")]),
        "GET /api/v1/yard": Row(allowed: staffHere.union([.role(.admin)]), hidden: staffElsewhere),
        "GET /api/v1/yard/board": Row(allowed: everyone, unauthenticated: []),
        "GET /api/v1/yard/board/live": Row(allowed: everyone, unauthenticated: []),
        "GET /api/v1/waittimes": Row(allowed: everyone, unauthenticated: []),
        "GET /portal/bookings": Row(allowed: [.role(.declarant), .otherDeclarant], unauthenticated: pageStrangers),
        "GET /portal/book": Row(allowed: [.role(.declarant)], hidden: [.otherDeclarant], unauthenticated: pageStrangers),
        "POST /portal/book": Row(allowed: [.role(.declarant)], hidden: [.otherDeclarant], unauthenticated: pageStrangers),
        "POST /portal/bookings/:id/move": Row(allowed: [.role(.declarant)], hidden: [.otherDeclarant], unauthenticated: pageStrangers),
        "POST /portal/bookings/:id/cancel": Row(allowed: [.role(.declarant)], hidden: [.otherDeclarant], unauthenticated: pageStrangers),
        "GET /yard": Row(allowed: staffHere.union([.role(.admin)]), hidden: staffElsewhere, unauthenticated: pageStrangers),
        "GET /live/yard": Row(allowed: staffHere.union([.role(.admin)]), hidden: staffElsewhere, unauthenticated: pageStrangers),
        "GET /board": Row(allowed: everyone, unauthenticated: []),
        "GET /live/board": Row(allowed: everyone, unauthenticated: []),
        "GET /driver/:id": Row(allowed: everyone, unauthenticated: []),
        "GET /live/driver/:id": Row(allowed: everyone, unauthenticated: []),
        "GET /waittimes": Row(allowed: everyone, unauthenticated: []),
        // The link: its identity is public; its inbox, outbox and ledger admit only a peer's
        // signed request, which no user or device can make (a peer's own rows are in
        // BorderLinkPairTests); its status is customs' and the admin's.
        "GET /api/v1/link/identity": Row(allowed: everyone, unauthenticated: []),
        "POST /api/v1/link/inbox": Row(allowed: [], unauthenticated: everyone),
        "GET /api/v1/link/outbox": Row(allowed: [], unauthenticated: everyone),
        "GET /api/v1/link/ledger": Row(allowed: [], unauthenticated: everyone),
        "GET /api/v1/link/status": Row(allowed: [.role(.admin), .role(.customsOfficer), .elsewhere(.customsOfficer)]),
        "GET /api/v1/arrivals": Row(allowed: staffHere.union(staffElsewhere).union([.role(.admin)])),
        "GET /api/v1/audit": Row(allowed: [.role(.admin), .role(.customsOfficer)], hidden: [.elsewhere(.customsOfficer)]),
        "GET /api/v1/audit/head": Row(allowed: [.role(.admin), .role(.customsOfficer), .elsewhere(.customsOfficer)]),
        // Rules at kim-thanh: customs there and admin; customs elsewhere may not create
        // one for kim-thanh (403) and does not see it (404).
        "POST /api/v1/risk/rules": Row(allowed: [.role(.admin), .role(.customsOfficer)]),
        "GET /api/v1/risk/rules": Row(allowed: [.role(.admin), .role(.customsOfficer), .elsewhere(.customsOfficer)]),
        "GET /api/v1/risk/rules/:id": Row(allowed: [.role(.admin), .role(.customsOfficer)], hidden: [.elsewhere(.customsOfficer)]),
        "PUT /api/v1/risk/rules/:id": Row(allowed: [.role(.admin), .role(.customsOfficer)], hidden: [.elsewhere(.customsOfficer)]),
        "DELETE /api/v1/risk/rules/:id": Row(allowed: [.role(.admin), .role(.customsOfficer)], hidden: [.elsewhere(.customsOfficer)]),
        "GET /api/v1/risk/model": Row(allowed: [.role(.admin), .role(.customsOfficer), .elsewhere(.customsOfficer)]),
        // Inspections of fresh fruit at kim-thanh: customs and quarantine there; not admin.
        "GET /api/v1/inspections": Row(allowed: [.role(.customsOfficer), .role(.quarantineOfficer), .elsewhere(.customsOfficer)]),
        "PUT /api/v1/inspections/duty": Row(allowed: [.role(.customsOfficer), .role(.quarantineOfficer)]),
        "GET /api/v1/inspections/:id": Row(allowed: [.role(.customsOfficer), .role(.quarantineOfficer)], hidden: [.elsewhere(.customsOfficer)]),
        "POST /api/v1/inspections/:id/claim": Row(
            allowed: [.role(.customsOfficer), .role(.quarantineOfficer)], hidden: [.elsewhere(.customsOfficer)]),
        "POST /api/v1/inspections/:id/release": Row(
            allowed: [.role(.customsOfficer), .role(.quarantineOfficer)], hidden: [.elsewhere(.customsOfficer)]),
        "POST /api/v1/inspections/:id/outcome": Row(
            allowed: [.role(.customsOfficer), .role(.quarantineOfficer)], hidden: [.elsewhere(.customsOfficer)]),
        // The corridor is Kim Thành's: staff posted elsewhere are refused its fleet, see an
        // empty order list, and its orders answer them 404.
        "GET /api/v1/corridor/vehicles": Row(allowed: staffHere.union([.role(.corridorOperator), .role(.boardViewer)])),
        "GET /api/v1/corridor/orders": Row(allowed: staffHere.union(staffElsewhere).union([.role(.corridorOperator), .role(.boardViewer)])),
        "GET /api/v1/corridor/orders/:id": Row(
            allowed: staffHere.union([.role(.corridorOperator), .role(.boardViewer)]), hidden: staffElsewhere),
        "POST /api/v1/corridor/orders": Row(allowed: [.role(.corridorOperator)]),
        "GET /api/v1/corridor/vehicles/:id/link": Row(allowed: [.role(.corridorOperator)]),
        "POST /api/v1/corridor/orders/:id/withdraw": Row(allowed: [.role(.corridorOperator)]),
        "POST /api/v1/corridor/pause": Row(allowed: [.role(.corridorOperator)]),
        "POST /api/v1/corridor/resume": Row(allowed: [.role(.corridorOperator)]),
        // The pages: the same rules, signed in by cookie; "unauthenticated" is the way to
        // the sign-in page, a device key is no session, another's object a 404 page.
        "GET /assets/:file": Row(allowed: everyone, unauthenticated: []),
        "GET /": Row(allowed: allUsers, unauthenticated: pageStrangers),
        "GET /sign-in": Row(allowed: everyone, unauthenticated: []),
        "POST /sign-in": Row(allowed: everyone, unauthenticated: []),
        "POST /sign-out": Row(allowed: allUsers, unauthenticated: pageStrangers),
        "GET /gates": Row(
            allowed: staffHere.union(staffElsewhere).union([.role(.admin), .role(.boardViewer), .role(.corridorOperator)]), unauthenticated: pageStrangers),
        "GET /decisions": Row(allowed: staffHere.union(staffElsewhere).union([.role(.admin)]), unauthenticated: pageStrangers),
        // The corridor's pages, as its API: staff posted elsewhere are refused the map.
        "GET /corridor": Row(allowed: staffHere.union([.role(.corridorOperator), .role(.boardViewer)]), unauthenticated: pageStrangers),
        "GET /live/corridor": Row(allowed: staffHere.union([.role(.corridorOperator), .role(.boardViewer)]), unauthenticated: pageStrangers),
        "POST /corridor/pause": Row(allowed: [.role(.corridorOperator)], unauthenticated: pageStrangers),
        "POST /corridor/resume": Row(allowed: [.role(.corridorOperator)], unauthenticated: pageStrangers),
        "POST /corridor/orders/:id/withdraw": Row(allowed: [.role(.corridorOperator)], unauthenticated: pageStrangers),
        "GET /kpi": Row(
            allowed: staffHere.union(staffElsewhere).union([.role(.admin), .role(.boardViewer), .role(.corridorOperator)]), unauthenticated: pageStrangers),
        "GET /twin": Row(allowed: [.role(.admin), .role(.boardViewer)], unauthenticated: pageStrangers),
        "GET /twin/report": Row(allowed: [.role(.admin), .role(.boardViewer)], unauthenticated: pageStrangers),
        "GET /live/decisions": Row(allowed: staffHere.union(staffElsewhere).union([.role(.admin)]), unauthenticated: pageStrangers),
        "GET /declarations/:id": Row(
            allowed: staffHere.union([.role(.admin), .role(.declarant)]), hidden: staffElsewhere.union([.otherDeclarant]), unauthenticated: pageStrangers),
        "GET /arrivals": Row(allowed: staffHere.union(staffElsewhere).union([.role(.admin)]), unauthenticated: pageStrangers),
        "GET /link": Row(allowed: [.role(.admin), .role(.customsOfficer), .elsewhere(.customsOfficer)], unauthenticated: pageStrangers),
        "GET /portal": Row(allowed: [.role(.declarant), .otherDeclarant], unauthenticated: pageStrangers),
        "GET /portal/new": Row(allowed: [.role(.declarant), .otherDeclarant], unauthenticated: pageStrangers),
        "POST /portal/new": Row(allowed: [.role(.declarant), .otherDeclarant], unauthenticated: pageStrangers),
        "GET /portal/declarations/:id/amend": Row(allowed: [.role(.declarant)], hidden: [.otherDeclarant], unauthenticated: pageStrangers),
        "POST /portal/declarations/:id/amend": Row(allowed: [.role(.declarant)], hidden: [.otherDeclarant], unauthenticated: pageStrangers),
        "GET /inspections": Row(allowed: [.role(.customsOfficer), .role(.quarantineOfficer), .elsewhere(.customsOfficer)], unauthenticated: pageStrangers),
        "GET /inspections/:id": Row(
            allowed: [.role(.customsOfficer), .role(.quarantineOfficer)], hidden: [.elsewhere(.customsOfficer)], unauthenticated: pageStrangers),
        "POST /inspections/:id/claim": Row(
            allowed: [.role(.customsOfficer), .role(.quarantineOfficer)], hidden: [.elsewhere(.customsOfficer)], unauthenticated: pageStrangers),
        "POST /inspections/:id/release": Row(
            allowed: [.role(.customsOfficer), .role(.quarantineOfficer)], hidden: [.elsewhere(.customsOfficer)], unauthenticated: pageStrangers),
        "POST /inspections/:id/outcome": Row(
            allowed: [.role(.customsOfficer), .role(.quarantineOfficer)], hidden: [.elsewhere(.customsOfficer)], unauthenticated: pageStrangers),
    ]

    /// Who reaches a page without a session: no cookie, a bad one, or a device key.
    static let pageStrangers: Set<TestCaller> = Set<TestCaller>([.anonymous, .forgedToken, .expiredToken]).union(devices)

    static func key(_ route: Route) -> String {
        "\(route.method.rawValue) /" + route.path.map(\.description).joined(separator: "/")
    }

    @Test("every route has a row in the matrix and an access rule, and every row a route")
    func everyRouteHasARow() async throws {
        try await withSmartGate(.sqlite) { app in
            let routes = app.routes.all
            let keys = Set(routes.map(Self.key))
            #expect(keys.subtracting(Self.rows.keys).sorted() == [], "routes without a row in the matrix")
            #expect(Set(Self.rows.keys).subtracting(keys).sorted() == [], "rows for routes that do not exist")
            #expect(routes.filter { $0.accessRule == nil }.map(Self.key) == [], "routes without an access rule")
        }
    }

    /// A page's form post that passes every check but the door's: the caller's form token
    /// (a fresh session for sign-out, which would end the caller's shared one).
    static func pageForm(for key: String, caller: TestCaller, app: Application) async throws -> (HTTPMethod, String, String, HTTPHeaders)? {
        var headers: HTTPHeaders = ["Content-Type": "application/x-www-form-urlencoded"]
        func session(_ token: String) throws -> String { try TestCallers.csrf(for: token, app: app) }
        func encoded(_ fields: [(String, String)]) -> String { Fixture.formBody(fields) }
        let user = try await UserModel.query(on: app.db).filter(\.$email == TestCallers.email(caller)).first()
        switch key {
        case "POST /sign-in":
            headers.add(name: "Cookie", value: "sg_csrf=matrix-token")
            return (.POST, "/sign-in", encoded([("email", TestCallers.email(.role(.driver))), ("password", TestCallers.password), ("_csrf", "matrix-token")]), headers)
        case "POST /sign-out":
            guard let user else { return (.POST, "/sign-out", encoded([("_csrf", "none")]), headers) }
            let fresh = try await TestCallers.token(for: user, app: app)
            headers.add(name: "Cookie", value: "sg_session=\(fresh)")
            return (.POST, "/sign-out", encoded([("_csrf", try session(fresh))]), headers)
        case "POST /portal/new":
            let token = TestCallers.credentials(app).tokens[caller]
            let form = Fixture.portalForm + [("_csrf", try token.map(session) ?? "none")]
            return (.POST, "/portal/new", encoded(form), headers)
        case "POST /corridor/pause", "POST /corridor/resume":
            let csrf = try TestCallers.credentials(app).tokens[caller].map(session) ?? "none"
            return (.POST, String(key.split(separator: " ")[1]), encoded([("_csrf", csrf)]), headers)
        case "POST /corridor/orders/:id/withdraw":
            let created = try await app.send(.POST, "/api/v1/corridor/orders", json: Fixture.transportOrder(), as: .role(.corridorOperator))
            let id = try #require(created.object["id"] as? String, "\(created.text)")
            let csrf = try TestCallers.credentials(app).tokens[caller].map(session) ?? "none"
            return (.POST, "/corridor/orders/\(id)/withdraw", encoded([("_csrf", csrf)]), headers)
        case "POST /portal/declarations/:id/amend":
            let created = try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration(), as: .role(.declarant))
            let id = try #require(created.object["id"] as? String, "\(created.text)")
            let csrf = try TestCallers.credentials(app).tokens[caller].map(session) ?? "none"
            return (.POST, "/portal/declarations/\(id)/amend", encoded(Fixture.portalForm + [("version", "1"), ("_csrf", csrf)]), headers)
        case "POST /portal/book":
            let csrf = try TestCallers.credentials(app).tokens[caller].map(session) ?? "none"
            let declaration = try await BookingFixture.declaration(app)
            return (.POST, "/portal/book", encoded([("declarationId", declaration), ("slotId", BookingFixture.nextSlot()), ("_csrf", csrf)]), headers)
        case "POST /portal/bookings/:id/move", "POST /portal/bookings/:id/cancel":
            let csrf = try TestCallers.credentials(app).tokens[caller].map(session) ?? "none"
            let booking = try await BookingFixture.booking(app).id
            let verb = String(key.split(separator: "/").last!)
            return (.POST, "/portal/bookings/\(booking)/\(verb)", encoded([("slotId", BookingFixture.nextSlot()), ("_csrf", csrf)]), headers)
        case "POST /inspections/:id/claim", "POST /inspections/:id/release", "POST /inspections/:id/outcome":
            let verb = String(key.split(separator: "/").last!)
            let id = try await Fixture.inspection(app, assignedTo: verb == "claim" ? nil : caller)
            let csrf = try TestCallers.credentials(app).tokens[caller].map(session) ?? "none"
            return (.POST, "/inspections/\(id)/\(verb)", encoded([("_csrf", csrf)] + (verb == "outcome" ? [("outcome", "cleared")] : [])), headers)
        default:
            return nil
        }
    }

    /// A request that passes every check but the door's, for the route `key`.
    static func request(for key: String, caller: TestCaller, app: Application) async throws -> (HTTPMethod, String, String?) {
        func declaration() async throws -> String {
            let created = try await app.send(.POST, "/api/v1/declarations", json: Fixture.declaration(), as: .role(.declarant))
            return try #require(created.object["id"] as? String, "\(created.text)")
        }
        func rule() async throws -> String {
            let created = try await app.send(.POST, "/api/v1/risk/rules", json: Fixture.rule(), as: .role(.admin))
            return try #require(created.object["id"] as? String, "\(created.text)")
        }
        func transportOrder() async throws -> String {
            let created = try await app.send(.POST, "/api/v1/corridor/orders", json: Fixture.transportOrder(), as: .role(.corridorOperator))
            return try #require(created.object["id"] as? String, "\(created.text)")
        }
        switch key {
        case "GET /health/roles/:role":
            return (.GET, "/health/roles/corridor", nil)
        case "POST /api/v1/corridor/orders":
            return (.POST, "/api/v1/corridor/orders", Fixture.transportOrder())
        case "GET /api/v1/corridor/vehicles/:id/link":
            return (.GET, "/api/v1/corridor/vehicles/SH-01/link", nil)
        case "GET /api/v1/corridor/orders/:id":
            return (.GET, "/api/v1/corridor/orders/\(try await transportOrder())", nil)
        case "POST /api/v1/corridor/orders/:id/withdraw":
            return (.POST, "/api/v1/corridor/orders/\(try await transportOrder())/withdraw", nil)
        case "POST /api/v1/risk/rules":
            return (.POST, "/api/v1/risk/rules", Fixture.rule())
        case "GET /api/v1/risk/rules/:id":
            return (.GET, "/api/v1/risk/rules/\(try await rule())", nil)
        case "PUT /api/v1/risk/rules/:id":
            return (.PUT, "/api/v1/risk/rules/\(try await rule())", Fixture.rule(channel: "red"))
        case "DELETE /api/v1/risk/rules/:id":
            return (.DELETE, "/api/v1/risk/rules/\(try await rule())", nil)
        case "PUT /api/v1/inspections/duty":
            return (.PUT, "/api/v1/inspections/duty", #"{"gate":"kim-thanh","onDuty":false}"#)
        case "GET /api/v1/inspections/:id":
            return (.GET, "/api/v1/inspections/\(try await Fixture.inspection(app, assignedTo: nil))", nil)
        case "POST /api/v1/inspections/:id/claim":
            return (.POST, "/api/v1/inspections/\(try await Fixture.inspection(app, assignedTo: nil))/claim", nil)
        case "POST /api/v1/inspections/:id/release":
            return (.POST, "/api/v1/inspections/\(try await Fixture.inspection(app, assignedTo: caller))/release", nil)
        case "POST /api/v1/inspections/:id/outcome":
            return (.POST, "/api/v1/inspections/\(try await Fixture.inspection(app, assignedTo: caller))/outcome", #"{"outcome":"cleared"}"#)
        case "POST /api/v1/auth/login":
            return (.POST, "/api/v1/auth/login", #"{"email":"\#(TestCallers.email(.role(.driver)))","password":"\#(TestCallers.password)"}"#)
        case "POST /api/v1/declarations":
            return (.POST, "/api/v1/declarations", Fixture.declaration())
        case "GET /api/v1/declarations/:id":
            return (.GET, "/api/v1/declarations/\(try await declaration())", nil)
        case "PATCH /api/v1/declarations/:id":
            return (.PATCH, "/api/v1/declarations/\(try await declaration())", #"{"version":1,"tareKg":14100}"#)
        case "POST /api/v1/declarations/:id/cancel":
            return (.POST, "/api/v1/declarations/\(try await declaration())/cancel", nil)
        case "POST /api/v1/lanes/:laneId/readings":
            return (.POST, "/api/v1/lanes/kim-thanh-out-1/readings",
                    Fixture.reading("anpr-1", UUID().uuidString, "plate", #""plate":"24C12345","confidence":0.97"#))
        case "GET /api/v1/audit":
            return (.GET, "/api/v1/audit?subject=declaration:\(try await declaration().lowercased())", nil)
        case "GET /api/v1/slots":
            return (.GET, "/api/v1/slots?gate=kim-thanh&direction=outbound", nil)
        case "GET /api/v1/slot-calendars/:gate/:direction":
            return (.GET, "/api/v1/slot-calendars/kim-thanh/outbound", nil)
        case "PUT /api/v1/slot-calendars/:gate/:direction":
            return (.PUT, "/api/v1/slot-calendars/kim-thanh/outbound", #"{"hours":{"mon":[{"open":"06:00","close":"22:00"}]},"horizonDays":30}"#)
        case "POST /api/v1/bookings":
            let declaration = try await BookingFixture.declaration(app)
            return (.POST, "/api/v1/bookings", #"{"declarationId":"\#(declaration)","slotId":"\#(BookingFixture.nextSlot())"}"#)
        case "GET /api/v1/bookings/:id":
            return (.GET, "/api/v1/bookings/\(try await BookingFixture.booking(app).id)", nil)
        case "POST /api/v1/bookings/:id/move":
            return (.POST, "/api/v1/bookings/\(try await BookingFixture.booking(app).id)/move", #"{"slotId":"\#(BookingFixture.nextSlot())"}"#)
        case "POST /api/v1/bookings/:id/cancel":
            return (.POST, "/api/v1/bookings/\(try await BookingFixture.booking(app).id)/cancel", nil)
        case "GET /api/v1/bookings/:id/call", "GET /api/v1/bookings/:id/call/live", "GET /driver/:id", "GET /live/driver/:id":
            let booking = try await BookingFixture.booking(app)
            let path = key.split(separator: " ")[1].replacingOccurrences(of: ":id", with: booking.id)
            return (.GET, "\(path)?token=\(booking.token)", nil)
        case "POST /api/v1/yard/lanes/:laneId/readings":
            return (.POST, "/api/v1/yard/lanes/kim-thanh-yard-in-1/readings",
                    Fixture.reading("yard-anpr", UUID().uuidString, "plate", #""plate":"24C12345","confidence":0.97"#))
        case "GET /api/v1/yard", "GET /api/v1/yard/board", "GET /api/v1/yard/board/live", "GET /yard", "GET /live/yard", "GET /board", "GET /live/board":
            return (.GET, "\(key.split(separator: " ")[1])?gate=kim-thanh", nil)
        case "GET /portal/book":
            return (.GET, "/portal/book?declaration=\(try await BookingFixture.declaration(app))", nil)
        case "GET /assets/:file":
            return (.GET, "/assets/app.css", nil)
        case "GET /declarations/:id":
            return (.GET, "/declarations/\(try await declaration())", nil)
        case "GET /portal/declarations/:id/amend":
            return (.GET, "/portal/declarations/\(try await declaration())/amend", nil)
        case "GET /inspections/:id":
            return (.GET, "/inspections/\(try await Fixture.inspection(app, assignedTo: nil))", nil)
        default:
            let parts = key.split(separator: " ", maxSplits: 1)
            return (HTTPMethod(rawValue: String(parts[0])), String(parts[1]), nil)
        }
    }

    @Test("each role gets exactly its row's outcome on each route", arguments: TestDatabase.available)
    func matrix(_ database: TestDatabase) async throws {
        // Every caller signs in once on the login row: the login limit is not what this checks.
        try await withSmartGate(database, settings: { $0.rateLimits = .unlimited }) { app in
            // Sign-out revokes the caller's token, so it goes last.
            let keys = Self.rows.keys.sorted { ($0.contains("logout") ? 1 : 0, $0) < ($1.contains("logout") ? 1 : 0, $1) }
            var mismatches: [String] = []
            for key in keys {
                let row = try #require(Self.rows[key])
                for caller in Self.callers {
                    let response: TestingHTTPResponse
                    if let (method, path, form, headers) = try await Self.pageForm(for: key, caller: caller, app: app) {
                        response = try await app.send(method, path, body: form, headers: headers, as: caller)
                    } else {
                        let (method, path, body) = try await Self.request(for: key, caller: caller, app: app)
                        response = try await app.send(method, path, json: body, as: caller)
                    }
                    let location = response.headers.first(name: .location) ?? ""
                    let outcome: Outcome? = switch response.status.code {
                    case 200..<300: .allowed
                    // A page sends a stranger to sign in, naming where they were going.
                    case 300..<400: location.hasPrefix("/sign-in?next=") ? .unauthenticated : .allowed
                    case 401: .unauthenticated
                    case 403: .forbidden
                    case 404: .hidden
                    default: nil
                    }
                    let expected = row.expected(caller)
                    if outcome != expected {
                        mismatches.append("\(key) as \(caller): expected \(expected), got \(response.status.code) \(response.text.prefix(200))")
                    }
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.count) mismatches:\n\(mismatches.joined(separator: "\n"))")
        }
    }
}

/// Bookings for the matrix: each call a new truck and driver in a slot of its own, so no
/// call meets another's booking (one a plate and a driver a day; places per slot).
enum BookingFixture {
    private final class Counter: @unchecked Sendable {  // guarded by `lock`
        let lock = NSLock()
        var value = 0
    }
    private static let counter = Counter()

    static func next() -> Int {
        counter.lock.lock()
        defer { counter.lock.unlock() }
        counter.value += 1
        return counter.value
    }

    /// A slot of the standard calendar (06:00–22:00, hourly), a different one each time.
    static func nextSlot() -> String {
        let n = next()
        let day = LocalDate(Date().addingTimeInterval(Double(1 + (n / 16) % 13) * 86_400), in: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)
        return "kim-thanh.outbound.\(day)T\(String(format: "%02d", 6 + n % 16)):00"
    }

    /// A live declaration of the seeded declarant, its own truck and driver.
    static func declaration(_ app: Application) async throws -> String {
        let n = next()
        let body = Fixture.declaration(plate: String(format: "24C-%03d.%02d", 100 + n / 100 % 900, n % 100), driver: "M\(1_000_000 + n)")
        let created = try await app.send(.POST, "/api/v1/declarations", json: body, as: .role(.declarant))
        return try #require(created.object["id"] as? String, "\(created.text)")
    }

    /// A booking of the seeded declarant: its id and its driver's link token.
    static func booking(_ app: Application) async throws -> (id: String, token: String) {
        let declaration = try await declaration(app)
        let booked = try await app.send(.POST, "/api/v1/bookings", json: #"{"declarationId":"\#(declaration)","slotId":"\#(nextSlot())"}"#, as: .role(.declarant))
        return (try #require(booked.object["id"] as? String, "\(booked.text)"), try #require(booked.object["driverToken"] as? String))
    }
}
