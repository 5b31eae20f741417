import BorderLink
import GateKit
import Prometheus
import Vapor

/// The Prometheus series SmartGate exports. Its own registry (not the process-global
/// MetricsSystem), so several applications in one test process never share counters.
final class GateMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let decisionLatency: DurationHistogram
    private let commitBatch: ValueHistogram

    private static var requests: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "smartgate", metricName: "http_requests", unitName: "total",
        helpText: "HTTP requests answered, by route pattern and status.") }
    private static var readings: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "smartgate", metricName: "readings", unitName: "total", helpText: "Lane readings accepted, by kind.") }
    private static var decisions: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "smartgate", metricName: "decisions", unitName: "total", helpText: "Lane decisions, by outcome.") }

    private static var refusals: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "smartgate", metricName: "access_refusals", unitName: "total",
        helpText: "Requests refused by authentication, authorization or rate limits, by reason.") }

    private static var channels: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "smartgate", metricName: "declarations_channel", unitName: "total",
        helpText: "Declarations scored by risk selectivity, by channel.") }
    private static var inspections: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "smartgate", metricName: "inspections", unitName: "total",
        helpText: "Inspection outcomes, by channel, outcome and whether the wait exceeded the channel's target.") }

    private static var linkSent: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "smartgate", metricName: "link_messages_sent", unitName: "total",
        helpText: "Link messages delivered to a peer and acknowledged, by peer and receipt state (applied, stored, refused).") }
    private static var linkReceived: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "smartgate", metricName: "link_messages_received", unitName: "total",
        helpText: "Link messages received from a peer, by peer and state (applied, stored, refused, repeated).") }
    private static var linkRefusals: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "smartgate", metricName: "link_refusals", unitName: "total",
        helpText: "Link messages this side refused, by peer and reason code.") }
    private static var linkFailures: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "smartgate", metricName: "link_delivery_failures", unitName: "total",
        helpText: "Delivery rounds to a peer that failed (peer down, answer not verified), by peer.") }
    private static var bookings: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "smartgate", metricName: "bookings", unitName: "total",
        helpText: "Slot booking requests, by outcome (granted, refused).") }

    private static var leaseHeld: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "smartgate", metricName: "lease", unitName: "held",
        helpText: "1 while this instance holds the background role's lease (several instances on one PostgreSQL), by role.") }
    private static var takeovers: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "smartgate", metricName: "lease_takeovers", unitName: "total",
        helpText: "Background roles this instance took over from another instance, by role.") }

    private static var turnedAway: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "smartgate", metricName: "writer_turned_away", unitName: "total",
        helpText: "Writes answered 503 at once because the writer's queue was past its bounds.") }

    init() {
        decisionLatency = registry.makeDurationHistogram(
            descriptor: .init(
                namespace: "smartgate", metricName: "decision_latency", unitName: "seconds",
                helpText: "Time from receiving a ready reading to its committed decision."),
            buckets: [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                      .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1)])
        commitBatch = registry.makeValueHistogram(
            descriptor: .init(
                namespace: "smartgate", metricName: "commit_batch", unitName: "size",
                helpText: "Writes committed together in one transaction (group commit)."),
            buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256])
    }

    func request(method: String, route: String, status: UInt) {
        registry.makeCounter(
            descriptor: Self.requests, labels: [("method", method), ("route", route), ("status", String(status))]
        ).increment()
    }

    func readingAccepted(kind: String) {
        registry.makeCounter(descriptor: Self.readings, labels: [("kind", kind)]).increment()
    }

    func decided(_ outcome: DecisionOutcome, after latency: Duration) {
        registry.makeCounter(descriptor: Self.decisions, labels: [("outcome", outcome.rawValue)]).increment()
        decisionLatency.record(latency)
    }

    func refused(_ reason: AccessRefusal) {
        registry.makeCounter(descriptor: Self.refusals, labels: [("reason", reason.rawValue)]).increment()
    }

    func declared(channel: GateKit.Channel) {
        registry.makeCounter(descriptor: Self.channels, labels: [("channel", channel.rawValue)]).increment()
    }

    func inspected(channel: GateKit.Channel, outcome: InspectionOutcome, overdue: Bool) {
        registry.makeCounter(
            descriptor: Self.inspections,
            labels: [("channel", channel.rawValue), ("outcome", outcome.rawValue), ("overdue", overdue ? "yes" : "no")]
        ).increment()
    }

    func committed(batch size: Int) {
        commitBatch.record(Double(size))
    }

    func writerTurnedAway() {
        registry.makeCounter(descriptor: Self.turnedAway).increment()
    }

    /// The exposition text for `GET /metrics`.
    func linkDelivered(peer: String, receipts: [LinkReceipt]) {
        for receipt in receipts {
            registry.makeCounter(descriptor: Self.linkSent, labels: [("peer", peer), ("state", receipt.state.rawValue)]).increment()
        }
    }

    func linkReceived(peer: String, state: String) {
        registry.makeCounter(descriptor: Self.linkReceived, labels: [("peer", peer), ("state", state)]).increment()
    }

    func linkRefused(peer: String, reason: RefusalReason) {
        registry.makeCounter(descriptor: Self.linkRefusals, labels: [("peer", peer), ("reason", reason.rawValue)]).increment()
    }

    func linkDeliveryFailed(peer: String) {
        registry.makeCounter(descriptor: Self.linkFailures, labels: [("peer", peer)]).increment()
    }

    func booking(outcome: String) {
        registry.makeCounter(descriptor: Self.bookings, labels: [("outcome", outcome)]).increment()
    }

    func lease(_ role: InstanceRole, held: Bool) {
        registry.makeGauge(descriptor: Self.leaseHeld, labels: [("role", role.rawValue)]).set(held ? Int64(1) : Int64(0))
    }

    func tookOver(_ role: InstanceRole) {
        registry.makeCounter(descriptor: Self.takeovers, labels: [("role", role.rawValue)]).increment()
    }

    func render() -> String { registry.emitToString() }
}

/// Counts every answered request by its route pattern (never the raw path: ids would
/// make the series unbounded, and paths can carry personal data).
struct MetricsMiddleware: AsyncMiddleware {
    let metrics: GateMetrics

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        // ProblemMiddleware sits inside this one, so every error has become a response here.
        let response = try await next.respond(to: request)
        let route = request.route.map { "/" + $0.path.map(\.description).joined(separator: "/") } ?? "unmatched"
        metrics.request(method: request.method.rawValue, route: route, status: response.status.code)
        return response
    }
}
