import BorderLink
import CorridorKit
import Fluent
import Foundation
import GateKit
import Testing
import VaporTesting
@testable import SmartGateServer

/// The pages' words, their doors and their forms, in-process; the browser tests
/// (`scripts/browser_tests.py`) check them in a real Chromium.
@Suite("Pages")
struct PagesTests {
    static let webSources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/SmartGateServer/Web")

    static func sources() throws -> [(String, String)] {
        let files = FileManager.default.enumerator(at: webSources, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        return try files.filter { $0.pathExtension == "swift" }.map { ($0.lastPathComponent, try String(contentsOf: $0, encoding: .utf8)) }
    }

    @Test("every catalog has every key, and no entry is empty")
    func catalogsAgree() {
        let catalog = Catalog.shipped
        let english = catalog.keys(.en)
        #expect(english.count > 150)
        for language in Language.allCases {
            #expect(catalog.keys(language) == english, "\(language): missing \(english.subtracting(catalog.keys(language)).sorted()), extra \(catalog.keys(language).subtracting(english).sorted())")
            for key in english { #expect(!catalog.text(key, in: language).isEmpty, "\(language) \(key)") }
        }
    }

    @Test("every key a page names, written or built, is in the catalogs")
    func keysExist() throws {
        let known = Catalog.shipped.keys(.en)
        var used = Set<String>()
        let literal = try NSRegularExpression(pattern: #""([a-z]+\.[A-Za-z0-9.\[\]]+)""#)
        for (_, text) in try Self.sources() {
            for match in literal.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let key = String(text[Range(match.range(at: 1), in: text)!])
                // Form fields are JSON paths, their labels `field.<path>` (counted below).
                if !key.hasSuffix(".css"), !key.hasSuffix(".js"), !key.hasPrefix("smartgate."),
                   !PortalPages.formFields.contains(key), !InspectionPages.outcomeFields.contains(key) {
                    used.insert(key)
                }
            }
        }
        // Keys built from values: every value each can take.
        used.formUnion(Role.allCases.map { "role.\($0.rawValue)" })
        used.formUnion(Language.allCases.map { "language.\($0.rawValue)" })
        used.formUnion((TripDirection.allCases.map(\.rawValue) + ["inbound", "outbound"]).map { "direction.\($0)" })
        used.formUnion(["idle", "open", "decided", "closed", "abandoned"].map { "passage.\($0)" })
        used.formUnion(DecisionOutcome.allCases.map { "outcome.\($0.rawValue)" })
        used.formUnion(ReasonCode.allCases.map { "reason.\($0.rawValue)" })
        used.formUnion(DeclarationStatus.allCases.map { "status.\($0.rawValue)" })
        used.formUnion(GateKit.Channel.allCases.map { "channel.\($0.rawValue)" })
        used.formUnion(DocumentKind.allCases.map { "document.\($0.rawValue)" })
        used.formUnion(PortalPages.formFields.map { "field.\($0)" })
        used.formUnion(InspectionPages.outcomeFields.map { "field.\($0)" })
        used.formUnion(InspectionStatus.allCases.map { "inspection.\($0.rawValue)" } + ["inspection.claim", "inspection.release"])
        used.formUnion(InspectionOutcome.allCases.map { "outcome.inspection.\($0.rawValue)" })
        used.formUnion(["ok", "faulted", "UNKNOWN", "out-of-service"].map { "health.\($0)" })
        used.formUnion(TransportOrderState.allCases.map { "order.\($0.rawValue)" })
        used.formUnion(ReadingKind.allCases.map { "reading.\($0.rawValue)" })
        used.formUnion(ArrivalRecord.State.allCases.map { "arrival.state.\($0.rawValue)" })
        used.formUnion(RefusalReason.allCases.map { "link.reason.\($0.rawValue)" })
        used.formUnion(BookingState.allCases.map { "booking.state.\($0.rawValue)" })
        used.formUnion((ArrivalStanding.allCases.map(\.rawValue) + ["unbooked"]).map { "yard.standing.\($0)" })
        used.formUnion(YardState.allCases.map { "yard.state.\($0.rawValue)" })
        used.formUnion(["recent", "nominal"].map { "waits.expectedMethod.\($0)" })
        used.formUnion(LaneDirection.allCases.map { "waits.direction.\($0.rawValue)" })
        for status in [400, 403, 404, 409, 413, 415, 422, 429, 500, 503] {
            let key = ErrorPage(status: status).titleKey
            used.formUnion([key, key + ".explain"])
        }
        #expect(used.subtracting(known).sorted() == [], "keys no catalog has")
    }

    @Test("no word is written in a page's code: text is catalog words or data (punctuation between them aside)")
    func noLiteralText() throws {
        let literal = try NSRegularExpression(pattern: #"\.(data|escaped)\("((?:[^"\\]|\\.)*)""#)
        for (name, text) in try Self.sources() {
            for match in literal.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let written = String(text[Range(match.range(at: 2), in: text)!])
                // Interpolations are data; what is left must hold no letter.
                let bare = written.replacingOccurrences(of: #"\\\([^)]*\)"#, with: "", options: .regularExpression)
                if bare.contains(where: \.isLetter) { Issue.record("\(name): literal text on a page: \(written)") }
            }
        }
    }

    @Test("markup escapes data and attributes")
    func escaping() {
        let markup = HTML.el("p", [("title", "a\"b<c>")], .data("<script>alert(1)</script> & 'x'"))
        #expect(markup.html == #"<p title="a&quot;b&lt;c&gt;">&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#39;x&#39;</p>"#)
    }

    @Test("languages: the query, then the cookie, then Accept-Language with fallback", arguments: [
        ("zh", nil, nil, Language.zh), (nil, "vi", "zh-CN", .vi), (nil, nil, "zh-Hans-CN,zh;q=0.9", .zh),
        (nil, nil, "fr-FR, de", .en), ("xx", nil, "vi", .vi), (nil, nil, nil, .en),
    ] as [(String?, String?, String?, Language)])
    func language(query: String?, cookie: String?, accept: String?, expected: Language) {
        #expect(PageLanguage.choose(query: query, cookie: cookie, acceptLanguage: accept) == expected)
    }

    @Test("a local planned arrival gets its gate's offset", arguments: [
        ("2026-12-05T14:30", "Asia/Ho_Chi_Minh", "2026-12-05T14:30:00+07:00"),
        ("2026-12-05T14:30", "Asia/Shanghai", "2026-12-05T14:30:00+08:00"),
        ("tomorrow", "Asia/Ho_Chi_Minh", "tomorrow"),
    ])
    func plannedArrival(local: String, zone: String, expected: String) {
        #expect(DeclarationForm.withOffset(local, zone: zone) == expected)
    }

    @Test("the form's fields become the API's document, blank ones left out")
    func formDocument() throws {
        let document = DeclarationForm.document(
            ["vehicle.plate": "24C-123.45", "goods[0].quantity": "18000", "goods[0].value.amount": "54000.00", "documents[0].kind": "other",
             "containers[0].number": " "],
            taxCode: "5300100269", zone: "Asia/Ho_Chi_Minh")
        #expect(document["vehicle"]?["plate"] == .string("24C-123.45"))
        #expect(document["declarant"]?["taxCode"] == .string("5300100269"))
        guard case .array(let goods)? = document["goods"] else { Issue.record("no goods: \(document)"); return }
        #expect(goods[0]["quantity"] == .number(18000) && goods[0]["value"]?["amount"] == .string("54000.00"))
        #expect(document["documents"] == nil && document["containers"] == nil, "an unfilled document or container is not declared")
    }

    @Test("sign-in: a form token is required, a wrong password says so, a right one sets a strict HttpOnly cookie")
    func signIn() async throws {
        try await withSmartGate(.sqlite) { app in
            let form = try await app.send(.GET, "/sign-in", as: .anonymous)
            #expect(form.status == .ok && form.headers.first(name: "Content-Security-Policy")?.contains("script-src 'self'") == true)
            let token = try #require(form.headers.setCookie?[WebSession.signInCookie]?.string)
            let email = TestCallers.email(.role(.customsOfficer))
            func post(_ body: String, cookie: String?) async throws -> TestingHTTPResponse {
                var headers: HTTPHeaders = ["Content-Type": "application/x-www-form-urlencoded"]
                if let cookie { headers.add(name: "Cookie", value: cookie) }
                return try await app.send(.POST, "/sign-in", body: body, headers: headers, as: .anonymous)
            }
            #expect(try await post("email=\(email)&password=\(TestCallers.password)&_csrf=\(token)", cookie: nil).status == .forbidden)
            let wrong = try await post("email=\(email)&password=nope-nope-nope&_csrf=\(token)", cookie: "sg_csrf=\(token)")
            #expect(wrong.status == .unauthorized && wrong.text.contains("sign-in-error"))
            let right = try await post("email=\(email)&password=\(TestCallers.password)&_csrf=\(token)&next=%2Fdecisions", cookie: "sg_csrf=\(token)")
            #expect(right.status == .seeOther && right.headers.first(name: .location) == "/decisions")
            let session = try #require(right.headers.setCookie?[WebSession.cookie])
            #expect(session.isHTTPOnly && session.sameSite == .strict && !session.string.isEmpty)
            let page = try await app.send(.GET, "/decisions", headers: ["Cookie": "sg_session=\(session.string)"], as: .anonymous)
            #expect(page.status == .ok && page.text.contains("decision-feed"))
            // The API never takes the cookie: no other site can make a browser call it.
            let api = try await app.send(.GET, "/api/v1/decisions", headers: ["Cookie": "sg_session=\(session.string)"], as: .anonymous)
            #expect(api.status == .unauthorized)
            // `next` is a path here, never another site, however it is spelt.
            for next in ["%2F%2Fevil.example", "%2F%09%2Fevil.example", "%2F%0A%2Fevil.example", "https%3A%2F%2Fevil.example", "%2F%5Cevil.example"] {
                let elsewhere = try await post("email=\(email)&password=\(TestCallers.password)&_csrf=\(token)&next=\(next)", cookie: "sg_csrf=\(token)")
                #expect(elsewhere.headers.first(name: .location) == "/", "\(next)")
            }
        }
    }

    @Test("a form without this session's token changes nothing", arguments: TestDatabase.available)
    func csrf(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let body = Fixture.formBody(Fixture.portalForm)
            let answer = try await app.send(.POST, "/portal/new", body: body + "&_csrf=forged", headers: ["Content-Type": "application/x-www-form-urlencoded"], as: .role(.declarant))
            #expect(answer.status == .forbidden)
            #expect(try await DeclarationModel.query(on: app.db).count() == 0)
        }
    }

    @Test("the portal shows each error beside its field, in the reader's language", arguments: TestDatabase.available)
    func inlineErrors(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let token = try #require(TestCallers.credentials(app).tokens[.role(.declarant)])
            let csrf = try TestCallers.csrf(for: token, app: app)
            let fields = Fixture.portalForm.map { $0.0 == "containers[0].number" ? ($0.0, "CSQU3054384") : $0 } + [("_csrf", csrf)]
            let body = Fixture.formBody(fields)
            let answer = try await app.send(.POST, "/portal/new?lang=vi", body: body, headers: ["Content-Type": "application/x-www-form-urlencoded"], as: .role(.declarant))
            #expect(answer.status == .unprocessableEntity)
            #expect(answer.text.contains(#"id="f-containers-0-number-error""#) && answer.text.contains("aria-invalid=\"true\""), "\(answer.text.prefix(400))")
            #expect(answer.text.contains(IssueCode.containerCheckDigit.template(in: .vi).prefix(10)), "the error in Vietnamese")
            #expect(try await DeclarationModel.query(on: app.db).count() == 0)
        }
    }

    @Test("the portal form sent twice (a double click, a browser's retry) makes one declaration", arguments: TestDatabase.available)
    func resubmitted(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let token = try #require(TestCallers.credentials(app).tokens[.role(.declarant)])
            let body = Fixture.formBody(Fixture.portalForm + [("_csrf", try TestCallers.csrf(for: token, app: app)), ("_key", UUID().uuidString)])
            var places: [String] = []
            for _ in 0..<2 {
                let answer = try await app.send(.POST, "/portal/new", body: body, headers: ["Content-Type": "application/x-www-form-urlencoded"], as: .role(.declarant))
                #expect(answer.status == .seeOther, "\(answer.text.prefix(300))")
                places.append(answer.headers.first(name: .location) ?? "")
            }
            #expect(places[0] == places[1] && places[0].hasPrefix("/declarations/"))
            #expect(try await DeclarationModel.query(on: app.db).count() == 1)
        }
    }
}
