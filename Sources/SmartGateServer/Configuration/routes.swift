import Vapor

/// Every route, in one place. The OpenAPI document describes exactly these; a test
/// compares the two.
func routes(_ app: Application) throws {
    app.get("health", use: SystemController.health)
    app.get("metrics", use: SystemController.metrics)
    app.get("openapi.json", use: SystemController.openAPI)

    let api = app.grouped("api", "v1")
    do {
        api.get("gates", use: GatesController.list)
    }
    do {
        let declarations = api.grouped("declarations")
        declarations.post(use: DeclarationsController.create)
        declarations.get(use: DeclarationsController.list)
        declarations.get(":id", use: DeclarationsController.read)
        declarations.patch(":id", use: DeclarationsController.amend)
        declarations.post(":id", "cancel", use: DeclarationsController.cancel)
    }
    do {
        api.on(
            .POST, "lanes", ":laneId", "readings", body: .collect(maxSize: ByteCount(value: LanesController.readingBodyLimit)),
            use: LanesController.postReading)
        api.get("decisions", use: LanesController.decisions)
    }
}
