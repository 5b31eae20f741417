import Foundation

/// Decides, from a declaration and what the lane's devices read, whether the barrier opens.
///
/// A pure function of its inputs (declarations, readings, policy): the server, the
/// benchmark and the digital twin run exactly this code, and a test can replay any decision.
public enum LaneDecisionEngine {
    /// Who the readings identify.
    public enum Identification: Sendable, Equatable {
        /// No trustworthy plate read, or no declaration for it.
        case unidentified(DecisionReason)
        /// More than one declared vehicle fits the reads: matching either could release the
        /// wrong truck, so neither is matched.
        case ambiguous(DecisionReason)
        /// Exactly one declaration fits.
        case matched(DeclarationCandidate, notes: [DecisionReason])
    }

    /// The OCR-tolerant keys of the trusted plate reads; the caller looks candidate
    /// declarations up by these (`VehiclePlate.matchKey`).
    public static func plateKeys(in readings: [LaneReading], policy: LanePolicy = .standard) -> Set<String> {
        Set(trustedPlateReads(readings, policy).map { VehiclePlate.matchKey(forRead: $0.text) })
    }

    /// Matches the plate reads to the candidate declarations.
    ///
    /// - Parameter lane: where the vehicle is. When one vehicle has several trips declared
    ///   (today's and tomorrow's), the one for this lane's gate and direction inside the
    ///   arrival window is chosen; different vehicles that fit the reads are never told apart.
    public static func identify(
        readings: [LaneReading], candidates: [DeclarationCandidate], lane: LaneProfile? = nil,
        policy: LanePolicy = .standard
    ) -> Identification {
        let reads = trustedPlateReads(readings, policy)
        if reads.isEmpty {
            let doubtfulVehicleRead = readings.contains {
                guard case .plate(let text, _) = $0.payload else { return false }
                return (try? VehiclePlate(text))?.isTrailer != true
            }
            return .unidentified(doubtfulVehicleRead
                ? DecisionReason(.plateLowConfidence, .refer, "Vehicle plate reads are below the confidence threshold \(policy.minimumReadConfidence).")
                : DecisionReason(.plateUnread, .refer, "No vehicle plate was read."))
        }
        let keys = Set(reads.map { VehiclePlate.matchKey(forRead: $0.text) })
        var byId: [UUID: DeclarationCandidate] = [:]
        for candidate in candidates where candidate.status.awaitsVehicle && keys.contains(candidate.declaration.vehicle.plate.matchKey) {
            byId[candidate.id] = candidate
        }
        switch byId.count {
        case 0:
            let shown = reads.map { normalizedRead($0.text) }.joined(separator: ", ")
            return .unidentified(DecisionReason(.vehicleUndeclared, .refer, "No open declaration for plate \(shown)."))
        case 1:
            let match = byId.values.first!
            let plate = match.declaration.vehicle.plate
            var notes: [DecisionReason] = []
            if !reads.contains(where: { normalizedRead($0.text) == plate.normalized }) {
                let shown = reads.map { normalizedRead($0.text) }.joined(separator: ", ")
                notes.append(DecisionReason(.plateCorrected, .info, "Plate read \(shown) matched declared \(plate.display) through OCR confusions."))
            }
            return .matched(match, notes: notes)
        default:
            let trips = Array(byId.values)
            let oneVehicle = Set(trips.map(\.declaration.vehicle.plate.normalized)).count == 1
            if oneVehicle, let lane, let arrival = readings.map(\.observedAt).max() {
                let fitting = trips.filter {
                    $0.declaration.gate == lane.gateId && lane.direction.serves($0.declaration.direction)
                        && abs(arrival.timeIntervalSince($0.declaration.plannedArrival)) <= policy.arrivalWindow
                }
                if fitting.count == 1 {
                    return .matched(fitting[0], notes: [DecisionReason(
                        .tripSelected, .info,
                        "\(trips.count) trips are declared for this vehicle; the one for this lane and time was chosen.")])
                }
            }
            return .ambiguous(DecisionReason(
                .plateAmbiguous, .refer,
                "\(byId.count) declared vehicles fit the plate reads; an officer must identify the vehicle."))
        }
    }

    /// The full decision at `ready`.
    public static func decide(
        lane: LaneProfile, readings: [LaneReading], candidates: [DeclarationCandidate],
        policy: LanePolicy = .standard
    ) -> LaneDecision {
        var used = allTrustedPlateReads(readings, policy).map { reference($0.reading) }
        let bestRead = trustedPlateReads(readings, policy).first.map { normalizedRead($0.text) }

        let candidate: DeclarationCandidate
        var reasons: [DecisionReason]
        switch identify(readings: readings, candidates: candidates, lane: lane, policy: policy) {
        case .unidentified(let reason), .ambiguous(let reason):
            return LaneDecision(outcome: .refer, declarationId: nil, plate: bestRead, reasons: [reason], readings: used)
        case .matched(let match, let notes):
            candidate = match
            reasons = notes
        }
        let declaration = candidate.declaration

        reasons += checkOtherPlates(readings, declaration: declaration, policy: policy)

        if declaration.gate != lane.gateId {
            reasons.append(DecisionReason(.gateMismatch, .refer, "Declared for gate \(declaration.gate), presented at \(lane.gateId)."))
        }
        if !lane.direction.serves(declaration.direction) {
            reasons.append(DecisionReason(
                .directionMismatch, .refer,
                "Declared as \(declaration.direction.rawValue), presented at an \(lane.direction.rawValue) lane."))
        }
        let arrival = readings.last(where: { $0.payload == .ready })?.observedAt ?? readings.last?.observedAt ?? declaration.plannedArrival
        let offset = arrival.timeIntervalSince(declaration.plannedArrival)
        if abs(offset) > policy.arrivalWindow {
            let hours = Int((offset / 3600).rounded())
            reasons.append(DecisionReason(
                .outsideArrivalWindow, .refer,
                "Arrived \(abs(hours)) h \(hours < 0 ? "before" : "after") the planned arrival; the window is ±\(Int(policy.arrivalWindow / 3600)) h."))
        }

        reasons += checkContainers(readings, declaration: declaration, policy: policy, used: &used)
        reasons += checkSeals(readings, declaration: declaration, used: &used)
        reasons += checkWeight(readings, declaration: declaration, policy: policy, used: &used)

        switch candidate.channel {
        case .green: break
        case .yellow: reasons.append(DecisionReason(.channelYellow, .refer, "Yellow channel: documents are checked by an officer."))
        case .red: reasons.append(DecisionReason(.channelRed, .refer, "Red channel: the goods are physically inspected."))
        }
        if let hold = candidate.hold {
            reasons.append(DecisionReason(.heldByOtherSide, .refer, "Held by the other side of the border: \(hold)"))
        }

        let worst = reasons.map(\.severity).max() ?? .info
        let outcome: DecisionOutcome = switch worst {
        case .info: .release
        case .refer: .refer
        case .reject: .reject
        }
        if let ready = readings.last(where: { $0.payload == .ready }) { used.append(reference(ready)) }
        return LaneDecision(
            outcome: outcome, declarationId: candidate.id, plate: declaration.vehicle.plate.normalized,
            reasons: reasons, readings: used)
    }

    // MARK: - Checks

    /// A second tractor plate in the same passage means two vehicles were seen as one; a
    /// trailer plate that is not the declared trailer means the wrong trailer.
    private static func checkOtherPlates(
        _ readings: [LaneReading], declaration: TripDeclaration, policy: LanePolicy
    ) -> [DecisionReason] {
        var reasons: [DecisionReason] = []
        let vehicleKey = declaration.vehicle.plate.matchKey
        let trailerKey = declaration.vehicle.trailerPlate?.matchKey
        var reported: Set<String> = []
        for read in allTrustedPlateReads(readings, policy) {
            let key = VehiclePlate.matchKey(forRead: read.text)
            guard key != vehicleKey, key != trailerKey, !reported.contains(key) else { continue }
            guard let plate = try? VehiclePlate(read.text) else { continue }  // unreadable noise proves nothing
            reported.insert(key)
            if plate.isTrailer {
                let declared = declaration.vehicle.trailerPlate?.display ?? "none"
                reasons.append(DecisionReason(.trailerMismatch, .refer, "Trailer \(plate.display) read; declared trailer: \(declared)."))
            } else {
                reasons.append(DecisionReason(
                    .plateConflict, .refer,
                    "A second vehicle plate \(plate.display) was read in the same passage as \(declaration.vehicle.plate.display)."))
            }
        }
        return reasons
    }

    private static func checkContainers(
        _ readings: [LaneReading], declaration: TripDeclaration, policy: LanePolicy, used: inout [ReadingReference]
    ) -> [DecisionReason] {
        var reasons: [DecisionReason] = []
        var seen: Set<String> = []
        for reading in readings {
            guard case .container(let text, let confidence) = reading.payload, confidence >= policy.minimumReadConfidence else { continue }
            used.append(reference(reading))
            if let number = try? ContainerNumber(text) {
                seen.insert(number.value)
                continue
            }
            let repairs = ContainerNumber.repairs(of: text)
            if repairs.count == 1 {
                seen.insert(repairs[0].value)
                reasons.append(DecisionReason(.containerRepaired, .info, "Container read \(text) repaired to \(repairs[0].value) through its check digit."))
            } else {
                let detail = repairs.isEmpty ? "no single-character repair fits" : "\(repairs.count) repairs fit"
                reasons.append(DecisionReason(.containerUnreadable, .refer, "Container read \(text) is not a valid ISO 6346 number (\(detail))."))
            }
        }
        let declared = Set(declaration.containers.map(\.number.value))
        for number in declaration.containers.map(\.number.value) where !seen.contains(number) {
            reasons.append(DecisionReason(.containerMissing, .refer, "Declared container \(number) was not read."))
        }
        for number in seen.subtracting(declared).sorted() {
            reasons.append(DecisionReason(.containerUndeclared, .refer, "Container \(number) was read but not declared."))
        }
        return reasons
    }

    private static func checkSeals(
        _ readings: [LaneReading], declaration: TripDeclaration, used: inout [ReadingReference]
    ) -> [DecisionReason] {
        var reasons: [DecisionReason] = []
        var intact: Set<String> = []
        var tampered: Set<String> = []
        for reading in readings {
            guard case .seal(let id, let isIntact) = reading.payload else { continue }
            used.append(reference(reading))
            if isIntact { intact.insert(id) } else { tampered.insert(id) }
        }
        let declared = declaration.allSeals
        // One tampered report outweighs any number of intact ones: a reader cannot un-break a seal.
        for seal in declared where tampered.contains(seal) {
            reasons.append(DecisionReason(.sealTampered, .reject, "E-seal \(seal) reports tampering."))
        }
        for seal in declared where !tampered.contains(seal) && !intact.contains(seal) {
            reasons.append(DecisionReason(.sealMissing, .refer, "Declared e-seal \(seal) was not read."))
        }
        for seal in intact.union(tampered).subtracting(declared).sorted() {
            reasons.append(DecisionReason(.sealUndeclared, .refer, "E-seal \(seal) was read but not declared."))
        }
        return reasons
    }

    private static func checkWeight(
        _ readings: [LaneReading], declaration: TripDeclaration, policy: LanePolicy, used: inout [ReadingReference]
    ) -> [DecisionReason] {
        // The weighbridge's last word counts: it settles as the truck comes to rest.
        guard let reading = readings.last(where: { if case .weight = $0.payload { true } else { false } }),
              case .weight(let measured) = reading.payload
        else {
            return [DecisionReason(.weightMissing, .refer, "No weighbridge reading.")]
        }
        used.append(reference(reading))
        let expected = declaration.expectedGrossKg
        let tolerance = policy.weightTolerance(forExpectedKg: expected)
        let difference = measured - expected
        guard abs(difference) > tolerance else { return [] }
        return [DecisionReason(
            .weightMismatch, .refer,
            "Weighed \(kg(measured)) kg against \(kg(expected)) kg declared (tare + goods): \(difference > 0 ? "+" : "")\(kg(difference)) kg, tolerance ±\(kg(tolerance)) kg.")]
    }

    // MARK: - Helpers

    private struct PlateRead {
        var text: String
        var reading: LaneReading
    }

    /// Plate reads trusted to identify the vehicle: confident enough, and not of a trailer
    /// (a trailer is towed by different tractors; it never identifies the trip on its own).
    private static func trustedPlateReads(_ readings: [LaneReading], _ policy: LanePolicy) -> [PlateRead] {
        allTrustedPlateReads(readings, policy).filter { read in
            (try? VehiclePlate(read.text))?.isTrailer != true
        }
    }

    private static func allTrustedPlateReads(_ readings: [LaneReading], _ policy: LanePolicy) -> [PlateRead] {
        readings.compactMap { reading in
            guard case .plate(let text, let confidence) = reading.payload, confidence >= policy.minimumReadConfidence else { return nil }
            return PlateRead(text: text, reading: reading)
        }
    }

    private static func normalizedRead(_ text: String) -> String {
        VehiclePlate.compactRead(text)
    }

    private static func reference(_ reading: LaneReading) -> ReadingReference {
        ReadingReference(deviceId: reading.deviceId, eventId: reading.eventId, kind: reading.payload.kind)
    }

    private static func kg(_ value: Double) -> String { String(Int(value.rounded())) }
}
