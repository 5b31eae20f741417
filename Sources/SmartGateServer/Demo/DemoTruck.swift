import Foundation
import GateKit

/// A small, seedable generator (SplitMix64): the demo and the benchmark replay the same
/// traffic for the same seed.
public struct SplitMix64: Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Uniform in `range`.
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
}

/// One demo truck: its declaration (as a trader would send it) and the readings its lane's
/// devices will send, with the problem it carries, if any. The demo and the benchmark
/// both drive the API with these.
// `@unchecked`: the dictionaries hold only JSON values (strings, numbers, arrays, dictionaries)
// and are never mutated after `make`.
public struct DemoTruck: @unchecked Sendable {
    /// What is wrong with the truck, if anything.
    public enum Problem: CaseIterable, Sendable {
        case none, overweight, tamperedSeal, missingSeal, misreadContainer, ocrPlate, undeclared, lowConfidencePlate
    }

    public var lane: String
    /// Prefix of the truck's device event ids; unique per truck.
    public var eventPrefix: String
    /// The declaration body, nil for the undeclared truck.
    public var declaration: [String: Any]?
    /// Reading bodies without `eventId` and `observedAt`, in the order devices send them.
    public var readings: [[String: Any]]
    public var problem: Problem

    /// A truck for `lane`, drawn from `random`.
    public static func make(lane: String, gate: String, direction: TripDirection, serial: Int, random: inout SplitMix64) -> DemoTruck {
        make(lane: lane, gate: gate, direction: direction, serial: serial, side: .vietnam, random: &random)
    }

    /// A truck for `lane` on `side`: a Vietnamese truck with fruit when it leaves Vietnam or
    /// arrives in China, a Chinese one with manufactured goods the other way.
    static func make(lane: String, gate: String, direction: TripDirection, serial: Int, side: DemoSide, random: inout SplitMix64) -> DemoTruck {
        let roll = random.unit()
        let problem: Problem = switch roll {
        case ..<0.74: .none
        case ..<0.80: .overweight
        case ..<0.83: .tamperedSeal
        case ..<0.86: .missingSeal
        case ..<0.91: .misreadContainer
        case ..<0.95: .ocrPlate
        case ..<0.98: .undeclared
        default: .lowConfidencePlate
        }
        let run = String(random.next() % 1_000_000_000, radix: 36)
        let prefix = "\(lane)-\(run)-\(serial)"
        let exporting = side.vietnameseTruck(direction)
        let trader = direction == .export ? side.exporter : side.importer
        let plate = exporting ? vietnamesePlate(&random) : chinesePlate(&random)
        let trailer = exporting ? "24R-\(String(format: "%03d.%02d", random.int(1...999), random.int(0...99)))" : nil
        let container = containerNumber(&random)
        let seal = "\(exporting ? "VNLC" : "CNHK")\(String(format: "%07d", random.int(0...9_999_999)))"
        var goods = exporting ? fruit(&random) : imports(&random)
        // Risk, separate from the lane's problems: a few traders undervalue, a few fruit
        // trucks come without their phytosanitary certificate.
        let riskRoll = random.unit()
        if riskRoll < 0.05, var value = goods.line["value"] as? [String: Any], let amount = Double(value["amount"] as? String ?? "") {
            value["amount"] = String(format: "%.2f", amount * 0.35)
            goods.line["value"] = value
        } else if riskRoll < 0.09, goods.phyto {
            goods.phyto = false
        }
        let tare = Double(random.int(13_000...15_500))
        let planned = Date().addingTimeInterval(Double(random.int(-7200...3600)))

        var declaration: [String: Any] = [
            "direction": direction.rawValue,
            "gate": gate,
            "declarant": ["taxCode": trader.taxCode, "name": trader.name],
            "vehicle": ["plate": plate].merging(trailer.map { ["trailerPlate": $0] } ?? [:]) { a, _ in a },
            "driver": ["name": exporting ? "Nguyen Van A" : "Li Wei", "documentNumber": "C\(random.int(1_000_000...9_999_999))",
                       "nationality": exporting ? "VN" : "CN"],
            "containers": [["number": container, "seals": [seal]]],
            "goods": [goods.line],
            "documents": [["kind": "commercialInvoice", "reference": "INV-\(prefix)", "sha256": digest(&random)],
                          ["kind": "packingList", "reference": "PL-\(prefix)", "sha256": digest(&random)]]
                + (goods.phyto ? [["kind": "phytosanitaryCertificate", "reference": "PC-\(prefix)", "sha256": digest(&random)]] : []),
            "plannedArrival": Timestamp.format(planned),
            "tareKg": tare,
        ]
        // Every third export at Kim Thành goes in smart mode: released at the lane, its
        // container becomes a transport order over the corridor (no random draw, so the
        // rest of the traffic stays as it was).
        if direction == .export && gate == "kim-thanh" && serial % 3 == 0 { declaration["crossing"] = "shuttle" }
        let expected = tare + goods.grossKg

        var plateRead = plate
        var confidence = 0.9 + random.unit() * 0.09
        var containerRead = container
        var weight = expected + Double(random.int(-150...150))
        var seals: [[String: Any]] = [["kind": "seal", "seal": seal, "intact": true]]
        switch problem {
        case .none: break
        case .overweight: weight = expected + Double(random.int(1_200...4_000))
        case .tamperedSeal: seals = [["kind": "seal", "seal": seal, "intact": false]]
        case .missingSeal: seals = []
        case .misreadContainer: containerRead = misread(container)
        case .ocrPlate: plateRead = confused(plate)
        case .undeclared: declaration = [:]
        case .lowConfidencePlate: confidence = 0.4 + random.unit() * 0.3
        }

        func device(_ name: String) -> String { "\(lane)-\(name)" }
        var readings: [[String: Any]] = [
            ["deviceId": device("anpr-front"), "kind": "plate", "plate": plateRead, "confidence": confidence],
        ]
        if let trailer { readings.append(["deviceId": device("anpr-rear"), "kind": "plate", "plate": trailer, "confidence": 0.95]) }
        readings.append(["deviceId": device("ocr"), "kind": "container", "container": containerRead, "confidence": 0.93])
        readings += seals.map { $0.merging(["deviceId": device("rfid")]) { a, _ in a } }
        readings.append(["deviceId": device("weighbridge"), "kind": "weight", "grossKg": weight.rounded()])
        readings.append(["deviceId": device("loop"), "kind": "ready"])
        readings.append(["deviceId": device("loop"), "kind": "passed"])
        return DemoTruck(lane: lane, eventPrefix: prefix, declaration: declaration.isEmpty ? nil : declaration, readings: readings, problem: problem)
    }

    // MARK: - Realistic identifiers

    static func vietnamesePlate(_ random: inout SplitMix64) -> String {
        let series = ["C", "D", "LD", "H"][random.int(0...3)]
        return "24\(series)-\(String(format: "%03d.%02d", random.int(100...999), random.int(0...99)))"
    }

    static func chinesePlate(_ random: inout SplitMix64) -> String {
        let letters = Array("ABCDEFGHJKLMNPQRSTUVWXYZ")
        return "云\(letters[random.int(0...3)])·\(random.int(10_000...99_999))"
    }

    static func containerNumber(_ random: inout SplitMix64) -> String {
        let owner = ["CSQU", "MSCU", "TGHU", "COSU", "OOLU"][random.int(0...4)]
        let serial = String(format: "%06d", random.int(0...999_999))
        let check = ContainerNumber.checkDigit(of: owner + serial) ?? 0
        return "\(owner)\(serial)\(check)"
    }

    static func digest(_ random: inout SplitMix64) -> String {
        (0..<4).map { _ in String(format: "%016llx", random.next()) }.joined()
    }

    /// One OCR slip in the serial: a digit read as its look-alike letter, which the check
    /// digit lets the lane repair.
    static func misread(_ container: String) -> String {
        var characters = Array(container)
        for index in 4..<10 {
            switch characters[index] {
            case "0": characters[index] = "O"; return String(characters)
            case "1": characters[index] = "I"; return String(characters)
            case "8": characters[index] = "B"; return String(characters)
            case "5": characters[index] = "S"; return String(characters)
            default: continue
            }
        }
        return container
    }

    /// A plate read with look-alike characters, as cameras do in rain and glare.
    static func confused(_ plate: String) -> String {
        plate.replacingOccurrences(of: "0", with: "O").replacingOccurrences(of: "8", with: "B").replacingOccurrences(of: "1", with: "I")
    }

    static func fruit(_ random: inout SplitMix64) -> (line: [String: Any], grossKg: Double, phyto: Bool) {
        let kinds: [(String, String, Double)] = [
            ("081060", "Fresh durian", 3.0), ("081090", "Fresh dragon fruit", 1.2), ("080390", "Fresh bananas", 0.5),
            ("081190", "Frozen jackfruit", 1.6), ("071410", "Fresh cassava", 0.3),
        ]
        let kind = kinds[random.int(0...kinds.count - 1)]
        let net = Double(random.int(19...24)) * 1000
        let gross = net + Double(random.int(600...1_500))
        return (["hsCode": kind.0, "description": kind.1, "quantity": net, "unit": "KGM", "netKg": net, "grossKg": gross,
                 "value": ["amount": String(format: "%.2f", net * kind.2), "currency": "USD"], "origin": "VN"], gross, true)
    }

    static func imports(_ random: inout SplitMix64) -> (line: [String: Any], grossKg: Double, phyto: Bool) {
        // Prices in CNY per kg and tonnes per container near the norms the risk model
        // learns (converters ~20 USD/kg in ~12 t), so an ordinary import scores green.
        let kinds: [(String, String, Double, ClosedRange<Int>)] = [
            ("850440", "Static converters", 140, 11...13), ("310530", "Diammonium phosphate fertiliser", 2.6, 25...27),
            ("870899", "Truck parts", 57, 13...15), ("720839", "Hot-rolled steel coil", 5.0, 25...27),
        ]
        let kind = kinds[random.int(0...kinds.count - 1)]
        let net = Double(random.int(kind.3)) * 1000
        let gross = net + Double(random.int(200...900))
        return (["hsCode": kind.0, "description": kind.1, "quantity": net, "unit": "KGM", "netKg": net, "grossKg": gross,
                 "value": ["amount": String(format: "%.2f", net * kind.2), "currency": "CNY"], "origin": "CN"], gross, false)
    }
}
