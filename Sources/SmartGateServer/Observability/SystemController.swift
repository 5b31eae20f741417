import Fluent
import SQLKit
import Vapor

/// Liveness, metrics and the API description.
enum SystemController {
    /// `GET /health`: 200 when the database answers, 503 otherwise.
    @Sendable static func health(_ request: Request) async throws -> Response {
        struct Health: Encodable {
            var status: String
            var database: String
            /// This instance's name, and the background roles it holds now (CONTRACTS §13).
            var instance: String
            var roles: [InstanceRole]
        }
        let context = request.application.smartGate
        do {
            _ = try await (request.db as! any SQLDatabase).raw("SELECT 1").all()
            return try WireJSON.response(Health(status: "ok", database: "ok", instance: context.settings.instanceId, roles: context.leases.roles))
        } catch {
            request.logger.warning("health check: database unreachable: \(String(describing: error))")
            return try WireJSON.response(
                Health(status: "degraded", database: "unreachable", instance: context.settings.instanceId, roles: context.leases.roles),
                status: .serviceUnavailable)
        }
    }

    /// `GET /health/roles/{role}`: 200 when this instance holds the role, 503 when not; a
    /// load balancer's check sends the corridor's requests to its holder.
    @Sendable static func role(_ request: Request) async throws -> Response {
        struct Held: Encodable {
            var role: InstanceRole
            var instance: String
            var held: Bool
        }
        let name = request.parameters.get("role") ?? ""
        guard let role = InstanceRole(rawValue: name) else { throw AppError.notFound(kind: "role", id: name) }
        let context = request.application.smartGate
        let held = context.leases.holds(role)
        return try WireJSON.response(Held(role: role, instance: context.settings.instanceId, held: held), status: held ? .ok : .serviceUnavailable)
    }

    /// `GET /metrics`: Prometheus text exposition.
    @Sendable static func metrics(_ request: Request) async throws -> Response {
        Response(
            status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(string: request.application.smartGate.metrics.render()))
    }

    /// `GET /openapi.json`: the OpenAPI 3.1 document of this API.
    @Sendable static func openAPI(_ request: Request) async throws -> Response {
        WireJSON.response(data: OpenAPIDocument.data)
    }
}

/// The API description shipped with the server (`Resources/openapi.json`).
enum OpenAPIDocument {
    static let data: Data = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
              let data = try? Data(contentsOf: url)
        else { return Data(#"{"openapi":"3.1.0","info":{"title":"SmartGate","version":"missing"},"paths":{}}"#.utf8) }
        return data
    }()
}
