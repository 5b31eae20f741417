import Foundation

extension IssueCode {
    public static let shuttleExportOnly = IssueCode(
        "crossing.shuttle-export",
        en: "shuttles carry exports from the Vietnamese yard; a trip that is {actual} crosses by truck",
        vi: "xe tự hành chỉ chở hàng xuất từ bãi phía Việt Nam; chuyến {actual} đi qua bằng xe tải",
        zh: "无人驾驶车辆只从越南侧堆场运送出口货物；{actual} 车次须由卡车通过")
    public static let shuttleNeedsContainer = IssueCode(
        "crossing.shuttle-container",
        en: "a shuttle carries containers; declare at least one",
        vi: "xe tự hành chở container; hãy khai ít nhất một container",
        zh: "无人驾驶车辆运送集装箱；请至少申报一个集装箱")
    public static let shuttleGate = IssueCode(
        "crossing.shuttle-gate",
        en: "the shuttle corridor runs at {allowed} only",
        vi: "hành lang xe tự hành chỉ hoạt động tại {allowed}",
        zh: "无人驾驶走廊仅在 {allowed} 运行")
    public static let grossBelowNet = IssueCode(
        "goods.gross-below-net",
        en: "gross mass {gross} kg is below net mass {net} kg",
        vi: "khối lượng cả bì {gross} kg nhỏ hơn khối lượng tịnh {net} kg",
        zh: "毛重 {gross} 千克小于净重 {net} 千克")
    public static let amountPrecision = IssueCode(
        "money.precision",
        en: "{currency} amounts have at most {digits} decimal places (got \"{actual}\")",
        vi: "số tiền {currency} có tối đa {digits} chữ số thập phân (nhận được \"{actual}\")",
        zh: "{currency} 金额最多 {digits} 位小数（实际为\"{actual}\"）")
    public static let unknownGate = IssueCode(
        "gate.unknown",
        en: "unknown gate \"{actual}\"; known gates: {allowed}",
        vi: "cửa khẩu \"{actual}\" không tồn tại; các cửa khẩu: {allowed}",
        zh: "未知口岸\"{actual}\"；已知口岸：{allowed}")
    public static let notTrailer = IssueCode(
        "plate.not-trailer",
        en: "{actual} is not a trailer plate",
        vi: "{actual} không phải biển số rơ moóc",
        zh: "{actual} 不是挂车号牌")
    public static let trailerAsVehicle = IssueCode(
        "plate.trailer-as-vehicle",
        en: "{actual} is a trailer plate; give it as vehicle.trailerPlate",
        vi: "{actual} là biển số rơ moóc; hãy khai tại vehicle.trailerPlate",
        zh: "{actual} 是挂车号牌，请填写在 vehicle.trailerPlate")
    /// A motorcycle plate given as a truck's.
    public static let motorcycleAsVehicle = IssueCode(
        "plate.motorcycle",
        en: "{actual} is a motorcycle plate (a series letter and digit); a truck's series is letters only",
        vi: "{actual} là biển số xe mô tô (chữ cái sê-ri kèm chữ số); sê-ri biển số xe tải chỉ gồm chữ cái",
        zh: "{actual} 是摩托车号牌（系列字母后带数字）；货车号牌的系列只有字母")
    public static let sealFormat = IssueCode(
        "seal.format",
        en: "an e-seal id is 4 to 32 letters, digits or dashes (got \"{actual}\")",
        vi: "mã niêm phong điện tử gồm 4 đến 32 chữ cái, chữ số hoặc dấu gạch (nhận được \"{actual}\")",
        zh: "电子关锁编号为 4 至 32 位字母、数字或连字符（实际为\"{actual}\"）")
}

/// The limits a declaration must stay within; documented in the README and the OpenAPI
/// document, and enforced here so every entry point (HTTP, CLI, the twin) agrees.
public enum DeclarationLimits {
    public static let nameLength = 200
    public static let descriptionLength = 500
    public static let referenceLength = 100
    public static let maxContainers = 8
    public static let maxSealsPerHolder = 16
    public static let maxGoodsLines = 200
    public static let maxDocuments = 50
    public static let maxKg: Decimal = 200_000
    public static let maxAmount: Decimal = 1_000_000_000_000
}

/// Normalises an e-seal id (upper case, trimmed) and checks its shape.
public enum SealIdentifier {
    public static func normalize(_ raw: String) throws(Issue) -> String {
        let id = raw.trimmingCharacters(in: .whitespaces).uppercased()
        let valid = (4...32).contains(id.count)
            && id.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        guard valid else { throw Issue(.sealFormat, ["actual": raw]) }
        return id
    }
}

extension TripDeclaration {
    /// The members a declaration document may have, per object. Anything else, the
    /// server-owned `id`, `status` and `channel` among them, is refused by name.
    enum Fields {
        static let root = ["direction", "gate", "declarant", "vehicle", "driver", "containers", "goods", "documents", "plannedArrival", "tareKg", "crossing"]
        static let declarant = ["taxCode", "name"]
        static let vehicle = ["plate", "trailerPlate", "seals"]
        static let driver = ["name", "documentNumber", "nationality"]
        static let container = ["number", "seals"]
        static let goods = ["hsCode", "description", "quantity", "unit", "netKg", "grossKg", "value", "origin"]
        static let money = ["amount", "currency"]
        static let document = ["kind", "reference", "sha256"]
    }

    /// Validates a declaration document and reports every invalid field at once.
    ///
    /// - Parameters:
    ///   - knownGates: ids of the gates this deployment serves.
    ///   - now: the server's time, against which `plannedArrival` must be plausible and
    ///     the currencies in force.
    public static func parse(_ json: JSONValue, knownGates: Set<String>, now: Date) throws(ValidationFailure) -> TripDeclaration {
        guard case .object(let root) = json else {
            throw ValidationFailure([Issue(field: "", .wrongType, ["expected": "an object", "actual": json.typeName])])
        }
        var sections = DeclarationSections(root: root, now: now)
        sections.reader.refuseUnknown(in: root, allowed: Fields.root)
        let direction = sections.reader.choice(root["direction"], at: "direction", as: TripDirection.self)
        let gate = sections.gate(knownGates: knownGates)
        let declarant = sections.declarant()
        let vehicle = sections.vehicle()
        let driver = sections.driver()
        let containers = sections.containers()
        let plannedArrival = sections.reader.timestamp(root["plannedArrival"], at: "plannedArrival", within: .plannedArrival(around: now))
        // Money is judged in the currencies in force on the day of the trip.
        let goods = sections.goods(on: plannedArrival ?? now)
        let documents = sections.documents()
        let tareKg = sections.reader.number(root["tareKg"], at: "tareKg", minimum: 0, maximum: 100_000, exclusiveMinimum: true)
        let crossing = sections.crossing(direction: direction, containers: containers)

        try sections.reader.finish()
        // Every field was present and valid, or `finish` would have thrown.
        guard let direction, let gate, let declarant, let vehicle, let driver, let plannedArrival, let tareKg
        else { throw ValidationFailure([Issue(field: "", .required)]) }
        return TripDeclaration(
            direction: direction, gate: gate, declarant: declarant, vehicle: vehicle, driver: driver,
            containers: containers.declared, goods: goods, documents: documents,
            plannedArrival: plannedArrival, tareKg: tareKg.doubleValue, crossing: crossing)
    }
}

/// Reads a declaration document section by section into one `FieldReader`, so issues
/// come in reading order and every one is reported. A missing or mistyped parent object
/// is one issue; its children are checked only inside an object.
private struct DeclarationSections {
    typealias Fields = TripDeclaration.Fields

    let root: [String: JSONValue]
    let now: Date
    var reader = FieldReader()
    /// Seal id → where it was first declared: a seal may appear once in the whole document.
    private var seals: [String: String] = [:]

    init(root: [String: JSONValue], now: Date) {
        self.root = root
        self.now = now
    }

    mutating func gate(knownGates: Set<String>) -> String? {
        let gate = reader.string(root["gate"], at: "gate", maxLength: 64)
        if let gate, !knownGates.contains(gate) {
            reader.add(Issue(field: "gate", .unknownGate, ["actual": gate, "allowed": knownGates.sorted().joined(separator: ", ")]))
        }
        return gate
    }

    /// The object at `key` (empty when missing) and whether it was given.
    private mutating func section(_ key: String, allowed: [String]) -> (object: [String: JSONValue], given: Bool) {
        let given = reader.object(root[key], at: key)
        reader.refuseUnknown(in: given ?? [:], allowed: allowed, at: key)
        return (given ?? [:], given != nil)
    }

    mutating func declarant() -> Declarant? {
        let (object, given) = section("declarant", allowed: Fields.declarant)
        let taxCode = reader.parse(object["taxCode"], at: "declarant.taxCode", required: given, maxLength: 32, EnterpriseCode.init)
        let name = reader.string(object["name"], at: "declarant.name", required: given, maxLength: DeclarationLimits.nameLength)
        guard let taxCode, let name else { return nil }
        return Declarant(taxCode: taxCode, name: name)
    }

    mutating func vehicle() -> DeclaredVehicle? {
        let (object, given) = section("vehicle", allowed: Fields.vehicle)
        let plate = reader.parse(object["plate"], at: "vehicle.plate", required: given, maxLength: 32, VehiclePlate.init)
        if let plate, plate.isTrailer {
            reader.add(Issue(field: "vehicle.plate", .trailerAsVehicle, ["actual": plate.display]))
        }
        if let plate, plate.isMotorcycle {
            reader.add(Issue(field: "vehicle.plate", .motorcycleAsVehicle, ["actual": plate.display]))
        }
        let trailerPlate = reader.parse(object["trailerPlate"], at: "vehicle.trailerPlate", required: false, maxLength: 32, VehiclePlate.init)
        if let trailerPlate, !trailerPlate.isTrailer {
            reader.add(Issue(field: "vehicle.trailerPlate", .notTrailer, ["actual": trailerPlate.display]))
        }
        let seals = seals(object["seals"], at: "vehicle.seals")
        return plate.map { DeclaredVehicle(plate: $0, trailerPlate: trailerPlate, seals: seals) }
    }

    mutating func driver() -> DeclaredDriver? {
        let (object, given) = section("driver", allowed: Fields.driver)
        let name = reader.string(object["name"], at: "driver.name", required: given, maxLength: DeclarationLimits.nameLength)
        let documentNumber = reader.string(object["documentNumber"], at: "driver.documentNumber", required: given, maxLength: 32)
        let nationality = reader.parse(object["nationality"], at: "driver.nationality", required: given, maxLength: 8, CountryCode.init)
        guard let name, let documentNumber, let nationality else { return nil }
        return DeclaredDriver(name: name, documentNumber: documentNumber, nationality: nationality)
    }

    /// The valid containers, and how many items were given (valid or not).
    mutating func containers() -> (declared: [DeclaredContainer], given: Int) {
        var containers: [DeclaredContainer] = []
        var paths: [String: String] = [:]
        let items = reader.array(root["containers"], at: "containers", required: false, maxCount: DeclarationLimits.maxContainers) ?? []
        for (index, item) in items.enumerated() {
            let path = "containers[\(index)]"
            guard let object = reader.object(item, at: path) else { continue }
            reader.refuseUnknown(in: object, allowed: Fields.container, at: path)
            let number = reader.parse(object["number"], at: "\(path).number", maxLength: 20, ContainerNumber.init)
            let containerSeals = seals(object["seals"], at: "\(path).seals")
            guard let number else { continue }
            if let first = paths[number.value] {
                reader.add(Issue(field: "\(path).number", .duplicate, ["other": first]))
                continue
            }
            paths[number.value] = "\(path).number"
            containers.append(DeclaredContainer(number: number, seals: containerSeals))
        }
        return (containers, items.count)
    }

    private mutating func seals(_ value: JSONValue?, at path: String) -> [String] {
        let items = reader.array(value, at: path, required: false, maxCount: DeclarationLimits.maxSealsPerHolder) ?? []
        var result: [String] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard let seal = reader.parse(item, at: itemPath, maxLength: 64, SealIdentifier.normalize) else { continue }
            if let first = seals[seal] {
                reader.add(Issue(field: itemPath, .duplicate, ["other": first]))
            } else {
                seals[seal] = itemPath
                result.append(seal)
            }
        }
        return result
    }

    /// The goods lines, their money in the currencies in force on `date`.
    mutating func goods(on date: Date) -> [GoodsLine] {
        let items = reader.array(root["goods"], at: "goods", minCount: 1, maxCount: DeclarationLimits.maxGoodsLines) ?? []
        return items.enumerated().compactMap { index, item in goodsLine(item, at: "goods[\(index)]", on: date) }
    }

    private mutating func goodsLine(_ item: JSONValue, at path: String, on date: Date) -> GoodsLine? {
        guard let object = reader.object(item, at: path) else { return nil }
        reader.refuseUnknown(in: object, allowed: Fields.goods, at: path)
        let hsCode = reader.parse(object["hsCode"], at: "\(path).hsCode", maxLength: 16, HSCode.init)
        let description = reader.string(object["description"], at: "\(path).description", maxLength: DeclarationLimits.descriptionLength)
        let quantity = reader.number(object["quantity"], at: "\(path).quantity", minimum: 0, maximum: 1_000_000_000, exclusiveMinimum: true)
        let unit = reader.parse(object["unit"], at: "\(path).unit", maxLength: 8) { text throws(Issue) in
            let code = text.uppercased()
            guard (2...3).contains(code.count), code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw Issue(.pattern, ["description": "a UN/ECE unit code such as KGM, TNE or PCE", "actual": text])
            }
            return code
        }
        let netKg = reader.number(object["netKg"], at: "\(path).netKg", minimum: 0, maximum: DeclarationLimits.maxKg, exclusiveMinimum: true)
        let grossKg = reader.number(object["grossKg"], at: "\(path).grossKg", minimum: 0, maximum: DeclarationLimits.maxKg, exclusiveMinimum: true)
        if let netKg, let grossKg, grossKg < netKg {
            reader.add(Issue(field: "\(path).grossKg", .grossBelowNet, ["gross": "\(grossKg)", "net": "\(netKg)"]))
        }
        let value = money(object["value"], at: "\(path).value", on: date)
        let origin = reader.parse(object["origin"], at: "\(path).origin", maxLength: 8, CountryCode.init)
        guard let hsCode, let description, let quantity, let unit, let netKg, let grossKg, let value, let origin else { return nil }
        return GoodsLine(
            hsCode: hsCode, description: description, quantity: quantity.doubleValue, unit: unit,
            netKg: netKg.doubleValue, grossKg: grossKg.doubleValue, value: value, origin: origin)
    }

    private mutating func money(_ value: JSONValue?, at path: String, on date: Date) -> Money? {
        guard let object = reader.object(value, at: path) else { return nil }
        reader.refuseUnknown(in: object, allowed: Fields.money, at: path)
        let currency = reader.parse(object["currency"], at: "\(path).currency", maxLength: 8) { text throws(Issue) in
            let code = try CurrencyCode(text)
            try code.checkInForce(on: date)
            return code
        }
        let amountPath = "\(path).amount"
        let amount: Decimal?
        switch object["amount"] {
        case .string(let text)?:
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            let shape = trimmed.range(of: #"^[0-9]{1,13}(\.[0-9]{1,6})?$"#, options: .regularExpression) != nil
            if shape, let parsed = Decimal(string: trimmed, locale: Locale(identifier: "en_US_POSIX")) {
                amount = reader.number(.number(parsed), at: amountPath, minimum: 0, maximum: DeclarationLimits.maxAmount, exclusiveMinimum: true)
            } else {
                reader.add(Issue(field: amountPath, .pattern, ["description": "a decimal amount such as 54000.00", "actual": text]))
                amount = nil
            }
        default:
            amount = reader.number(object["amount"], at: amountPath, minimum: 0, maximum: DeclarationLimits.maxAmount, exclusiveMinimum: true)
        }
        guard let amount, let currency else { return nil }
        if amount.fractionDigits > currency.minorUnits {
            reader.add(Issue(field: amountPath, .amountPrecision, [
                "currency": currency.value, "digits": "\(currency.minorUnits)", "actual": "\(amount)",
            ]))
            return nil
        }
        return Money(amount: amount, currency: currency)
    }

    mutating func documents() -> [DocumentReference] {
        let items = reader.array(root["documents"], at: "documents", required: false, maxCount: DeclarationLimits.maxDocuments) ?? []
        return items.enumerated().compactMap { index, item in
            let path = "documents[\(index)]"
            guard let object = reader.object(item, at: path) else { return nil }
            reader.refuseUnknown(in: object, allowed: Fields.document, at: path)
            let kind = reader.choice(object["kind"], at: "\(path).kind", as: DocumentKind.self)
            let reference = reader.string(object["reference"], at: "\(path).reference", maxLength: DeclarationLimits.referenceLength)
            let digest = reader.parse(object["sha256"], at: "\(path).sha256", maxLength: 80, SHA256Digest.init)
            guard let kind, let reference, let digest else { return nil }
            return DocumentReference(kind: kind, reference: reference, sha256: digest)
        }
    }

    /// The crossing mode; the shuttles take containers from the Vietnamese yard to China.
    mutating func crossing(direction: TripDirection?, containers: (declared: [DeclaredContainer], given: Int)) -> CrossingMode? {
        let crossing = reader.choice(root["crossing"], at: "crossing", required: false, as: CrossingMode.self)
        if crossing == .shuttle {
            if let direction, direction != .export { reader.add(Issue(field: "crossing", .shuttleExportOnly, ["actual": direction.rawValue])) }
            if containers.declared.isEmpty && containers.given == 0 { reader.add(Issue(field: "crossing", .shuttleNeedsContainer)) }
        }
        return crossing
    }
}

extension Decimal {
    /// As a `Double`, for physical quantities (kilograms) where binary floats are fine.
    public var doubleValue: Double { NSDecimalNumber(decimal: self).doubleValue }

    /// Number of digits after the decimal point in this value's shortest form.
    var fractionDigits: Int {
        let text = NSDecimalNumber(decimal: self).stringValue
        guard let dot = text.firstIndex(of: ".") else { return 0 }
        return text.distance(from: dot, to: text.endIndex) - 1
    }
}
