import Foundation
import Testing
@testable import TwinKit

/// The engine against queueing theory (TWIN-PARAMETERS.md, "Reference results").
@Suite struct EngineValidationTests {
    @Test func mm1MatchesTheFormulaOverAMillionCustomers() {
        // W = 1/(μ−λ) = 10. At ρ = 0.9 one run of 10⁶ customers has a standard error near
        // 2 % of W, so the 2 % bound is checked on the shipped seed, and a tighter
        // mean over independent runs follows below.
        let run = MarkovQueue.run(arrivalRate: 0.9, serviceRate: 1, customers: 1_000_000, seed: 1)
        #expect(run.customers == 1_000_000)
        #expect(abs(run.meanTimeInSystem - 10) / 10 < 0.02, "W = \(run.meanTimeInSystem)")
        // A departure and an arrival per customer, plus the arrivals still queued at the end.
        #expect((2_000_000..<2_001_000).contains(run.events), "\(run.events) events")
    }

    @Test func mm1IndependentRunsAgreeWithTheFormula() {
        let means = (1...8).map { MarkovQueue.run(arrivalRate: 0.9, serviceRate: 1, customers: 500_000, seed: 100 + $0).meanTimeInSystem }
        let estimate = Estimate(means)
        #expect(estimate.low <= 10 && 10 <= estimate.high, "W = \(estimate.mean) ± \(estimate.halfWidth)")
    }

    @Test(arguments: [(servers: 2, arrivalRate: 1.5), (servers: 3, arrivalRate: 2.4), (servers: 5, arrivalRate: 3.5)])
    func mmcMatchesErlangC(servers: Int, arrivalRate: Double) {
        let expected = MarkovQueue.erlangCTimeInSystem(arrivalRate: arrivalRate, serviceRate: 1, servers: servers)
        let run = MarkovQueue.run(arrivalRate: arrivalRate, serviceRate: 1, servers: servers, customers: 2_000_000, seed: 3)
        #expect(abs(run.meanTimeInSystem - expected) / expected < 0.01, "W = \(run.meanTimeInSystem), Erlang C \(expected)")
    }

    @Test func erlangCOfOneServerIsMM1() {
        #expect(abs(MarkovQueue.erlangCTimeInSystem(arrivalRate: 0.9, serviceRate: 1, servers: 1) - 10) < 1e-9)
    }

    @Test func theSameSeedGivesTheSameRunAndAnotherSeedAnother() {
        let a = MarkovQueue.run(arrivalRate: 0.8, serviceRate: 1, customers: 10_000, seed: 9)
        let b = MarkovQueue.run(arrivalRate: 0.8, serviceRate: 1, customers: 10_000, seed: 9)
        let c = MarkovQueue.run(arrivalRate: 0.8, serviceRate: 1, customers: 10_000, seed: 10)
        #expect(a == b)
        #expect(a != c)
    }

    @Test func eventsAtOneTimeComeOutInTheOrderScheduled() {
        var calendar = EventCalendar<Int>()
        for i in 0..<100 { calendar.schedule(i, at: Double(i % 3)) }
        var order: [Int] = []
        while let event = calendar.next() { order.append(event) }
        #expect(order == (0..<100).filter { $0 % 3 == 0 } + (0..<100).filter { $0 % 3 == 1 } + (0..<100).filter { $0 % 3 == 2 })
    }

    @Test(arguments: [
        Distribution.exponential(mean: 9), .uniform(min: 2, max: 6), .triangular(min: 180, mode: 240, max: 420),
        .lognormal(mean: 8, sd: 4), .empirical([1, 2, 3, 10]), .constant(5),
    ])
    func samplesHaveTheDistributionsMean(_ distribution: Distribution) {
        var random = RandomStream(seed: 5, name: "test")
        let n = 200_000
        let mean = (0..<n).reduce(0.0) { sum, _ in sum + distribution.sample(&random) } / Double(n)
        #expect(abs(mean - distribution.mean) / distribution.mean < 0.02, "\(distribution.summary): \(mean)")
    }

    @Test func hourlyArrivalsFollowTheirRates() {
        let arrivals = HourlyArrivals(ratesPerHour: HourlyDayQueue.ratesPerHour)
        var random = RandomStream(seed: 1, name: "arrivals")
        var counts = [Double](repeating: 0, count: 24)
        var t = 0.0
        let days = 2_000.0
        while let next = arrivals.next(after: t, &random), next < days * 86_400 {
            counts[Int(next / 3_600) % 24] += 1
            t = next
        }
        for hour in 0..<24 {
            let expected = HourlyDayQueue.ratesPerHour[hour] * days
            #expect(abs(counts[hour] - expected) < 4 * expected.squareRoot() + 1, "hour \(hour): \(counts[hour]) against \(expected)")
        }
    }

    @Test func streamsWithDifferentNamesAreUnrelated() {
        var a = RandomStream(seed: 1, name: "arrivals"), b = RandomStream(seed: 1, name: "services")
        var again = RandomStream(seed: 1, name: "arrivals")
        let first = (0..<5).map { _ in a.next() }
        #expect(first == (0..<5).map { _ in again.next() })
        #expect(first != (0..<5).map { _ in b.next() })
    }
}
