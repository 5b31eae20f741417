import Vapor

/// Turns a write request away with 503 and `Retry-After` before anything else is done for
/// it, while the writer's queue is past its bounds (`CommitQueue.admit`).
///
/// Why at the door: a request turned away only when its job reaches the queue has already
/// cost most of an accepted one (the device key's lookup and digest, the body's parse and
/// fingerprint). Turned away here it costs little more than the trivial route. Telling an
/// unauthenticated caller "busy" tells it nothing it could not learn from a timeout.
///
/// Not the age of the requests in the server: one stalled request (a slow client's body,
/// a long page) would then turn every other write away.
struct WriterAdmission: AsyncMiddleware {
    let commits: CommitQueue

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if Self.writes(request) { try commits.admit() }
        return try await next.respond(to: request)
    }

    /// A request that may write: any method but the reading ones, under the API.
    static func writes(_ request: Request) -> Bool {
        request.method != .GET && request.method != .HEAD && request.method != .OPTIONS && request.url.path.hasPrefix("/api/")
    }
}
