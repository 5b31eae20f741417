import Foundation
import Vapor

/// The pages' stylesheet and script, served by SmartGate itself: no CDN, no font or script
/// from elsewhere, so the gate's pages work on a network cut off from the internet.
enum WebAssets {
    private static let types = ["app.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8"]

    private static let files: [String: Data] = {
        var files: [String: Data] = [:]
        for name in types.keys {
            let parts = name.split(separator: ".")
            if let url = Bundle.module.url(forResource: "Web/assets/\(parts[0])", withExtension: String(parts[1])),
               let data = try? Data(contentsOf: url) {
                files[name] = data
            }
        }
        return files
    }()

    /// `GET /assets/:file`.
    @Sendable static func serve(_ request: Request) async throws -> Response {
        let name = request.parameters.get("file") ?? ""
        guard let data = files[name], let type = types[name] else { throw AppError.notFound(kind: "asset", id: name) }
        return Response(status: .ok, headers: [
            "Content-Type": type, "Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff",
        ], body: .init(data: data))
    }
}
