import Foundation
import Testing
@testable import GateKit

@Suite struct AuditChainTests {
    static func chain(_ count: Int) -> [AuditEntry] {
        var entries: [AuditEntry] = []
        for index in 0..<count {
            entries.append(AuditChain.append(
                after: entries.last.map { ($0.seq, $0.hash) }, at: Date(timeIntervalSince1970: 1_795_000_000 + Double(index)),
                actor: "lane:kim-thanh-out-1", action: "declaration.released", subject: "declaration:\(index)",
                payload: Data("payload \(index)".utf8)))
        }
        return entries
    }

    @Test func anUntouchedChainIsIntact() {
        let entries = Self.chain(5)
        #expect(AuditChain.verify(entries) == .intact(entries: 5, head: entries[4].hash))
        #expect(entries[0].prevHash == AuditChain.genesis)
        #expect(entries[0].hash.count == 64)
        #expect(AuditChain.verify([]) == .intact(entries: 0, head: AuditChain.genesis))
    }

    enum Tampering: String, CaseIterable, Sendable {
        case editActor, editPayloadHash, editTime, deleteMiddle, deleteFirst, swapPair, rehashEdited
    }

    @Test(arguments: Tampering.allCases)
    func tamperingIsCaughtAtTheFirstBrokenSeq(_ tampering: Tampering) {
        var entries = Self.chain(5)
        let expected: Int64
        switch tampering {
        case .editActor: entries[2].actor = "lane:kim-thanh-out-2"; expected = 3
        case .editPayloadHash: entries[1].payloadHash = String(repeating: "a", count: 64); expected = 2
        case .editTime: entries[3].at = entries[3].at.addingTimeInterval(1); expected = 4
        case .deleteMiddle: entries.remove(at: 2); expected = 3
        case .deleteFirst: entries.remove(at: 0); expected = 1
        case .swapPair: entries.swapAt(1, 2); expected = 2
        case .rehashEdited:
            // An insider who edits a row and recomputes its hash still breaks the next link.
            entries[1].subject = "declaration:forged"
            entries[1].hash = AuditChain.hash(of: entries[1])
            expected = 3
        }
        guard case .broken(let seq, _) = AuditChain.verify(entries) else {
            Issue.record("\(tampering) was not detected")
            return
        }
        #expect(seq == expected)
    }

    @Test func canonicalBytesAreSortedCompactAndEscaped() {
        let entry = AuditEntry(
            seq: 7, at: Date(timeIntervalSince1970: 0), actor: "a\"b", action: "x\ny", subject: "s",
            payloadHash: "p", prevHash: "q", hash: "ignored")
        #expect(String(decoding: AuditChain.canonicalJSON(entry), as: UTF8.self)
            == #"{"action":"x\ny","actor":"a\"b","at":"1970-01-01T00:00:00.000Z","payloadHash":"p","prevHash":"q","seq":"7","subject":"s"}"#)
    }
}
