import Vapor

/// Turns an authenticated write request away with 503 and `Retry-After` before its body is
/// read, while the writer's queue is past its bounds (`CommitQueue.admit`).
///
/// Why at the door: a request turned away only when its job reaches the queue has already
/// cost most of an accepted one (the body's collection, parse and fingerprint). The
/// credential check before it is cheap (the gatekeeper keeps what it read) and keeps
/// CONTRACTS §1's answer: a missing or bad credential is 401, whatever the load.
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
