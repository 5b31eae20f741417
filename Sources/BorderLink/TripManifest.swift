import Foundation
import GateKit

/// The payload of a `trip-manifest` (docs/BORDERLINK.md §4.1): what the receiving side needs
/// to expect the truck at its paired gate and to match it at its lane as it matches a
/// declaration of its own.
///
/// Goods travel as a summary per HS subheading (six digits, the level both tariffs share;
/// each line also names its four-digit heading): national tariff lines and prices per line
/// stay with the declaring side.
public enum TripManifest {
    /// The payload for version `version` of declaration `id`, expected at `receiverGate`.
    public static func payload(for trip: TripDeclaration, id: UUID, version: Int, channel: Channel, receiverGate: String) -> [String: JSONValue] {
        var payload: [String: JSONValue] = [
            "declarationId": .string(id.uuidString.lowercased()),
            "version": .string(String(version)),
            "senderGate": .string(trip.gate),
            "gate": .string(receiverGate),
            "direction": .string(trip.direction.rawValue),
            "plannedArrival": .string(Timestamp.format(trip.plannedArrival)),
            "declarant": .object(["taxCode": .string(trip.declarant.taxCode.value), "name": .string(trip.declarant.name)]),
            "driver": .object([
                "name": .string(trip.driver.name), "documentNumber": .string(trip.driver.documentNumber),
                "nationality": .string(trip.driver.nationality.value),
            ]),
            "containers": .array(trip.containers.map {
                .object(["number": .string($0.number.value), "seals": .array($0.seals.map(JSONValue.string))])
            }),
            "goods": .array(summary(of: trip.goods)),
            "documents": .array(trip.documents.map {
                .object(["kind": .string($0.kind.rawValue), "reference": .string($0.reference), "sha256": .string($0.sha256.value)])
            }),
            "tareKg": .string(LinkCanonical.decimal(trip.tareKg)),
            "grossKg": .string(LinkCanonical.decimal(trip.expectedGrossKg)),
            "channel": .string(channel.rawValue),
        ]
        var vehicle: [String: JSONValue] = ["plate": .string(trip.vehicle.plate.normalized), "seals": .array(trip.vehicle.seals.map(JSONValue.string))]
        if let trailer = trip.vehicle.trailerPlate { vehicle["trailerPlate"] = .string(trailer.normalized) }
        payload["vehicle"] = .object(vehicle)
        return payload
    }

    /// One line per (subheading, origin, currency), masses and values summed.
    static func summary(of goods: [GoodsLine]) -> [JSONValue] {
        struct Key: Hashable { var subheading, origin, currency: String }
        var order: [Key] = []
        var lines: [Key: (description: String, net: Double, gross: Double, value: Decimal)] = [:]
        for line in goods {
            let key = Key(subheading: String(line.hsCode.value.prefix(6)), origin: line.origin.value, currency: line.value.currency.value)
            if lines[key] == nil { order.append(key) }
            let earlier = lines[key] ?? (line.description, 0, 0, 0)
            lines[key] = (earlier.description, earlier.net + line.netKg, earlier.gross + line.grossKg, earlier.value + line.value.amount)
        }
        return order.map { key in
            let line = lines[key]!
            let money = Money(amount: line.value, currency: (try? CurrencyCode(key.currency)) ?? CurrencyCode.usd)
            return .object([
                "heading": .string(String(key.subheading.prefix(4))), "subheading": .string(key.subheading),
                "description": .string(line.description), "netKg": .string(LinkCanonical.decimal(line.net)),
                "grossKg": .string(LinkCanonical.decimal(line.gross)),
                "value": .object(["amount": .string(money.formattedAmount), "currency": .string(key.currency)]),
                "origin": .string(key.origin),
            ])
        }
    }

    /// The declaration document the receiving side validates and stores, as its own API
    /// would receive it: the trip seen from the receiver (an export arrives as an import),
    /// at the receiver's gate named in the manifest.
    public static func declarationDocument(from payload: [String: JSONValue]) throws(LinkRefusal) -> JSONValue {
        let reader = ManifestReader(payload: payload)
        let direction = try reader.text("direction")
        let arriving: String = switch direction {
        case "export": "import"
        case "transit": "transit"
        default: throw LinkRefusal(.malformed, "a manifest is for a trip leaving the sender's side (export or transit), not \(direction)")
        }
        var goods: [JSONValue] = []
        for line in try reader.objects("goods") {
            let goodsReader = ManifestReader(payload: line)
            goods.append(.object([
                "hsCode": .string(try goodsReader.text("subheading")), "description": .string(try goodsReader.text("description")),
                "quantity": try goodsReader.number("netKg"), "unit": .string("KGM"), "netKg": try goodsReader.number("netKg"),
                "grossKg": try goodsReader.number("grossKg"), "value": line["value"] ?? .null, "origin": .string(try goodsReader.text("origin")),
            ]))
        }
        return .object([
            "direction": .string(arriving), "gate": .string(try reader.text("gate")),
            "declarant": try reader.value("declarant"), "vehicle": try reader.value("vehicle"), "driver": try reader.value("driver"),
            "containers": .array(try reader.objects("containers").map(JSONValue.object)), "goods": .array(goods),
            "documents": .array(try reader.objects("documents").map(JSONValue.object)),
            "plannedArrival": .string(try reader.text("plannedArrival")), "tareKg": try reader.number("tareKg"),
        ])
    }

    /// The sender's declaration id and version named in a manifest.
    public static func version(of payload: [String: JSONValue]) throws(LinkRefusal) -> (id: UUID, version: Int) {
        let reader = ManifestReader(payload: payload)
        guard let id = UUID(uuidString: try reader.text("declarationId")), let version = Int(try reader.text("version")), version >= 1 else {
            throw LinkRefusal(.malformed, "a manifest names its declarationId (a UUID) and version (1, 2, …)")
        }
        return (id, version)
    }
}

/// Reads the members of a payload, each failure a `malformed` refusal naming the member.
struct ManifestReader {
    let payload: [String: JSONValue]

    func value(_ name: String) throws(LinkRefusal) -> JSONValue {
        guard let value = payload[name], value != .null else { throw LinkRefusal(.malformed, "the payload has no \(name)") }
        return value
    }

    func text(_ name: String) throws(LinkRefusal) -> String {
        guard case .string(let text) = try value(name) else { throw LinkRefusal(.malformed, "\(name) must be a string") }
        return text
    }

    /// A decimal string as a JSON number, for the receiver's own validation.
    func number(_ name: String) throws(LinkRefusal) -> JSONValue {
        let text = try text(name)
        guard let number = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), text.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }) else {
            throw LinkRefusal(.malformed, "\(name) must be a decimal string, not \(text)")
        }
        return .number(number)
    }

    func objects(_ name: String) throws(LinkRefusal) -> [[String: JSONValue]] {
        guard case .array(let items) = try value(name) else { throw LinkRefusal(.malformed, "\(name) must be an array") }
        return try items.map { item throws(LinkRefusal) in
            guard case .object(let members) = item else { throw LinkRefusal(.malformed, "each of \(name) must be an object") }
            return members
        }
    }
}
