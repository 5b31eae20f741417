import Fluent
import Foundation
import NIOConcurrencyHelpers
import PostgresNIO
import SQLKit
import Vapor

/// What one instance tells the others on one PostgreSQL: whatever another instance keeps
/// in memory and would otherwise believe for a while longer.
enum ClusterNotice: Sendable, Equatable {
    /// A session was signed out: refuse its token at once.
    case signedOut(sessionId: String)
    /// An account changed (disabled, its role or gates): read it again.
    case accountChanged(UUID)
    /// A device key was revoked: read device keys again.
    case deviceKeysChanged
    /// A lane decision was committed (its row id): send it to the live pages.
    case decision(Int)

    var payload: String {
        switch self {
        case .signedOut(let id): "signed-out:\(id)"
        case .accountChanged(let id): "account:\(id.uuidString)"
        case .deviceKeysChanged: "device-keys"
        case .decision(let id): "decision:\(id)"
        }
    }

    init?(payload: String) {
        let parts = payload.split(separator: ":", maxSplits: 1).map(String.init)
        switch (parts.first, parts.count == 2 ? parts[1] : nil) {
        case ("signed-out", let id?): self = .signedOut(sessionId: id)
        case ("account", let id?): guard let uuid = UUID(uuidString: id) else { return nil }; self = .accountChanged(uuid)
        case ("device-keys", nil): self = .deviceKeysChanged
        case ("decision", let id?): guard let row = Int(id) else { return nil }; self = .decision(row)
        default: return nil
        }
    }
}

/// LISTEN/NOTIFY between the instances on one PostgreSQL: each instance listens on a
/// connection of its own and posts notices inside the transaction that made the change,
/// so PostgreSQL delivers them when (and only if) it commits, in commit order — to every
/// instance, this one included.
///
/// Notices sent while an instance's listening connection was down are lost to it, so on
/// each (re)connection it forgets everything it keeps from the database (`resync`). On
/// SQLite (one process) posting is a no-op: the process applies its own changes at once.
final class ClusterNotices: LifecycleHandler, Sendable {
    static let channel = "smartgate_notices"

    /// The PostgreSQL URL; nil on SQLite.
    private let url: String?
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)
    private let listening = NIOLockedValueBox(false)
    /// Decisions for the live pages, read from the database one after another by their own
    /// task, so a sign-out never waits behind them on the listening connection.
    private let decisions = AsyncStream<Int>.makeStream(bufferingPolicy: .bufferingNewest(1_000))
    private let publisher = NIOLockedValueBox<Task<Void, Never>?>(nil)

    init(settings: ServerSettings) {
        url = settings.database.postgresURL
    }

    /// Whether notices go between instances (PostgreSQL) rather than stay in this process.
    var shared: Bool { url != nil }

    /// Whether the listening connection is up (notices posted now reach this instance).
    var isListening: Bool { listening.withLockedValue { $0 } }

    /// Posts `notice`, delivered when the transaction of `db` commits (at once outside one).
    func post(_ notice: ClusterNotice, on db: any Database) async throws {
        guard url != nil, let sql = db as? any SQLDatabase else { return }
        try await sql.raw("SELECT pg_notify(\(bind: Self.channel), \(bind: notice.payload))").run()
    }

    func didBootAsync(_ application: Application) async throws {
        guard let url else { return }
        let decisions = decisions.stream
        publisher.withLockedValue {
            $0 = Task {
                for await id in decisions { await Self.publish(decision: id, application) }
            }
        }
        task.withLockedValue { $0 = Task { await self.listen(url: url, application) } }
        // Serve only once listening, so no notice posted after this instance answers is missed.
        let deadline = ContinuousClock.now + .seconds(10)
        while !isListening, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if !isListening { application.logger.error("notices: not listening yet; sign-outs on other instances may take effect late") }
    }

    func shutdownAsync(_ application: Application) async {
        let running = task.withLockedValue { $0 }
        running?.cancel()
        decisions.continuation.finish()
        let publishing = publisher.withLockedValue { $0 }
        if await !StopDeadline.run(within: .seconds(10), { await running?.value; await publishing?.value }) {
            application.logger.error("notices: the listener did not stop within 10 s; shutting down without it")
        }
    }

    private func listen(url: String, _ application: Application) async {
        while !Task.isCancelled {
            var connection: PostgresConnection?
            do {
                let opened = try await DedicatedConnection.open(url: url, logger: application.logger)
                connection = opened
                try await opened.listen(on: Self.channel) { notices in
                    Self.resync(application)
                    listening.withLockedValue { $0 = true }
                    for try await notice in notices {
                        guard let notice = ClusterNotice(payload: notice.payload) else { continue }
                        apply(notice, application)
                    }
                }
            } catch {
                if !Task.isCancelled { application.logger.warning("notices: listening failed (\(String(reflecting: error))); again in a second") }
            }
            listening.withLockedValue { $0 = false }
            try? await connection?.close()
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// Forgets what this instance read from the database: notices may have been missed.
    private static func resync(_ application: Application) {
        application.smartGate.gatekeeper.forgetEverything()
    }

    private func apply(_ notice: ClusterNotice, _ application: Application) {
        let gatekeeper = application.smartGate.gatekeeper
        switch notice {
        case .signedOut(let id): gatekeeper.revoked(id)
        case .accountChanged(let id): gatekeeper.forget(user: id)
        case .deviceKeysChanged: gatekeeper.forgetDevices()
        case .decision(let id): decisions.continuation.yield(id)
        }
    }

    private static func publish(decision id: Int, _ application: Application) async {
        let feed = application.smartGate.decisionFeed
        guard feed.hasSubscribers else { return }
        do {
            guard let model = try await LaneDecisionModel.find(id, on: application.db) else { return }
            feed.send(.decision(try model.view(), gateId: model.gateId))
        } catch {
            application.logger.warning("notices: decision \(id) not read for the live pages: \(String(reflecting: error))")
        }
    }
}
