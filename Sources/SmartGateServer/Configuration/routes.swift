import GateKit
import Vapor

/// Every route, in one place, each with who may call it (CONTRACTS §1; the README's
/// role × endpoint table). The OpenAPI document describes exactly these; a test compares
/// the two, and the role × route test walks every one.
func routes(_ app: Application) throws {
    app.get("health", use: SystemController.health).access(.anyone)
    app.get("health", "roles", ":role", use: SystemController.role).access(.anyone)
    app.get("metrics", use: SystemController.metrics).access(.loopbackOrAdmin)
    app.get("openapi.json", use: SystemController.openAPI).access(.anyone)

    let api = app.grouped("api", "v1")
    do {
        let auth = api.grouped("auth")
        auth.post("login", use: AuthController.login).access(.anyone).bodyLimit(AuthController.loginBodyLimit)
        auth.post("logout", use: AuthController.logout).access(.roles(Set(Role.allCases)))
        auth.get("me", use: AuthController.me).access(.roles(Set(Role.allCases)))
    }
    do {
        api.get("gates", use: GatesController.list).access(.authenticated)
    }
    do {
        // Object-level scoping (own enterprise, own gates) is in the controller: another
        // enterprise's or gate's declaration answers 404.
        let readers = Role.gateStaff.union([.declarant, .admin])
        let declarations = api.grouped("declarations")
        declarations.post(use: DeclarationsController.create).access(.roles([.declarant]))
        declarations.get(use: DeclarationsController.list).access(.roles(readers))
        declarations.get(":id", use: DeclarationsController.read).access(.roles(readers))
        declarations.patch(":id", use: DeclarationsController.amend).access(.roles([.declarant]))
        declarations.post(":id", "cancel", use: DeclarationsController.cancel).access(.roles([.declarant]))
    }
    do {
        api.on(
            .POST, "lanes", ":laneId", "readings", body: .collect(maxSize: ByteCount(value: LanesController.readingBodyLimit)),
            use: LanesController.postReading
        ).access(.device).bodyLimit(LanesController.readingBodyLimit)
        api.get("decisions", use: LanesController.decisions).access(.roles(Role.gateStaff.union([.admin])))
    }
    do {
        // Gate scoping (own gates; every-gate rules are the admin's) is in the controllers.
        let rules = api.grouped("risk", "rules")
        let ruleManagers: Set<Role> = [.customsOfficer, .admin]
        rules.post(use: RiskRulesController.create).access(.roles(ruleManagers))
        rules.get(use: RiskRulesController.list).access(.roles(ruleManagers))
        rules.get(":id", use: RiskRulesController.read).access(.roles(ruleManagers))
        rules.put(":id", use: RiskRulesController.replace).access(.roles(ruleManagers))
        rules.delete(":id", use: RiskRulesController.retire).access(.roles(ruleManagers))
        api.get("risk", "model", use: RiskRulesController.model).access(.roles(ruleManagers))
    }
    do {
        let inspectors: Set<Role> = [.customsOfficer, .quarantineOfficer]
        let inspections = api.grouped("inspections")
        inspections.get(use: InspectionsController.list).access(.roles(inspectors))
        inspections.put("duty", use: InspectionsController.duty).access(.roles(inspectors))
        inspections.get(":id", use: InspectionsController.read).access(.roles(inspectors))
        inspections.post(":id", "claim", use: InspectionsController.claim).access(.roles(inspectors))
        inspections.post(":id", "release", use: InspectionsController.release).access(.roles(inspectors))
        inspections.post(":id", "outcome", use: InspectionsController.outcome).access(.roles(inspectors))
    }
    do {
        // Gate scoping (the corridor is Kim Thành's) is in the controller.
        let corridor = api.grouped("corridor")
        let readers: Set<Role> = Role.gateStaff.union([.corridorOperator, .boardViewer])
        corridor.get("vehicles", use: CorridorController.vehicles).access(.roles(readers))
        // A real shuttle's VDA 5050 link (WebSocket); its gateway signs in as the operator.
        corridor.get("vehicles", ":id", "link", use: VehicleLink.link).access(.roles([.corridorOperator]))
        corridor.get("orders", use: CorridorController.list).access(.roles(readers))
        corridor.post("orders", use: CorridorController.create).access(.roles([.corridorOperator]))
        corridor.get("orders", ":id", use: CorridorController.read).access(.roles(readers))
        corridor.post("orders", ":id", "withdraw", use: CorridorController.withdraw).access(.roles([.corridorOperator]))
        corridor.post("pause", use: CorridorController.pause).access(.roles([.corridorOperator]))
        corridor.post("resume", use: CorridorController.resume).access(.roles([.corridorOperator]))
    }
    do {
        // The cross-border link (docs/BORDERLINK.md): a peer signs each request with its key.
        let link = api.grouped("link")
        link.get("identity", use: LinkController.identity).access(.anyone)
        link.on(.POST, "inbox", body: .collect(maxSize: ByteCount(value: LinkController.inboxBodyLimit)), use: LinkController.inbox)
            .access(.peer).bodyLimit(LinkController.inboxBodyLimit)
        link.get("outbox", use: LinkController.outbox).access(.peer)
        link.get("ledger", use: LinkLedger.serve).access(.peer)
        link.get("status", use: LinkController.status).access(.roles([.customsOfficer, .admin]))
        // Gate scoping (own gates) is in the controller.
        api.get("arrivals", use: LinkController.arrivals).access(.roles(Role.gateStaff.union([.admin])))
    }
    do {
        // Slot booking (CONTRACTS §11). Own enterprise, own gates: in the controllers.
        let readers = Role.gateStaff.union([.declarant, .admin])
        api.get("slots", use: SlotsController.list).access(.roles(readers))
        let calendars = api.grouped("slot-calendars", ":gate", ":direction")
        calendars.get(use: SlotsController.readCalendar).access(.roles(readers))
        calendars.put(use: SlotsController.writeCalendar).access(.roles([.gateOperator, .admin]))
        let bookings = api.grouped("bookings")
        bookings.post(use: BookingsController.create).access(.roles([.declarant]))
        bookings.get(use: BookingsController.list).access(.roles(readers))
        bookings.get(":id", use: BookingsController.read).access(.roles(readers))
        bookings.post(":id", "move", use: BookingsController.move).access(.roles([.declarant]))
        bookings.post(":id", "cancel", use: BookingsController.cancel).access(.roles([.declarant]))
        // A driver's phone holds the booking's link token, no account (checked in the controller).
        bookings.get(":id", "call", use: YardController.driverCall).access(.anyone)
        bookings.get(":id", "call", "live", use: YardController.driverCallLive).access(.anyone)
    }
    do {
        // The waiting yards: cameras at entry and exit, the queue for staff, the public board.
        let yard = api.grouped("yard")
        yard.on(.POST, "lanes", ":laneId", "readings", body: .collect(maxSize: ByteCount(value: LanesController.readingBodyLimit)), use: YardController.postReading)
            .access(.device).bodyLimit(LanesController.readingBodyLimit)
        yard.get(use: YardController.queue).access(.roles(Role.gateStaff.union([.admin])))
        yard.get("board", use: YardController.board).access(.anyone)
        yard.get("board", "live", use: YardController.boardLive).access(.anyone)
        api.get("waittimes", use: WaitTimesController.feed).access(.anyone)
    }
    do {
        api.get("audit", use: AuditController.list).access(.roles([.customsOfficer, .admin]))
        api.get("audit", "head", use: AuditController.head).access(.roles([.customsOfficer, .admin]))
    }
    do {
        // The pages: the same rules as the API's, signed in by the session cookie
        // (`.page()`); objects of another enterprise or gate are 404 pages.
        let everyone = Set(Role.allCases)
        let staff = Role.gateStaff.union([.admin])
        app.get("assets", ":file", use: WebAssets.serve).access(.anyone).page()
        app.get(use: OperationsPages.home).access(.anyone).page()
        app.get("sign-in", use: SignInPages.form).access(.anyone).page()
        app.post("sign-in", use: SignInPages.signIn).access(.anyone).page()
        app.post("sign-out", use: SignInPages.signOut).access(.roles(everyone)).page()
        app.get("gates", use: OperationsPages.gates).access(.roles(staff.union([.boardViewer, .corridorOperator]))).page()
        app.get("decisions", use: OperationsPages.decisions).access(.roles(staff)).page()
        // Aggregates for every staff role and the board (CONTRACTS §1).
        // The corridor: Kim Thành's; the operator's controls, read-only for officers there and the board.
        let corridorReaders = Role.gateStaff.union([.corridorOperator, .boardViewer])
        app.get("corridor", use: CorridorPages.show).access(.roles(corridorReaders)).page()
        app.get("live", "corridor", use: CorridorPages.live).access(.roles(corridorReaders)).page()
        app.post("corridor", "pause", use: CorridorPages.pause).access(.roles([.corridorOperator])).page()
        app.post("corridor", "resume", use: CorridorPages.resume).access(.roles([.corridorOperator])).page()
        app.post("corridor", "orders", ":id", "withdraw", use: CorridorPages.withdraw).access(.roles([.corridorOperator])).page()
        app.get("kpi", use: KPIPages.show).access(.roles(staff.union([.boardViewer, .corridorOperator]))).page()
        // The digital twin: the board's what-ifs (and the admin's); one study at a time.
        app.get("twin", use: TwinPages.show).access(.roles([.boardViewer, .admin])).page()
        app.get("twin", "report", use: TwinPages.report).access(.roles([.boardViewer, .admin])).page()
        app.get("live", "decisions", use: LiveDecisions.stream).access(.roles(staff)).page()
        app.get("declarations", ":id", use: DeclarationPages.show).access(.roles(staff.union([.declarant]))).page()
        let inspectors: Set<Role> = [.customsOfficer, .quarantineOfficer]
        app.get("inspections", use: InspectionPages.list).access(.roles(inspectors)).page()
        app.get("inspections", ":id", use: InspectionPages.show).access(.roles(inspectors)).page()
        app.post("inspections", ":id", "claim", use: InspectionPages.claim).access(.roles(inspectors)).page()
        app.post("inspections", ":id", "release", use: InspectionPages.release).access(.roles(inspectors)).page()
        app.post("inspections", ":id", "outcome", use: InspectionPages.outcome).access(.roles(inspectors)).page()
        // The link: arrivals like the API's (staff of the gate, the admin); its status like the API's.
        app.get("arrivals", use: LinkPages.arrivals).access(.roles(staff)).page()
        app.get("link", use: LinkPages.status).access(.roles([.customsOfficer, .admin])).page()
        app.get("portal", use: PortalPages.list).access(.roles([.declarant])).page()
        app.get("portal", "new", use: PortalPages.newForm).access(.roles([.declarant])).page()
        app.post("portal", "new", use: PortalPages.submit).access(.roles([.declarant])).page()
        app.get("portal", "declarations", ":id", "amend", use: PortalPages.amendForm).access(.roles([.declarant])).page()
        app.post("portal", "declarations", ":id", "amend", use: PortalPages.amend).access(.roles([.declarant])).page()
        // Slot booking: the trader's bookings; the yard for its staff; the board, the wait
        // times and a driver's own truck (by its booking's link) without an account.
        app.get("portal", "bookings", use: BookingPages.list).access(.roles([.declarant])).page()
        app.get("portal", "book", use: BookingPages.picker).access(.roles([.declarant])).page()
        app.post("portal", "book", use: BookingPages.book).access(.roles([.declarant])).page()
        app.post("portal", "bookings", ":id", "move", use: BookingPages.move).access(.roles([.declarant])).page()
        app.post("portal", "bookings", ":id", "cancel", use: BookingPages.cancel).access(.roles([.declarant])).page()
        app.get("yard", use: YardPages.queue).access(.roles(staff)).page()
        app.get("live", "yard", use: YardPages.live).access(.roles(staff)).page()
        app.get("board", use: YardPages.board).access(.anyone).page()
        app.get("live", "board", use: YardPages.boardLive).access(.anyone).page()
        app.get("driver", ":id", use: YardPages.driver).access(.anyone).page()
        app.get("live", "driver", ":id", use: YardPages.driverLive).access(.anyone).page()
        app.get("waittimes", use: YardPages.waitTimes).access(.anyone).page()
    }
}
