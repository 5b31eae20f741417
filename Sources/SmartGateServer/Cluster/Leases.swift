import Fluent
import Foundation
import NIOConcurrencyHelpers
import PostgresNIO
import SQLKit
import Vapor

/// Elects, for each background role, the one instance that does its work: the lease is a
/// session advisory lock taken on a connection of this instance's own. PostgreSQL ends it
/// with that connection — at shutdown, or when the process is killed and the kernel closes
/// its socket — and the other instances, each trying every `interval`, take the role over.
///
/// A holder proves its session alive every round, within `probeDeadline`; when it is not,
/// or when its session had to be opened anew, it gives up every role at once (PostgreSQL
/// releases the locks with the session that took them). The stored work of a role is
/// fenced besides (`confirm`): the `instance_leases` row, written through the writer,
/// names the holder's process, so one that lost a role a moment ago writes nothing more
/// for it.
///
/// On SQLite (one process by nature) this instance holds every role.
final class Leases: LifecycleHandler, Sendable {
    /// The PostgreSQL URL; nil on SQLite.
    private let url: String?
    let instance: String
    /// This process's run: an operator may give two processes one instance id by mistake,
    /// and the fence must still tell them apart.
    let run: String
    let interval: Duration = .seconds(1)
    let probeDeadline: Duration
    private let metrics: GateMetrics
    private let held = NIOLockedValueBox(Set<InstanceRole>())
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)
    private let connection = NIOLockedValueBox<PostgresConnection?>(nil)

    init(settings: ServerSettings, run: String, metrics: GateMetrics) {
        self.run = run
        url = settings.database.postgresURL
        instance = settings.instanceId
        probeDeadline = settings.leaseProbeDeadline
        self.metrics = metrics
    }

    /// Whether this instance does `role`'s work now.
    func holds(_ role: InstanceRole) -> Bool {
        url == nil || held.withLockedValue { $0.contains(role) }
    }

    /// The roles this instance holds, in a stable order.
    var roles: [InstanceRole] { InstanceRole.allCases.filter(holds) }

    /// Throws `LeaseLost` unless the lease record names this instance as `role`'s holder.
    /// Call inside the writer's job that stores the role's work: the writer's turns are
    /// serialised, so no other holder can come between this check and the commit.
    func confirm(_ role: InstanceRole, on db: any Database) async throws {
        guard url != nil, let sql = db as? any SQLDatabase else { return }
        let record = try await sql.select().columns("holder", "run").from(CreateInstanceLeases.table)
            .where("role", .equal, role.rawValue).first()
        let holder = try record?.decode(column: "holder", as: String.self)
        guard holder == instance, try record?.decode(column: "run", as: String.self) == run else {
            throw LeaseLost(role: role, holder: holder)
        }
    }

    /// The role's work found its lease recorded as another's: unless this process gave the
    /// role up already (work started before it did), it gives up every role and opens a
    /// fresh session next round (its own may be a stale one).
    func lost(_ role: InstanceRole, logger: Logger) async {
        guard held.withLockedValue({ $0.contains(role) }) else { return }
        await giveUpAll(because: "the \(role.rawValue) lease is recorded as another's", logger: logger)
    }

    func didBootAsync(_ application: Application) async throws {
        guard let url else { return }
        // One round before the server answers, so a lone instance starts with its roles.
        await takeFreeRoles(application)
        task.withLockedValue {
            $0 = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    await round(url: url, application)
                }
            }
        }
    }

    func shutdownAsync(_ application: Application) async {
        let running = task.withLockedValue { $0 }
        running?.cancel()
        if await !StopDeadline.run(within: .seconds(10), { await running?.value }) {
            application.logger.error("leases: the background round did not stop within 10 s; giving the roles up without it")
        }
        // Closing the session releases every lease now rather than when the socket times out.
        held.withLockedValue { $0.removeAll() }
        let session = connection.withLockedValue { $0 }
        _ = await StopDeadline.run(within: .seconds(5)) { try? await session?.close() }
    }

    /// One round: takes every role no instance holds (in-process tests call it without
    /// booting the background work).
    func takeFreeRoles(_ application: Application) async {
        guard let url else { return }
        await round(url: url, application)
    }

    private func round(url: String, _ application: Application) async {
        let logger = application.logger
        do {
            let connection = try await session(url: url, logger: logger)
            // The locks held are only as good as the session: prove it is alive.
            if !held.withLockedValue({ $0.isEmpty }) { try await probe(connection, logger: logger) }
            for role in InstanceRole.allCases where !holds(role) {
                // Bounded like the probe: a session the server ended may never answer.
                let got = try await StopDeadline.value(within: probeDeadline) {
                    let rows = try await connection.query(
                        PostgresQuery(unsafeSQL: "SELECT pg_try_advisory_lock(\(AdvisoryLock.lease(role).arguments)) AS got"), logger: logger)
                    var got = false
                    for try await value in rows.decode(Bool.self) { got = value }
                    return got
                }
                if got { try await acquired(role, application) }
            }
        } catch {
            // Shutting down: `shutdownAsync` gives the roles up and closes the session itself.
            if Task.isCancelled { return }
            await giveUpAll(because: "the session failed (\(String(reflecting: error)))", logger: logger)
        }
    }

    /// The session the locks are taken on; a new one when it ended, after giving up every
    /// role (the locks ended with the old session, and another instance may hold them now).
    private func session(url: String, logger: Logger) async throws -> PostgresConnection {
        if let open = connection.withLockedValue({ $0 }), !open.isClosed { return open }
        await giveUpAll(because: "its session ended", logger: logger)
        let opened = try await DedicatedConnection.open(url: url, logger: logger)
        connection.withLockedValue { $0 = opened }
        return opened
    }

    /// `SELECT 1` within `probeDeadline`, or the session counts as lost. Not a task group:
    /// a group waits for its children, and on a session PostgreSQL ended (seen on a loaded
    /// CI after `pg_terminate_backend`) neither the query nor `close()` returned, so the
    /// round hung and this instance went on believing it held roles another had taken.
    private func probe(_ connection: PostgresConnection, logger: Logger) async throws {
        _ = try await StopDeadline.value(within: probeDeadline) { try await connection.query("SELECT 1", logger: logger) }
    }

    private func giveUpAll(because reason: String, logger: Logger) async {
        let lost = held.withLockedValue { held -> Set<InstanceRole> in
            defer { held.removeAll() }
            return held
        }
        for role in lost { metrics.lease(role, held: false) }
        if !lost.isEmpty { logger.error("leases: \(reason); gave up \(lost.map(\.rawValue).sorted()), to be taken again") }
        let broken = connection.withLockedValue { connection -> PostgresConnection? in
            defer { connection = nil }
            return connection
        }
        // Not awaited: closing a connection whose server ended it may not return, and the
        // roles are given up already.
        if let broken { Task { try? await broken.close() } }
    }

    /// Records the lease (its holder and term) and starts the role's work on this instance.
    private func acquired(_ role: InstanceRole, _ application: Application) async throws {
        let (instance, run) = (instance, run)
        let now = application.now.milliseconds
        // Through the writer: its turns are serialised, so a batch of the previous holder
        // either committed before this record (and the new holder reads what it stored) or
        // finds this record and stores nothing.
        let (previous, term) = try await application.smartGate.commits.perform { db in
            let sql = db as! any SQLDatabase
            let record = try await sql.select().columns("holder", "term").from(CreateInstanceLeases.table)
                .where("role", .equal, role.rawValue).first()
            let previous = try record?.decode(column: "holder", as: String.self)
            let term = (try record?.decode(column: "term", as: Int64.self) ?? 0) + 1
            try await sql.insert(into: CreateInstanceLeases.table)
                .columns("role", "holder", "run", "term", "acquired_ms")
                .values(SQLBind(role.rawValue), SQLBind(instance), SQLBind(run), SQLBind(term), SQLBind(now))
                .onConflict(with: ["role"]) {
                    $0.set(excludedValueOf: "holder").set(excludedValueOf: "run").set(excludedValueOf: "term").set(excludedValueOf: "acquired_ms")
                }
                .run()
            return (previous, term)
        }
        held.withLockedValue { _ = $0.insert(role) }
        metrics.lease(role, held: true)
        if let previous, previous != instance {
            metrics.tookOver(role)
            application.logger.notice("leases: \(instance) took \(role.rawValue) over from \(previous) (term \(term))")
        } else {
            application.logger.notice("leases: \(instance) holds \(role.rawValue) (term \(term))")
        }
    }
}

/// The lease record names another holder: this instance lost the role.
struct LeaseLost: Error, CustomStringConvertible {
    var role: InstanceRole
    var holder: String?
    var description: String { "the \(role.rawValue) lease is \(holder.map { "held by \($0)" } ?? "unrecorded"), not this instance's" }
}
