import Foundation

/// The scenario file's parameter names, and how each maps onto ``Scenario``.
enum ScenarioFields {
    static func read(_ r: inout ParameterReader, name: String, timeZone: String) -> Scenario? {
        let demand = r.number("demand.trucksPerDay", 1...100_000)
        let exportShare = r.number("demand.exportShare", 0...1)
        let weights = r.weights("demand.arrivalsByHour", count: 24)
        let exportLanes = r.integer("lanes.export", 1...50)
        let importLanes = r.integer("lanes.import", 1...50)
        let traditionalHours = r.hours("traditional.openingHours")
        let smartHours = r.hours("smart.openingHours")
        let traditionalLane = r.distribution("traditional.laneSeconds", positive: true)
        let inspectionShare = r.number("traditional.inspectionShare", 0...1)
        let inspectionMinutes = r.distribution("inspection.minutes")
        let teams = r.integer("inspection.teams", 1...500)
        let transshipment = r.distribution("transshipment.hours")
        let acceptance = r.optionalInteger("acceptance.exportsPerDay", 1...100_000)
        let smartLane = r.distribution("smart.laneSeconds", positive: true)
        let officerMinutes = r.distribution("smart.officerCheckMinutes")
        let officers = r.integer("smart.officers", 1...500)
        let green = r.number("risk.greenShare", 0.05...0.95)
        let red = r.number("risk.redShare", 0...0.5)
        let plateMisread = r.number("devices.plateMisreadRate", 0...1)
        let lowConfidence = r.number("devices.plateLowConfidenceRate", 0...1)
        let containerMisread = r.number("devices.containerMisreadRate", 0...1)
        let deviceError = r.number("devices.errorRate", 0...1)
        let slotFill = r.number("slots.fill", 0.1...1.5)
        let shuttleShare = r.number("corridor.shuttleShare", 0...1)
        // The shipped corridor plant has 12 parking places, one per shuttle.
        let shuttles = r.integer("corridor.shuttles", 0...12)
        let window = r.hours("corridor.window")
        let maxWaiting = r.integer("corridor.maxWaiting", 0...100_000)
        let truckCost = r.number("cost.truckVNDPerHour", 0...1e9)
        let yardEntry = r.number("cost.yardEntryVND", 0...1e10)
        let parking = r.number("cost.yardParkingVNDPerDay", 0...1e10)
        let transshipCost = r.number("cost.transshipmentVND", 0...1e10)
        let shuttleFee = r.number("cost.shuttleVNDPerContainer", 0...1e10)
        let electricity = r.number("cost.electricityVNDPerKWh", 0...1e6)
        let diesel = r.number("cost.dieselVNDPerLitre", 0...1e6)
        let litresPerKm = r.number("energy.truckLitresPerKm", 0...5)
        let co2 = r.number("energy.co2KgPerLitre", 0...10)
        let grid = r.number("energy.gridKgCO2PerKWh", 0...5)
        let driveKm = r.number("energy.traditionalDriveKm", 0...500)
        let handoverKm = r.number("energy.handoverDriveKm", 0...500)
        let target = r.number("target.p95Hours", 0.1...1_000)
        let days = r.integer("run.days", 1...3_650)
        let warmup = r.integer("run.warmupDays", 0...365)
        let replications = r.integer("run.replications", 2...10_000)
        let maxReplications = r.integer("run.maxReplications", 2...10_000)
        let rampMax = r.number("run.rampMaxPerDay", 10...1_000_000)
        guard let demand, let exportShare, let weights, let exportLanes, let importLanes, let traditionalHours, let smartHours,
              let traditionalLane, let inspectionShare, let inspectionMinutes, let teams, let transshipment, let acceptance,
              let smartLane, let officerMinutes, let officers, let green, let red, let plateMisread, let lowConfidence,
              let containerMisread, let deviceError, let slotFill, let shuttleShare, let shuttles, let window, let maxWaiting, let truckCost,
              let yardEntry, let parking, let transshipCost, let shuttleFee, let electricity, let diesel, let litresPerKm, let co2,
              let grid, let driveKm, let handoverKm, let target, let days, let warmup, let replications, let maxReplications, let rampMax
        else { return nil }
        return Scenario(
            name: name, timeZone: timeZone, demandPerDay: demand, exportShare: exportShare, arrivalWeights: weights,
            exportLanes: exportLanes, importLanes: importLanes, traditionalHours: traditionalHours, smartHours: smartHours,
            traditionalLaneSeconds: traditionalLane, traditionalInspectionShare: inspectionShare, inspectionMinutes: inspectionMinutes,
            inspectionTeams: teams, transshipmentHours: transshipment, acceptancePerDay: acceptance, smartLaneSeconds: smartLane,
            officerMinutes: officerMinutes, officers: officers, greenShare: green, redShare: red, plateMisreadRate: plateMisread,
            plateLowConfidenceRate: lowConfidence, containerMisreadRate: containerMisread, deviceErrorRate: deviceError,
            slotFill: slotFill, shuttleShare: shuttleShare, shuttles: shuttles, corridorWindow: window, corridorMaxWaiting: maxWaiting, truckCostPerHour: truckCost,
            yardEntry: yardEntry, yardParkingPerDay: parking, transshipmentCost: transshipCost, shuttleFee: shuttleFee,
            electricityPerKWh: electricity, dieselPerLitre: diesel, truckLitresPerKm: litresPerKm, co2KgPerLitre: co2,
            gridKgCO2PerKWh: grid, traditionalDriveKm: driveKm, handoverDriveKm: handoverKm, targetP95Hours: target, days: days,
            warmupDays: warmup, replications: replications, maxReplications: max(replications, maxReplications), rampMaxPerDay: rampMax)
    }
}

extension Scenario {
    /// The scenario with the numeric parameter `key` set to `value` (the sensitivity
    /// table's one-at-a-time change); nil for a parameter that is not a plain number.
    /// Distributions are scaled so their mean becomes `value`.
    public func setting(_ key: String, to value: Double) -> Scenario? {
        var s = self
        // A distribution is set by its mean: one whose mean is 0 cannot be scaled to another.
        func scaled(_ d: Distribution) -> Distribution? { d.mean > 0 ? d.scaled(by: value / d.mean) : nil }
        switch key {
        case "demand.trucksPerDay": s.demandPerDay = value
        case "demand.exportShare": s.exportShare = value
        case "lanes.export": s.exportLanes = Int(value.rounded())
        case "lanes.import": s.importLanes = Int(value.rounded())
        case "traditional.inspectionShare": s.traditionalInspectionShare = value
        case "traditional.laneSeconds": guard let d = scaled(traditionalLaneSeconds) else { return nil }; s.traditionalLaneSeconds = d
        case "inspection.minutes": guard let d = scaled(inspectionMinutes) else { return nil }; s.inspectionMinutes = d
        case "inspection.teams": s.inspectionTeams = Int(value.rounded())
        case "transshipment.hours": guard let d = scaled(transshipmentHours) else { return nil }; s.transshipmentHours = d
        case "acceptance.exportsPerDay": s.acceptancePerDay = Int(value.rounded())
        case "smart.laneSeconds": guard let d = scaled(smartLaneSeconds) else { return nil }; s.smartLaneSeconds = d
        case "smart.officerCheckMinutes": guard let d = scaled(officerMinutes) else { return nil }; s.officerMinutes = d
        case "smart.officers": s.officers = Int(value.rounded())
        case "risk.greenShare": s.greenShare = value
        case "risk.redShare": s.redShare = value
        case "devices.plateMisreadRate": s.plateMisreadRate = value
        case "devices.containerMisreadRate": s.containerMisreadRate = value
        case "devices.errorRate": s.deviceErrorRate = value
        case "slots.fill": s.slotFill = value
        case "corridor.shuttleShare": s.shuttleShare = value
        case "corridor.shuttles": s.shuttles = Int(value.rounded())
        case "corridor.maxWaiting": s.corridorMaxWaiting = Int(value.rounded())
        case "cost.truckVNDPerHour": s.truckCostPerHour = value
        case "cost.yardEntryVND": s.yardEntry = value
        case "cost.yardParkingVNDPerDay": s.yardParkingPerDay = value
        case "cost.transshipmentVND": s.transshipmentCost = value
        case "cost.shuttleVNDPerContainer": s.shuttleFee = value
        case "cost.electricityVNDPerKWh": s.electricityPerKWh = value
        case "cost.dieselVNDPerLitre": s.dieselPerLitre = value
        case "energy.traditionalDriveKm": s.traditionalDriveKm = value
        case "energy.handoverDriveKm": s.handoverDriveKm = value
        default: return nil
        }
        return s
    }

    /// Unix time of simulated time 0: local midnight at the start of `epoch`'s day.
    var simulationStart: Double {
        Scenario.epoch - Double((TimeZone(identifier: timeZone) ?? .gmt).secondsFromGMT(for: Date(timeIntervalSince1970: Scenario.epoch)))
    }

    /// Where simulated time 0 is: local midnight starting 1 December 2026, as Unix time.
    /// A fixed day, not today, so a run is the same whenever it is made.
    static let epoch: Double = 1_796_083_200
}
