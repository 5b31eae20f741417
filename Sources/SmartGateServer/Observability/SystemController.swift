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
        }
        do {
            _ = try await (request.db as! any SQLDatabase).raw("SELECT 1").all()
            return try WireJSON.response(Health(status: "ok", database: "ok"))
        } catch {
            request.logger.warning("health check: database unreachable: \(String(describing: error))")
            return try WireJSON.response(Health(status: "degraded", database: "unreachable"), status: .serviceUnavailable)
        }
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
