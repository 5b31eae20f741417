import Foundation
import GateKit
import NIOConcurrencyHelpers
import Vapor

/// Lane decisions as they are committed, to every open live page of this process, with a
/// heartbeat every `heartbeat` so a page can tell a quiet lane from a dropped feed.
///
/// On PostgreSQL the decisions come from every instance: each is posted as a
/// `ClusterNotice` in the transaction that made it, and every instance's listener sends it
/// to its own pages, in commit order.
final class DecisionFeed: Sendable {
    enum Event: Sendable {
        case decision(DecisionView, gateId: String)
        case heartbeat
    }

    static let heartbeat: Duration = .seconds(10)

    private struct State {
        var subscribers: [UUID: AsyncStream<Event>.Continuation] = [:]
        var beating: Task<Void, Never>?
    }

    private let state = NIOLockedValueBox(State())

    /// A stream of events from now on; call `unsubscribe` with its id when done.
    func subscribe() -> (id: UUID, events: AsyncStream<Event>) {
        let id = UUID()
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(64))
        state.withLockedValue { state in
            state.subscribers[id] = continuation
            if state.beating == nil {
                state.beating = Task { [weak self] in
                    while !Task.isCancelled {
                        try? await Task.sleep(for: Self.heartbeat)
                        self?.send(.heartbeat)
                    }
                }
            }
        }
        return (id, stream)
    }

    func unsubscribe(_ id: UUID) {
        state.withLockedValue { state in
            state.subscribers.removeValue(forKey: id)?.finish()
            if state.subscribers.isEmpty {
                state.beating?.cancel()
                state.beating = nil
            }
        }
    }

    /// A decision committed at `lane`.
    func publish(_ decision: LaneDecision, lane: LaneProfile, at time: Date) {
        let view = DecisionView(
            laneId: lane.id, plate: decision.plate, declarationId: decision.declarationId, outcome: decision.outcome,
            reasons: decision.reasons, readings: decision.readings, decidedAt: time)
        send(.decision(view, gateId: lane.gateId))
    }

    /// Ends every stream (at shutdown, so no page holds the server open).
    func finishAll() {
        state.withLockedValue { state in
            for continuation in state.subscribers.values { continuation.finish() }
            state.subscribers.removeAll()
            state.beating?.cancel()
            state.beating = nil
        }
    }

    /// Whether any page is listening (an instance with none reads no decision for them).
    var hasSubscribers: Bool { state.withLockedValue { !$0.subscribers.isEmpty } }

    func send(_ event: Event) {
        let continuations = state.withLockedValue { Array($0.subscribers.values) }
        for continuation in continuations { continuation.yield(event) }
    }
}

/// Ends the live feeds when the application stops.
struct DecisionFeedShutdown: LifecycleHandler {
    func shutdown(_ application: Application) {
        application.smartGate.decisionFeed.finishAll()
        LiveEvents.stopping.withLockedValue { $0 = true }
    }
}

/// What every live stream shares.
enum LiveEvents {
    /// Set at shutdown: polling streams (the corridor's) end at their next beat.
    static let stopping = NIOLockedValueBox(false)

    /// An event's data on one line: SSE ends a line at CR, LF or CRLF, and a device's raw
    /// text could carry any of them.
    static func oneLine(_ html: String) -> String {
        html.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }

    /// A stream that reads `render` every two seconds and sends it as `event` when it
    /// changed, a heartbeat when it did not; it ends after `liveStreamSeconds` (a client
    /// reconnects) or at shutdown. Polling the database, it shows the same to readers of
    /// every instance.
    static func polling(_ request: Request, event: String, render: @escaping @Sendable () async throws -> Data) -> Response {
        let endAt = Date().addingTimeInterval(request.application.smartGate.settings.liveStreamSeconds)
        let response = Response(status: .ok, headers: ["Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", "X-Accel-Buffering": "no"])
        response.body = .init(asyncStream: { writer in
            var last: Data?
            var quiet = 0
            do {
                try await writer.write(.buffer(ByteBuffer(string: "retry: 3000\n\n")))
                repeat {
                    let data = try await render()
                    if data != last || quiet >= 5 {
                        let line = data == last ? "event: heartbeat\ndata: \n\n" : "event: \(event)\ndata: \(oneLine(String(decoding: data, as: UTF8.self)))\n\n"
                        try await writer.write(.buffer(ByteBuffer(string: line)))
                        last = data
                        quiet = 0
                    } else {
                        quiet += 1
                    }
                    if Date() >= endAt || stopping.withLockedValue({ $0 }) { break }
                    try await Task.sleep(for: .seconds(2))
                } while Date() < endAt && !stopping.withLockedValue({ $0 })
                try await writer.write(.end)
            } catch {
                try? await writer.write(.error(error))
            }
        })
        return response
    }
}

/// `GET /live/decisions`: Server-Sent Events carrying each new decision at the reader's
/// gates as the feed's list item, already written in the reader's language.
enum LiveDecisions {
    @Sendable static func stream(_ request: Request) async throws -> Response {
        let user = try request.requireUser()
        let context = PageContext(request)
        let feed = request.application.smartGate.decisionFeed
        let directory = try await request.application.smartGate.gates.snapshot(on: request.db)
        let endAt = Date().addingTimeInterval(request.application.smartGate.settings.liveStreamSeconds)
        let response = Response(status: .ok, headers: [
            "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", "X-Accel-Buffering": "no",
        ])
        response.body = .init(asyncStream: { writer in
            let (id, events) = feed.subscribe()
            defer { feed.unsubscribe(id) }
            var iterator = events.makeAsyncIterator()
            // The stream must end with `.end` or `.error` whichever way it stops: a reader
            // that goes away makes the next write throw.
            do {
                // The client retries after 3 s when the connection drops.
                try await writer.write(.buffer(ByteBuffer(string: "retry: 3000\nevent: heartbeat\ndata: \n\n")))
                // Ends at `endAt`, checked as events come (a heartbeat every 10 s at least).
                while Date() < endAt, let event = await iterator.next() {
                    switch event {
                    case .heartbeat:
                        try await writer.write(.buffer(ByteBuffer(string: "event: heartbeat\ndata: \n\n")))
                    case .decision(let decision, let gateId):
                        guard user.mayFollowDecisions(at: gateId) else { continue }
                        // One event is one line of data: the item's markup has no line breaks of its own.
                        let html = LiveEvents.oneLine(DecisionsPage.item(decision, zone: directory.zone(of: gateId), context).html)
                        try await writer.write(.buffer(ByteBuffer(string: "event: decision\ndata: \(html)\n\n")))
                    }
                }
                try await writer.write(.end)
            } catch {
                try? await writer.write(.error(error))
            }
        })
        return response
    }
}
