import Foundation
import GateKit

/// Everything the twin needs to know about one gate: demand, lanes, hours, service times,
/// selectivity, devices, the shuttle corridor, costs, energy and the capacity target.
///
/// Read from a scenario file (``ScenarioDocument``), where every figure carries its source
/// or the word "assumption"; the what-if levers change it in place.
public struct Scenario: Sendable, Equatable {
    public var name: String
    /// IANA zone of the hours; the simulation's day starts at local midnight.
    public var timeZone: String

    // Demand
    public var demandPerDay: Double
    public var exportShare: Double
    /// Relative arrivals in each local hour 0…23.
    public var arrivalWeights: [Double]

    // Lanes and hours
    public var exportLanes: Int
    public var importLanes: Int
    public var traditionalHours: DailyHours
    public var smartHours: DailyHours

    // Traditional mode
    /// Seconds at the booth: paper documents, manual plate, container and seal checks.
    public var traditionalLaneSeconds: Distribution
    /// Share of trucks an officer's judgement sends to physical inspection.
    public var traditionalInspectionShare: Double

    // Both modes
    public var inspectionMinutes: Distribution
    public var inspectionTeams: Int
    /// Unloading one truck and loading another at the border yard.
    public var transshipmentHours: Distribution
    /// Vietnamese export trucks the Chinese side accepts a day; nil: no limit.
    public var acceptancePerDay: Int?

    // Smart mode
    public var smartLaneSeconds: Distribution
    /// An officer's check of a truck the lane referred (documents already read online).
    public var officerMinutes: Distribution
    public var officers: Int
    public var greenShare: Double
    public var redShare: Double
    public var plateMisreadRate: Double
    public var plateLowConfidenceRate: Double
    public var containerMisreadRate: Double
    public var deviceErrorRate: Double
    /// Share of the lanes' hourly capacity offered as bookable slots.
    public var slotFill: Double
    /// Share of containers whose firms use the autonomous shuttles.
    public var shuttleShare: Double
    public var shuttles: Int
    public var corridorWindow: DailyHours
    /// Containers waiting for a shuttle beyond which the next ones go by truck: the
    /// operator books no more than the corridor can carry.
    public var corridorMaxWaiting: Int

    // Costs (VND)
    public var truckCostPerHour: Double
    public var yardEntry: Double
    public var yardParkingPerDay: Double
    public var transshipmentCost: Double
    public var shuttleFee: Double
    public var electricityPerKWh: Double
    public var dieselPerLitre: Double

    // Energy
    public var truckLitresPerKm: Double
    public var co2KgPerLitre: Double
    public var gridKgCO2PerKWh: Double
    /// Kilometres a truck drives inside the border area: to the transshipment yard and back.
    public var traditionalDriveKm: Double
    /// Kilometres a truck drives to the shuttle handover yard and back.
    public var handoverDriveKm: Double

    // Target and run
    public var targetP95Hours: Double
    public var days: Int
    public var warmupDays: Int
    public var replications: Int
    public var maxReplications: Int
    public var rampMaxPerDay: Double
}

/// A parameter's low and high ends for the sensitivity table, as the scenario file gives them.
public struct SensitivityRange: Sendable, Equatable {
    public var key: String
    public var low: Double
    public var high: Double
}
