import Foundation
import GateKit

/// The smart lane: a declared truck's device readings, generated with the scenario's
/// misread and device-error rates, decided by GateKit's own `LaneDecisionEngine`.
struct LaneTrials {
    struct Truck {
        var candidate: DeclarationCandidate
        var plate: String
        var trailer: String?
        var container: String
        var seal: String
        var grossKg: Double
    }

    static let exportLane = LaneProfile(id: "kim-thanh-out-1", gateId: "kim-thanh", direction: .outbound)
    static let importLane = LaneProfile(id: "kim-thanh-in-1", gateId: "kim-thanh", direction: .inbound)
    /// Declared arrivals are all at this instant and every reading is observed at it: the
    /// twin's trucks keep their booked slot, so lateness is not what these trials test.
    static let planned = Date(timeIntervalSince1970: Scenario.epoch + 8 * 3_600)

    private let exports: [Truck]
    private let imports: [Truck]

    /// `count` declared trucks each way, valid declarations parsed as a trader's would be.
    init(count: Int = 64) {
        var random = RandomStream(seed: 20_261_201, name: "lane-trials")
        exports = (0..<count).compactMap { Self.truck(export: true, serial: $0, &random) }
        imports = (0..<count).compactMap { Self.truck(export: false, serial: $0, &random) }
        precondition(exports.count == count && imports.count == count, "the twin's declarations must parse")
    }

    /// The lane's decision for one truck.
    func decide(export: Bool, serial: Int, channel: Channel, scenario: Scenario, _ random: inout RandomStream) -> DecisionOutcome {
        let pool = export ? exports : imports
        var truck = pool[serial % pool.count]
        truck.candidate.channel = channel
        let readings = Self.readings(truck, scenario: scenario, &random)
        return LaneDecisionEngine.decide(lane: export ? Self.exportLane : Self.importLane, readings: readings, candidates: [truck.candidate]).outcome
    }

    private static func readings(_ truck: Truck, scenario: Scenario, _ random: inout RandomStream) -> [LaneReading] {
        var plate = truck.plate, confidence = 0.95
        let roll = random.uniform()
        if roll < scenario.plateLowConfidenceRate {
            confidence = 0.5
        } else if roll < scenario.plateLowConfidenceRate + scenario.plateMisreadRate {
            plate = lookAlike(plate)
        }
        var container = truck.container
        if random.chance(scenario.containerMisreadRate) { container = String(container.dropLast()) + (container.last == "0" ? "1" : "0") }
        var payloads: [ReadingPayload] = [.plate(text: plate, confidence: confidence)]
        if let trailer = truck.trailer { payloads.append(.plate(text: trailer, confidence: 0.95)) }
        payloads.append(.container(text: container, confidence: 0.93))
        payloads.append(.seal(id: truck.seal, intact: true))
        if !random.chance(scenario.deviceErrorRate) {
            payloads.append(.weight(grossKg: (truck.grossKg + (random.uniform() - 0.5) * 300).rounded()))
        }
        payloads.append(.ready)
        return payloads.enumerated().map { index, payload in
            LaneReading(deviceId: "twin-\(payload.kind)", eventId: "\(index)", observedAt: planned, payload: payload)
        }
    }

    /// One OCR slip the engine corrects: a digit read as its look-alike letter.
    private static func lookAlike(_ plate: String) -> String {
        for (digit, letter) in [("8", "B"), ("0", "O"), ("1", "I")] {
            if let range = plate.range(of: digit) { return plate.replacingCharacters(in: range, with: letter) }
        }
        return plate
    }

    private static func truck(export: Bool, serial: Int, _ random: inout RandomStream) -> Truck? {
        func digits(_ n: Int) -> String { String(format: "%0\(n)d", Int(random.uniform() * pow(10, Double(n)))) }
        let plate = export ? "24C-\(100 + serial % 900).\(digits(2))" : "云A·\(10_000 + serial)"
        let trailer = export ? "24R-\(digits(3)).\(digits(2))" : nil
        let serialText = String(format: "%06d", serial * 7_919 % 1_000_000)
        let container = "CSQU" + serialText + String(ContainerNumber.checkDigit(of: "CSQU" + serialText) ?? 0)
        let seal = (export ? "VNLC" : "CNHK") + digits(7)
        let net = 20_000.0, gross = 21_000.0, tare = 14_000.0
        let goods: [String: Any] = export
            ? ["hsCode": "081060", "description": "Fresh durian", "quantity": net, "unit": "KGM", "netKg": net, "grossKg": gross,
               "value": ["amount": "60000.00", "currency": "USD"], "origin": "VN"]
            : ["hsCode": "870899", "description": "Truck parts", "quantity": net, "unit": "KGM", "netKg": net, "grossKg": gross,
               "value": ["amount": "1140000.00", "currency": "CNY"], "origin": "CN"]
        var vehicle: [String: Any] = ["plate": plate]
        if let trailer { vehicle["trailerPlate"] = trailer }
        let body: [String: Any] = [
            "direction": export ? "export" : "import", "gate": "kim-thanh",
            "declarant": ["taxCode": export ? "5300100269" : "5300100283", "name": "Twin trader"],
            "vehicle": vehicle,
            "driver": ["name": "Twin driver", "documentNumber": "C\(1_000_000 + serial)", "nationality": export ? "VN" : "CN"],
            "containers": [["number": container, "seals": [seal]]], "goods": [goods],
            "documents": [["kind": "commercialInvoice", "reference": "INV-\(serial)", "sha256": String(repeating: "0123456789abcdef", count: 4)]],
            "plannedArrival": Timestamp.format(planned), "tareKg": tare,
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: body), let json = try? JSONValue.parse(data),
              let declaration = try? TripDeclaration.parse(json, knownGates: ["kim-thanh"], now: planned.addingTimeInterval(-3_600))
        else { return nil }
        let candidate = DeclarationCandidate(id: UUID(uuidString: String(format: "00000000-0000-4000-8000-%012d", serial * 2 + (export ? 0 : 1)))!,
                                             status: .atLane, channel: .green, declaration: declaration)
        return Truck(candidate: candidate, plate: plate, trailer: trailer, container: container, seal: seal, grossKg: tare + gross)
    }
}
