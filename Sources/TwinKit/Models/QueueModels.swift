import Foundation

/// What a run of a reference queue found.
public struct QueueRun: Sendable, Equatable {
    public var customers: Int
    /// Mean time in system (arrival to departure), in the model's time unit.
    public var meanTimeInSystem: Double
    /// Events the calendar handled.
    public var events: Int
}

/// M/M/c queues: the textbook cases the engine is checked against (M/M/1's W = 1/(μ−λ),
/// Erlang C for c servers), and the model the benchmark races SimPy on.
public enum MarkovQueue {
    enum Event {
        case arrival
        /// A service ends; the payload is its customer's arrival time.
        case departure(arrivedAt: Double)
    }

    /// Runs until `customers` have departed, from an empty system.
    public static func run(arrivalRate: Double, serviceRate: Double, servers: Int = 1, customers: Int, seed: UInt64) -> QueueRun {
        var calendar = EventCalendar<Event>()
        var arrivals = RandomStream(seed: seed, name: "arrivals")
        var services = RandomStream(seed: seed, name: "services")
        var servers = Resource<Double>(capacity: servers)
        let interarrival = 1 / arrivalRate, service = 1 / serviceRate
        var served = 0
        var total = 0.0
        calendar.schedule(.arrival, at: arrivals.exponential(mean: interarrival))
        while served < customers, let event = calendar.next() {
            switch event {
            case .arrival:
                let now = calendar.now
                if servers.request(now) {
                    calendar.schedule(.departure(arrivedAt: now), after: services.exponential(mean: service))
                }
                calendar.schedule(.arrival, after: arrivals.exponential(mean: interarrival))
            case .departure(let arrivedAt):
                served += 1
                total += calendar.now - arrivedAt
                if let next = servers.release() {
                    calendar.schedule(.departure(arrivedAt: next), after: services.exponential(mean: service))
                }
            }
        }
        return QueueRun(customers: served, meanTimeInSystem: total / Double(max(served, 1)), events: calendar.handled)
    }

    /// Erlang C: the mean time in system of M/M/c in steady state.
    public static func erlangCTimeInSystem(arrivalRate λ: Double, serviceRate μ: Double, servers c: Int) -> Double {
        let a = λ / μ
        let ρ = a / Double(c)
        precondition(ρ < 1, "unstable queue")
        var term = 1.0, sum = 1.0
        for k in 1..<c {
            term *= a / Double(k)
            sum += term
        }
        let last = term * a / Double(c) / (1 - ρ)
        let waitProbability = last / (sum + last)
        return waitProbability / (Double(c) * μ - λ) + 1 / μ
    }
}

/// The day SimPy runs too (scripts/twin_reference.py): hourly-varying Poisson arrivals,
/// three servers, exponential service of mean 9 minutes, served to the last customer.
/// Time in minutes.
public enum HourlyDayQueue {
    public static let ratesPerHour: [Double] = [2, 1, 1, 1, 2, 4, 8, 14, 20, 22, 20, 16, 14, 16, 20, 22, 18, 14, 10, 8, 6, 4, 3, 2]
    public static let servers = 3
    public static let serviceMinutes = 9.0

    enum Event {
        case arrival
        case departure(arrivedAt: Double)
    }

    /// One day; returns the mean time in system of its customers (minutes) and how many came.
    public static func day(seed: UInt64, replication: Int) -> (meanMinutes: Double, customers: Int) {
        let arrivals = HourlyArrivals(ratesPerHour: ratesPerHour)
        var arrivalStream = RandomStream(seed: seed, name: "hourly-day.arrivals.\(replication)")
        var serviceStream = RandomStream(seed: seed, name: "hourly-day.services.\(replication)")
        var calendar = EventCalendar<Event>()
        var desk = Resource<Double>(capacity: servers)
        var served = 0
        var total = 0.0
        // The arrival process runs in seconds; the model reports minutes.
        if let first = arrivals.next(after: 0, &arrivalStream), first < 86_400 { calendar.schedule(.arrival, at: first / 60) }
        while let event = calendar.next() {
            let now = calendar.now
            switch event {
            case .arrival:
                if desk.request(now) {
                    calendar.schedule(.departure(arrivedAt: now), after: serviceStream.exponential(mean: serviceMinutes))
                }
                if let next = arrivals.next(after: now * 60, &arrivalStream), next < 86_400 { calendar.schedule(.arrival, at: next / 60) }
            case .departure(let arrivedAt):
                served += 1
                total += now - arrivedAt
                if let next = desk.release() {
                    calendar.schedule(.departure(arrivedAt: next), after: serviceStream.exponential(mean: serviceMinutes))
                }
            }
        }
        return (served > 0 ? total / Double(served) : 0, served)
    }

    /// `replications` days: the mean of their means with its 95 % interval.
    public static func run(replications: Int, seed: UInt64) -> (estimate: Estimate, customers: Int) {
        let days = (0..<replications).map { day(seed: seed, replication: $0) }
        return (Estimate(days.map(\.meanMinutes)), days.reduce(0) { $0 + $1.customers })
    }
}
