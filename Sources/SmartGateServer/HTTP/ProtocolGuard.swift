import Vapor

/// HTTP-level refusals, answered as a status with a problem body rather than a dropped
/// connection, so a misbehaving lane device or proxy is told what it did wrong:
/// 414 for a URL over `maxURLBytes`, 431 for a header block over `maxHeaderBytes`, 405 with
/// `Allow` for a known path asked with a method it does not take, 501 for a method SmartGate
/// never serves on any other path, and 413 at once when `Content-Length` announces more than the route takes (a
/// client sending `Expect: 100-continue` learns it before sending the body).
///
/// The limits sit well below the HTTP parser's own (80 KiB of URL and headers), beyond
/// which the parser drops the connection before any handler runs, as it does for a
/// method name it does not know at all (`FOO /`): those two cases stay a closed
/// connection, and the README says so.
struct ProtocolGuard: AsyncMiddleware {
    static let maxURLBytes = 8 * 1024
    static let maxHeaderBytes = 16 * 1024
    /// The methods any SmartGate route answers; HEAD is served for every GET.
    static let servedMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    let defaultBodyLimit: Int

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if request.url.string.utf8.count > Self.maxURLBytes {
            throw Abort(.uriTooLong, reason: "The URL exceeds \(Self.maxURLBytes) bytes.")
        }
        // Each header as it travels: name, ": ", value, CRLF.
        let headerBytes = request.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
        if headerBytes > Self.maxHeaderBytes {
            throw Abort(.requestHeaderFieldsTooLarge, reason: "The request headers exceed \(Self.maxHeaderBytes) bytes.")
        }
        // `>=`, as Vapor's body collector counts: a body of exactly the limit is refused there too.
        if let announced = request.headers.first(name: .contentLength).flatMap(Int.init),
           announced >= (request.route?.bodyLimit ?? defaultBodyLimit) {
            throw Abort(.payloadTooLarge)
        }
        do {
            return try await next.respond(to: request)
        } catch let abort as any AbortError where abort.status == .notFound && request.route == nil {
            // The router found no route for this method; the path may still exist (405, for
            // any method, TRACE included), or the method be one SmartGate never serves (501).
            let allowed = RouteMethods(request.application.routes.all).methods(forPath: request.url.path)
            guard !allowed.isEmpty else {
                if Self.servedMethods.contains(request.method.rawValue) { throw abort }
                throw Abort(.notImplemented, reason: "SmartGate does not serve the \(request.method.rawValue) method.")
            }
            let allow = allowed.sorted().joined(separator: ", ")
            if request.method == .OPTIONS { return Response(status: .noContent, headers: ["Allow": allow]) }
            throw Abort(.methodNotAllowed, headers: ["Allow": allow], reason: "\(request.url.path) answers \(allow).")
        }
    }
}

/// The methods each route path answers, for 405's `Allow`: read from the router's routes
/// (only when a request found none), so it cannot disagree with them.
struct RouteMethods: Sendable {
    private let routes: [(method: HTTPMethod, path: [PathComponent])]

    init(_ routes: [Route]) {
        self.routes = routes.map { ($0.method, $0.path) }
    }

    /// The methods (HEAD beside GET, OPTIONS beside any) of the routes matching `path`.
    func methods(forPath path: String) -> Set<String> {
        let segments = path.split(separator: "/").map(String.init)
        var methods = Set(routes.filter { Self.matches($0.path, segments) }.map(\.method.rawValue))
        if methods.contains("GET") { methods.insert("HEAD") }
        if !methods.isEmpty { methods.insert("OPTIONS") }
        return methods
    }

    private static func matches(_ pattern: [PathComponent], _ segments: [String]) -> Bool {
        var index = 0
        for component in pattern {
            switch component {
            case .catchall:
                return index < segments.count
            case .constant(let text):
                guard index < segments.count, segments[index] == text else { return false }
            case .parameter, .anything:
                guard index < segments.count else { return false }
            }
            index += 1
        }
        return index == segments.count
    }
}

extension Route {
    private static let bodyLimitKey = "smartgate.bodyLimit"

    /// The largest body this route takes, when smaller than the server's default; checked
    /// against `Content-Length` before the body is read.
    @discardableResult
    func bodyLimit(_ bytes: Int) -> Route {
        userInfo[Self.bodyLimitKey] = bytes
        return self
    }

    var bodyLimit: Int? { userInfo[Self.bodyLimitKey] as? Int }
}
