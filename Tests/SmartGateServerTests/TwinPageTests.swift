import Foundation
import Testing
import VaporTesting
@testable import SmartGateServer

/// The digital twin's page: the board's form, each bad lever's message beside it in the
/// reader's language, an answer from SmartGate's own engine, and the full report.
/// The twin needs no database; one engine is enough.
@Suite("Digital twin page")
struct TwinPageTests {
    @Test("the form; bad levers beside their fields; an answer and its full report")
    func formAnswerAndReport() async throws {
        try await withSmartGate(.sqlite) { app in
            let form = try await app.send(.GET, "/twin", as: .role(.boardViewer))
            #expect(form.status == .ok && form.text.contains(#"id="f-exportLanes""#) && !form.text.contains("twin-results"))
            let bad = try await app.send(.GET, "/twin?lang=vi&run=1&exportLanes=0&window=22:00-06:00&days=2", as: .role(.boardViewer))
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.text.contains(#"id="f-exportLanes-error""#) && bad.text.contains("Nhập số nguyên từ 1 đến 12"), "\(bad.text.prefix(300))")
            #expect(bad.text.contains(#"id="f-window-error""#) && !bad.text.contains(#"id="f-days-error""#))
            // Without shuttles the smart mode skips the corridor: a quick answer.
            let levers = "run=1&days=2&shuttles=0&demand=400"
            let answer = try await app.send(.GET, "/twin?lang=zh&" + levers, as: .role(.boardViewer))
            #expect(answer.status == .ok)
            #expect(answer.text.contains("twin-results") && answer.text.contains("智慧 ÷ 传统") && answer.text.contains("×0."), "\(answer.text.prefix(400))")
            let report = try await app.send(.GET, "/twin/report?" + levers, as: .role(.boardViewer))
            #expect(report.status == .ok && report.text.contains("<svg") && report.text.contains("assumption"))
            let refused = try await app.send(.GET, "/twin", as: .role(.declarant))
            #expect(refused.status == .forbidden)
        }
    }
}
