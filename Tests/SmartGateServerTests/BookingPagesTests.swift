import Foundation
import GateKit
import Testing
import VaporTesting
@testable import SmartGateServer

/// The booking pages in-process: a refusal beside the slot field in the reader's language,
/// a full slot's next free ones, the CSRF token, and the public pages without an account.
@Suite("Booking pages")
struct BookingPagesTests {
    static let form: HTTPHeaders = ["Content-Type": "application/x-www-form-urlencoded"]

    @Test("a refused booking is shown beside the slot, in the reader's language; a good one redirects to the list", arguments: TestDatabase.available)
    func refusedAndBooked(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            // Closed today, so a refusal shown on today's picker instead of the chosen day's
            // (which has no slot to put it beside) fails at any hour, not only late at night.
            try await BookingsAPITests.setCalendar(app, places: 1, closed: [LocalDate(Date(), in: BookingsAPITests.zone)])
            let token = try #require(TestCallers.credentials(app).tokens[.role(.declarant)])
            let csrf = try TestCallers.csrf(for: token, app: app)
            let first = try await BookingsAPITests.declare(app, 1)
            let second = try await BookingsAPITests.declare(app, 2)
            let slot = BookingsAPITests.slot("10:00")
            let picker = try await app.send(.GET, "/portal/book?declaration=\(first)&date=\(BookingsAPITests.tomorrow)", as: .role(.declarant))
            #expect(picker.status == .ok && picker.text.contains(slot))
            let off = try await app.send(.POST, "/portal/book?lang=vi", body: Fixture.formBody([("declarationId", first), ("slotId", BookingsAPITests.slot("10:30")), ("_csrf", csrf)]),
                                         headers: Self.form, as: .role(.declarant))
            #expect(off.status == .unprocessableEntity)
            #expect(off.text.contains("<strong>\(BookingsAPITests.tomorrow)</strong>"), "the chosen day's picker, not today's")
            #expect(off.text.contains(#"id="f-slotId-error""#) && off.text.contains(IssueCode.bookingNoSuchSlot.template(in: .vi).prefix(12)), "\(off.text.prefix(300))")
            let booked = try await app.send(.POST, "/portal/book", body: Fixture.formBody([("declarationId", first), ("slotId", slot), ("_csrf", csrf), ("_key", UUID().uuidString)]),
                                            headers: Self.form, as: .role(.declarant))
            #expect(booked.status == .seeOther && booked.headers.first(name: .location) == "/portal/bookings")
            let full = try await app.send(.POST, "/portal/book?lang=zh", body: Fixture.formBody([("declarationId", second), ("slotId", slot), ("_csrf", csrf)]),
                                          headers: Self.form, as: .role(.declarant))
            #expect(full.status == .conflict)
            #expect(full.text.contains(#"id="f-slotId-error""#) && full.text.contains("该时段刚刚约满"), "\(full.text.prefix(300))")
            let forged = try await app.send(.POST, "/portal/book", body: Fixture.formBody([("declarationId", second), ("slotId", BookingsAPITests.slot("11:00")), ("_csrf", "forged")]),
                                            headers: Self.form, as: .role(.declarant))
            #expect(forged.status == .forbidden)
            #expect(try await BookingModel.query(on: app.db).count() == 1)
            let list = try await app.send(.GET, "/portal/bookings", as: .role(.declarant))
            #expect(list.status == .ok && list.text.contains("/driver/"))
        }
    }

    @Test("the wait times and the board open without an account; the yard page is staff's", arguments: TestDatabase.available)
    func publicPages(_ database: TestDatabase) async throws {
        try await withSmartGate(database) { app in
            let waits = try await app.send(.GET, "/waittimes", as: .anonymous)
            #expect(waits.status == .ok && waits.text.contains("Kim Th"))
            let board = try await app.send(.GET, "/board?gate=kim-thanh", as: .anonymous)
            #expect(board.status == .ok)
            let yard = try await app.send(.GET, "/yard", as: .role(.gateOperator))
            #expect(yard.status == .ok)
            let refused = try await app.send(.GET, "/yard", as: .role(.declarant))
            #expect(refused.status == .forbidden)
            let stranger = try await app.send(.GET, "/driver/\(UUID())?token=x", as: .anonymous)
            #expect(stranger.status == .notFound)
        }
    }
}
