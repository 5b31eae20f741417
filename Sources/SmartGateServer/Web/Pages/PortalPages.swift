import Fluent
import Foundation
import GateKit
import Vapor

/// The trader's declarations, newest first, with their status and channel.
struct PortalPage: PageContent {
    /// One of the trader's declarations as the list shows it.
    struct Item: Sendable {
        var id: UUID
        var plate: String
        var gate: String
        var status: DeclarationStatus
        var channel: GateKit.Channel
        var planned: Date
        var zone: String
    }

    var declarations: [Item]

    var titleKey: String { "portal.title" }

    func body(_ context: PageContext) -> Markup {
        let rows = declarations.map { item in
            HTML.el("tr", [],
                HTML.el("th", [("scope", "row")], HTML.el("a", [("href", "/declarations/\(item.id.uuidString.lowercased())")], .data(item.plate))),
                HTML.el("td", [], .data(item.gate)),
                HTML.el("td", [], .data(context.dateTime(item.planned, zone: item.zone))),
                HTML.el("td", [], context.t("status.\(item.status.rawValue)")),
                HTML.el("td", [], HTML.el("span", [("class", "badge badge-\(item.channel.rawValue)")], context.t("channel.\(item.channel.rawValue)"))))
        }
        return HTML.el("section", [("class", "card")],
            HTML.el("p", [], HTML.el("a", [("class", "button"), ("href", "/portal/new")], context.t("portal.new"))),
            declarations.isEmpty ? HTML.el("p", [], context.t("portal.empty")) : HTML.el("table", [],
                HTML.el("caption", [("class", "visually-hidden")], context.t("portal.title")),
                HTML.el("thead", [], HTML.el("tr", [], children: ["portal.plate", "portal.gate", "portal.planned", "portal.status", "portal.channel"].map {
                    HTML.el("th", [("scope", "col")], context.t($0))
                })),
                HTML.el("tbody", [], children: rows)))
    }
}

/// A new declaration: one vehicle, one container, one goods line, one document — the
/// common truck over Kim Thành; the API takes more. Each field's error stands beside it,
/// in the reader's language, as the API's validation names it.
struct DeclarationFormPage: PageContent {
    var values: [String: String]
    var errors: [String: String]
    /// Errors about fields the form does not show (the summary lists them).
    var otherErrors: [String]
    var gates: [GateSummary]
    var csrf: String
    /// Where the form posts: a new declaration, or an amendment of one at `version`.
    var action = "/portal/new"
    var version: Int?
    /// A new declaration's idempotency key, made when the form is first shown: a double
    /// click or a browser's retry answers with the declaration already made.
    var submissionKey: String?

    var titleKey: String { version == nil ? "declare.title" : "amend.title" }

    func body(_ context: PageContext) -> Markup {
        func field(_ name: String, _ type: String = "text", required: Bool = true, hint: String? = nil, extra: [(String, String?)] = []) -> Markup {
            Form.field(name: name, label: context.t("field.\(name)"), type: type, value: values[name], required: required,
                       error: errors[name], hint: hint.map { context.t($0) }, attributes: extra)
        }
        let gateOptions = gates.map { ($0.id, Markup.data(GatesPage.gateName($0, context.language))) }
        let directions = TripDirection.allCases.map { ($0.rawValue, context.t("direction.\($0.rawValue)")) }
        let documentKinds = DocumentKind.allCases.map { ($0.rawValue, context.t("document.\($0.rawValue)")) }
        return HTML.el("form", [("method", "post"), ("action", action), ("class", "card"), ("novalidate", "")],
            summary(context),
            HTML.el("input", [("type", "hidden"), ("name", WebSession.csrfField), ("value", csrf)]),
            HTML.el("input", [("type", "hidden"), ("name", "version"), ("value", version.map(String.init))]),
            HTML.el("input", [("type", "hidden"), ("name", "_key"), ("value", submissionKey)]),
            HTML.el("fieldset", [], HTML.el("legend", [], context.t("declare.trip")),
                Form.select(name: "direction", label: context.t("field.direction"), options: directions, selected: values["direction"], error: errors["direction"]),
                Form.select(name: "gate", label: context.t("field.gate"), options: gateOptions, selected: values["gate"], error: errors["gate"]),
                field("plannedArrival", "datetime-local", hint: "hint.plannedArrival"),
                field("declarant.name")),
            HTML.el("fieldset", [], HTML.el("legend", [], context.t("declare.vehicle")),
                field("vehicle.plate", hint: "hint.plate"),
                field("vehicle.trailerPlate", required: false),
                field("tareKg", "number", extra: [("inputmode", "decimal"), ("step", "any")]),
                field("driver.name"), field("driver.documentNumber"), field("driver.nationality", hint: "hint.country")),
            HTML.el("fieldset", [], HTML.el("legend", [], context.t("declare.container")),
                field("containers[0].number", required: false, hint: "hint.container"),
                field("containers[0].seals[0]", required: false)),
            HTML.el("fieldset", [], HTML.el("legend", [], context.t("declare.goods")),
                field("goods[0].hsCode", hint: "hint.hsCode"), field("goods[0].description"),
                field("goods[0].quantity", "number", extra: [("step", "any")]), field("goods[0].unit", hint: "hint.unit"),
                field("goods[0].netKg", "number", extra: [("step", "any")]), field("goods[0].grossKg", "number", extra: [("step", "any")]),
                field("goods[0].value.amount", hint: "hint.amount"), field("goods[0].value.currency"),
                field("goods[0].origin", hint: "hint.country")),
            HTML.el("fieldset", [], HTML.el("legend", [], context.t("declare.document")),
                Form.select(name: "documents[0].kind", label: context.t("field.documents[0].kind"), options: documentKinds,
                            selected: values["documents[0].kind"], error: errors["documents[0].kind"]),
                field("documents[0].reference", required: false), field("documents[0].sha256", required: false, hint: "hint.sha256")),
            HTML.el("button", [("type", "submit")], context.t(version == nil ? "declare.submit" : "amend.submit")))
    }

    /// Every error at the top too, each a link to its field, as screen-reader users expect.
    private func summary(_ context: PageContext) -> Markup {
        guard !errors.isEmpty || !otherErrors.isEmpty else { return .empty }
        let items = errors.keys.sorted().map { name in
            HTML.el("li", [], HTML.el("a", [("href", "#" + Form.fieldId(name))], context.t("field.\(name)"), .data(": " + (errors[name] ?? ""))))
        } + otherErrors.map { HTML.el("li", [], .data($0)) }
        return HTML.el("div", [("class", "error-summary"), ("role", "alert"), ("tabindex", "-1"), ("id", "error-summary")],
            HTML.el("h2", [], context.t("declare.errors", ["count": context.number(Double(items.count))])),
            HTML.el("ul", [], children: items))
    }
}

/// The traders' portal handlers.
enum PortalPages {
    /// The fields the form shows, as JSON paths: the names of its inputs.
    static let formFields = [
        "direction", "gate", "plannedArrival", "declarant.name", "vehicle.plate", "vehicle.trailerPlate", "tareKg",
        "driver.name", "driver.documentNumber", "driver.nationality", "containers[0].number", "containers[0].seals[0]",
        "goods[0].hsCode", "goods[0].description", "goods[0].quantity", "goods[0].unit", "goods[0].netKg", "goods[0].grossKg",
        "goods[0].value.amount", "goods[0].value.currency", "goods[0].origin", "documents[0].kind", "documents[0].reference",
        "documents[0].sha256",
    ]

    /// `GET /portal`.
    @Sendable static func list(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let directory = try await request.application.smartGate.gates.snapshot(on: request.db)
        let models = try await DeclarationModel.query(on: request.db).filter(\.$declarantCode == (user.enterprise ?? ""))
            .sort(\.$createdMs, .descending).limit(50).all()
        let items = models.compactMap { model -> PortalPage.Item? in
            guard let id = model.id else { return nil }
            return PortalPage.Item(
                id: id, plate: (try? model.trip().vehicle.plate.display) ?? model.plate, gate: model.gateId,
                status: model.declarationStatus, channel: model.declarationChannel,
                planned: Date(milliseconds: model.plannedArrivalMs), zone: directory.zone(of: model.gateId))
        }
        return try WebPage.render(PortalPage(declarations: items), request: request)
    }

    /// `GET /portal/new`.
    @Sendable static func newForm(_ request: Request) async throws -> Response {
        let directory = try await request.application.smartGate.gates.snapshot(on: request.db)
        let defaults = ["direction": "export", "gate": "kim-thanh", "goods[0].unit": "KGM", "goods[0].value.currency": "USD",
                        "goods[0].origin": "VN", "driver.nationality": "VN", "documents[0].kind": "commercialInvoice"]
        return try WebPage.render(
            DeclarationFormPage(
                values: defaults, errors: [:], otherErrors: [], gates: directory.gates, csrf: PageContext(request).csrf ?? "",
                submissionKey: UUID().uuidString.lowercased()),
            request: request)
    }

    /// `POST /portal/new`: validated exactly as the API validates; errors go back beside
    /// their fields, a valid trip is submitted and its page opens.
    @Sendable static func submit(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let form = FormBody.fields(request)
        try WebSession.checkForm(request, token: form[WebSession.csrfField])
        let values = form.filter { formFields.contains($0.key) }
        let directory = try await request.application.smartGate.gates.snapshot(on: request.db)
        let zone = directory.zone(of: values["gate"])
        let json = DeclarationForm.document(values, taxCode: user.enterprise ?? "", zone: zone)
        let now = request.now
        do {
            let trip = try TripDeclaration.parse(json, knownGates: directory.gateIds, now: now)
            let answer = try await DeclarationsController.submit(trip, idempotencyKey: submissionKey(form), at: now, request: request)
            struct Created: Decodable { var id: UUID }
            let id = try JSONDecoder().decode(Created.self, from: answer.body).id
            return request.redirect(to: "/declarations/\(id.uuidString.lowercased())", redirectType: .normal)
        } catch let failure as ValidationFailure {
            return try invalid(failure, values: values, gates: directory.gates, submissionKey: submissionKey(form), request: request)
        }
    }

    /// The form's key, when it is one the form could have carried (a UUID).
    private static func submissionKey(_ form: [String: String]) -> String? {
        form["_key"].flatMap(UUID.init(uuidString:))?.uuidString.lowercased()
    }

    /// The form again, each issue beside its field (or in the summary when the form has no such field).
    private static func invalid(
        _ failure: ValidationFailure, values: [String: String], gates: [GateSummary], action: String = "/portal/new", version: Int? = nil,
        submissionKey: String? = nil, request: Request
    ) throws -> Response {
        let context = PageContext(request)
        var errors: [String: String] = [:]
        var others: [String] = []
        for issue in failure.issues {
            let message = issue.message(in: context.language)
            if formFields.contains(issue.field) { errors[issue.field] = errors[issue.field] ?? message } else { others.append("\(issue.field): \(message)") }
        }
        let page = DeclarationFormPage(
            values: values, errors: errors, otherErrors: others, gates: gates, csrf: context.csrf ?? "", action: action, version: version,
            submissionKey: submissionKey)
        return try WebPage.render(page, request: request, status: .unprocessableEntity)
    }

    /// `GET /portal/declarations/:id/amend`: the form filled in from the declaration as it
    /// stands. A declaration the form cannot show whole (several containers, goods lines or
    /// documents) is amended through the API; its page says so.
    @Sendable static func amendForm(_ request: Request) async throws -> Response {
        let (model, trip) = try await amendable(request)
        let directory = try await request.application.smartGate.gates.snapshot(on: request.db)
        let zone = directory.zone(of: trip.gate)
        let page = DeclarationFormPage(
            values: DeclarationForm.values(of: trip, zone: zone), errors: [:], otherErrors: [], gates: directory.gates,
            csrf: PageContext(request).csrf ?? "", action: request.url.path, version: model.version)
        return try WebPage.render(page, request: request)
    }

    /// `POST /portal/declarations/:id/amend`: the form's trip replaces the declaration's, at
    /// the version the form was read at (a stale one is a 409 page).
    @Sendable static func amend(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let form = FormBody.fields(request)
        try WebSession.checkForm(request, token: form[WebSession.csrfField])
        let (model, _) = try await amendable(request)
        let id = try model.requireID()
        let values = form.filter { formFields.contains($0.key) }
        // The version the form was read at: without it a stale form would overwrite a newer amendment.
        guard let version = Int(form["version"] ?? "") else { throw AppError.conflict("The form carries no version; open the amendment again.") }
        let directory = try await request.application.smartGate.gates.snapshot(on: request.db)
        let zone = directory.zone(of: values["gate"])
        // What the form leaves blank is taken away, not kept: a merge patch keeps what it does not name.
        var patch = DeclarationForm.document(values, taxCode: user.enterprise ?? "", zone: zone)
        if case .object(var members) = patch {
            if members["containers"] == nil { members["containers"] = .array([]) }
            if members["documents"] == nil { members["documents"] = .array([]) }
            if case .object(var vehicle)? = members["vehicle"], vehicle["trailerPlate"] == nil {
                vehicle["trailerPlate"] = .null
                members["vehicle"] = .object(vehicle)
            }
            patch = .object(members)
        }
        do {
            _ = try await DeclarationsController.amend(id, patch: patch, version: version, request: request)
            return request.redirect(to: "/declarations/\(id.uuidString.lowercased())", redirectType: .normal)
        } catch AppError.validation(let failure) {
            return try invalid(failure, values: values, gates: directory.gates, action: request.url.path, version: version, request: request)
        }
    }

    /// The declarant's own declaration that the form can amend; 404 for another's, 409 once
    /// past amending.
    private static func amendable(_ request: Request) async throws -> (DeclarationModel, TripDeclaration) {
        let user = try request.requireUser()
        let model = try await DeclarationsController.find(request.parameters.get("id"), on: request.db)
        guard user.mayChange(declarationOf: model.declarantCode) else { throw AppError.notFound(kind: "declaration", id: model.id?.uuidString ?? "") }
        guard model.declarationStatus.isAmendable else { throw AppError.transition(TransitionRefused(from: model.declarationStatus, to: .amended)) }
        let trip = try model.trip()
        guard trip.containers.count <= 1, trip.goods.count == 1, trip.documents.count <= 1, (trip.containers.first?.seals.count ?? 0) <= 1 else {
            throw AppError.conflict("This declaration has more lines than the form shows; amend it through the API.")
        }
        return (model, trip)
    }
}

/// Turns the portal's form into the JSON document the API takes, so one parser judges both.
enum DeclarationForm {
    /// A declaration as the form's fields, the planned arrival in its gate's local time.
    static func values(of trip: TripDeclaration, zone: String) -> [String: String] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone) ?? TimeZone(secondsFromGMT: 0)!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: trip.plannedArrival)
        let local = String(format: "%04d-%02d-%02dT%02d:%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0)
        var values: [String: String] = [
            "direction": trip.direction.rawValue, "gate": trip.gate, "plannedArrival": local, "declarant.name": trip.declarant.name,
            "vehicle.plate": trip.vehicle.plate.display, "tareKg": number(trip.tareKg), "driver.name": trip.driver.name,
            "driver.documentNumber": trip.driver.documentNumber, "driver.nationality": trip.driver.nationality.value,
        ]
        values["vehicle.trailerPlate"] = trip.vehicle.trailerPlate?.display
        if let container = trip.containers.first {
            values["containers[0].number"] = container.number.value
            values["containers[0].seals[0]"] = container.seals.first
        }
        if let line = trip.goods.first {
            values["goods[0].hsCode"] = line.hsCode.value
            values["goods[0].description"] = line.description
            values["goods[0].quantity"] = number(line.quantity)
            values["goods[0].unit"] = line.unit
            values["goods[0].netKg"] = number(line.netKg)
            values["goods[0].grossKg"] = number(line.grossKg)
            values["goods[0].value.amount"] = line.value.formattedAmount
            values["goods[0].value.currency"] = line.value.currency.value
            values["goods[0].origin"] = line.origin.value
        }
        if let document = trip.documents.first {
            values["documents[0].kind"] = document.kind.rawValue
            values["documents[0].reference"] = document.reference
            values["documents[0].sha256"] = document.sha256.value
        }
        return values
    }

    /// A mass or quantity as typed: no trailing `.0`.
    private static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// `values` by JSON path (`goods[0].value.amount`); blank fields are left out, numbers
    /// become numbers, and the planned arrival (a local time) gets the gate's UTC offset.
    static func document(_ values: [String: String], taxCode: String, zone: String) -> JSONValue {
        var root = JSONValue.object(["declarant": .object(["taxCode": .string(taxCode)])])
        let numbers: Set<String> = ["tareKg", "goods[0].quantity", "goods[0].netKg", "goods[0].grossKg"]
        func blank(_ path: String) -> Bool { (values[path] ?? "").trimmingCharacters(in: .whitespaces).isEmpty }
        // A document or container the trader did not fill in is not declared (the kind
        // select always has a value).
        let leftOut = (blank("documents[0].reference") && blank("documents[0].sha256") ? ["documents[0]"] : [])
            + (blank("containers[0].number") && blank("containers[0].seals[0]") ? ["containers[0]"] : [])
        for (path, raw) in values where !leftOut.contains(where: { path.hasPrefix($0) }) {
            let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { continue }
            var value = JSONValue.string(text)
            if numbers.contains(path), let number = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) { value = .number(number) }
            if path == "plannedArrival" { value = .string(withOffset(text, zone: zone)) }
            root = setting(root, steps(path)[...], to: value)
        }
        return root
    }

    /// `2026-12-05T14:30` in `zone` → `2026-12-05T14:30:00+07:00`; anything else as typed.
    static func withOffset(_ local: String, zone: String) -> String {
        guard local.count == 16, let timeZone = TimeZone(identifier: zone),
              let guess = try? Timestamp.parse(local + ":00Z")
        else { return local }
        let seconds = timeZone.secondsFromGMT(for: guess.addingTimeInterval(-Double(timeZone.secondsFromGMT(for: guess))))
        let sign = seconds < 0 ? "-" : "+"
        return local + ":00" + sign + String(format: "%02d:%02d", abs(seconds) / 3600, abs(seconds) % 3600 / 60)
    }

    private enum Step { case key(String), index(Int) }

    private static func steps(_ path: String) -> [Step] {
        var steps: [Step] = []
        for part in path.split(separator: ".") {
            var name = Substring(part)
            var indices: [Int] = []
            while let open = name.lastIndex(of: "["), name.hasSuffix("]"), let index = Int(name[name.index(after: open)..<name.index(before: name.endIndex)]) {
                indices.insert(index, at: 0)
                name = name[..<open]
            }
            steps.append(.key(String(name)))
            steps += indices.map(Step.index)
        }
        return steps
    }

    private static func setting(_ node: JSONValue, _ steps: ArraySlice<Step>, to value: JSONValue) -> JSONValue {
        guard let step = steps.first else { return value }
        switch step {
        case .key(let key):
            var members: [String: JSONValue] = if case .object(let existing) = node { existing } else { [:] }
            members[key] = setting(members[key] ?? .null, steps.dropFirst(), to: value)
            return .object(members)
        case .index(let index):
            var items: [JSONValue] = if case .array(let existing) = node { existing } else { [] }
            while items.count <= index { items.append(.null) }
            items[index] = setting(items[index], steps.dropFirst(), to: value)
            return .array(items)
        }
    }
}
