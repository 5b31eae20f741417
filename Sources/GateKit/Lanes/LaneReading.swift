import Foundation

/// Which way a lane carries traffic across the border.
public enum LaneDirection: String, Sendable, Codable, CaseIterable {
    /// Vietnam → China: exports, and transit leaving Vietnam.
    case outbound
    /// China → Vietnam: imports, and transit entering Vietnam.
    case inbound

    /// Whether a trip declared in `direction` may use a lane of this direction.
    /// Transit uses either: the declaration's gate and lane say which way it is going.
    public func serves(_ direction: TripDirection) -> Bool {
        switch (self, direction) {
        case (_, .transit), (.outbound, .export), (.inbound, .import): true
        default: false
        }
    }
}

/// One lane at one gate: what the decision engine needs to know about where it runs.
public struct LaneProfile: Sendable, Equatable {
    public var id: String
    public var gateId: String
    public var direction: LaneDirection
    public init(id: String, gateId: String, direction: LaneDirection) {
        self.id = id
        self.gateId = gateId
        self.direction = direction
    }
}

/// What a lane device saw.
public enum ReadingPayload: Sendable, Equatable {
    /// A plate camera (ANPR) read; `text` is the raw OCR output, valid or not.
    case plate(text: String, confidence: Double)
    /// A container-number OCR read, raw.
    case container(text: String, confidence: Double)
    /// An RFID e-seal read and whether the seal reports itself intact.
    case seal(id: String, intact: Bool)
    /// A weighbridge reading of the whole vehicle.
    case weight(grossKg: Double)
    /// The vehicle is stopped at the barrier: decide now.
    case ready
    /// The barrier cycle ended (loop detector): the vehicle has left the lane.
    case passed

    /// The wire name of the reading kind.
    public var kind: String {
        switch self {
        case .plate: "plate"
        case .container: "container"
        case .seal: "seal"
        case .weight: "weight"
        case .ready: "ready"
        case .passed: "passed"
        }
    }
}

/// One event from one lane device. `(deviceId, eventId)` identifies it: a device that
/// retries sends the same pair, and the reading is stored once.
public struct LaneReading: Sendable, Equatable {
    public var deviceId: String
    public var eventId: String
    public var observedAt: Date
    public var payload: ReadingPayload

    public init(deviceId: String, eventId: String, observedAt: Date, payload: ReadingPayload) {
        self.deviceId = deviceId
        self.eventId = eventId
        self.observedAt = observedAt
        self.payload = payload
    }
}

/// The reading kinds a device may post.
public enum ReadingKind: String, Sendable, CaseIterable {
    case plate, container, seal, weight, ready, passed

    /// The members this kind adds to a reading; any other is refused by name.
    var fields: [String] {
        switch self {
        case .plate: ["plate", "confidence"]
        case .container: ["container", "confidence"]
        case .seal: ["seal", "intact"]
        case .weight: ["grossKg"]
        case .ready, .passed: []
        }
    }
}

extension IssueCode {
    public static let identifierFormat = IssueCode(
        "identifier.format",
        en: "must be 1 to {max} letters, digits or . _ : - (got \"{actual}\")",
        vi: "gồm 1 đến {max} chữ cái, chữ số hoặc . _ : - (nhận được \"{actual}\")",
        zh: "须为 1 至 {max} 位字母、数字或 . _ : -（实际为\"{actual}\"）")
    public static let observedInFuture = IssueCode(
        "reading.future",
        en: "is {seconds} s ahead of the server clock (at most {max} s allowed)",
        vi: "sớm hơn đồng hồ máy chủ {seconds} giây (tối đa {max} giây)",
        zh: "比服务器时钟快 {seconds} 秒（最多允许 {max} 秒）")
}

extension LaneReading {
    /// Members every reading has; each kind adds its own (`ReadingKind.fields`).
    static let commonFields = ["deviceId", "eventId", "observedAt", "kind"]

    /// How far ahead of the server a device clock may run before its readings are refused.
    public static let maxClockSkew: TimeInterval = 300

    /// Validates one reading document, reporting every invalid field at once.
    public static func parse(_ json: JSONValue, now: Date) throws(ValidationFailure) -> LaneReading {
        guard case .object(let root) = json else {
            throw ValidationFailure([Issue(.wrongType, ["expected": "an object", "actual": json.typeName])])
        }
        var reader = FieldReader()
        let deviceId = reader.parse(root["deviceId"], at: "deviceId", maxLength: 64) { text throws(Issue) in
            try wireIdentifier(text, max: 64)
        }
        let eventId = reader.parse(root["eventId"], at: "eventId", maxLength: 64) { text throws(Issue) in
            try wireIdentifier(text, max: 64)
        }
        // A clock ahead of the server is named as such; one far behind (a device reset
        // to 1970) falls outside the plausible window.
        let observedAt = reader.timestamp(
            root["observedAt"], at: "observedAt", within: .observedAt(around: now))
        if let observedAt, observedAt.timeIntervalSince(now) > maxClockSkew {
            reader.add(Issue(field: "observedAt", .observedInFuture, [
                "seconds": "\(Int(observedAt.timeIntervalSince(now)))", "max": "\(Int(maxClockSkew))",
            ]))
        }
        let kind = reader.choice(root["kind"], at: "kind", as: ReadingKind.self)
        reader.refuseUnknown(in: root, allowed: Self.commonFields + (kind?.fields ?? ReadingKind.allCases.flatMap(\.fields)))
        var payload: ReadingPayload?
        switch kind {
        case .plate?:
            let text = reader.string(root["plate"], at: "plate", maxLength: 32)
            let confidence = reader.number(root["confidence"], at: "confidence", required: false, minimum: 0, maximum: 1)
            if let text { payload = .plate(text: text, confidence: confidence?.doubleValue ?? 1) }
        case .container?:
            let text = reader.string(root["container"], at: "container", maxLength: 32)
            let confidence = reader.number(root["confidence"], at: "confidence", required: false, minimum: 0, maximum: 1)
            if let text { payload = .container(text: text, confidence: confidence?.doubleValue ?? 1) }
        case .seal?:
            let id = reader.parse(root["seal"], at: "seal", maxLength: 64, SealIdentifier.normalize)
            let intact = reader.bool(root["intact"], at: "intact")
            if let id, let intact { payload = .seal(id: id, intact: intact) }
        case .weight?:
            let kg = reader.number(root["grossKg"], at: "grossKg", minimum: 0, maximum: 200_000, exclusiveMinimum: true)
            if let kg { payload = .weight(grossKg: kg.doubleValue) }
        case .ready?:
            payload = .ready
        case .passed?:
            payload = .passed
        case nil:
            break
        }
        try reader.finish()
        guard let deviceId, let eventId, let observedAt, let payload else {
            throw ValidationFailure([Issue(.required)])
        }
        return LaneReading(deviceId: deviceId, eventId: eventId, observedAt: observedAt, payload: payload)
    }

    private static func wireIdentifier(_ text: String, max: Int) throws(Issue) -> String {
        let valid = text.count <= max && text.unicodeScalars.allSatisfy {
            ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || ".-_:".unicodeScalars.contains($0)
        }
        guard valid else { throw Issue(.identifierFormat, ["max": "\(max)", "actual": text]) }
        return text
    }
}
