import BorderLink
import GateKit
import Vapor

/// Turns every error into an RFC 9457 `application/problem+json` answer, in the client's
/// language. The one place errors become HTTP: handlers throw typed errors and never
/// build error responses themselves.
struct ProblemMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            return Self.response(for: error, request: request)
        }
    }

    static func response(for error: any Error, request: Request) -> Response {
        let language = Language.negotiate(request.headers.first(name: .acceptLanguage))
        let (status, type, detail, fields, headers) = describe(error, language: language, request: request)
        if request.wantsPage, let page = try? WebPage.render(ErrorPage(status: Int(status.code), detail: detail), request: request, status: status) {
            for (name, value) in headers where name.lowercased() != "content-type" { page.headers.replaceOrAdd(name: name, value: value) }
            return page
        }
        var problem = ProblemDetails(
            type: type.uri, title: type.title(in: language), status: Int(status.code), detail: detail,
            instance: request.url.path, errors: fields)
        if case AppError.bookingRefused(let refusal, let offers) = error {
            problem.code = refusal.rawValue
            problem.nextFree = offers
        }
        var responseHeaders = headers
        responseHeaders.replaceOrAdd(name: .contentType, value: "application/problem+json; charset=utf-8")
        responseHeaders.replaceOrAdd(name: .contentLanguage, value: language.rawValue)
        let body = (try? WireJSON.encode(problem)) ?? Data(#"{"title":"Internal error","status":500}"#.utf8)
        return Response(status: status, headers: responseHeaders, body: .init(data: body))
    }

    private static func describe(
        _ error: any Error, language: Language, request: Request
    ) -> (HTTPStatus, ProblemType, String?, [ProblemFieldError]?, HTTPHeaders) {
        switch error {
        case AppError.validation(let failure):
            let fields = failure.issues.map {
                ProblemFieldError(field: $0.field, code: $0.code.rawValue, message: $0.message(in: language))
            }
            let detail = switch language {
            case .en: "\(fields.count) field(s) are invalid; see errors."
            case .vi: "\(fields.count) trường không hợp lệ; xem errors."
            case .zh: "\(fields.count) 个字段无效，详见 errors。"
            }
            return (.unprocessableEntity, .validation, detail, fields, [:])
        case AppError.malformedJSON(let detail):
            return (.badRequest, .malformedJSON, detail, nil, [:])
        case AppError.unsupportedMediaType(let given):
            return (.unsupportedMediaType, .unsupportedMediaType, "Send application/json, not \(given).", nil, [:])
        case AppError.notFound(let kind, let id):
            return (.notFound, .notFound, "No \(kind) \(id).", nil, [:])
        case AppError.staleVersion(let current, let given):
            return (.conflict, .staleVersion, "Version \(given) is stale; the current version is \(current). Read the declaration again and retry.", nil, ["ETag": "\"\(current)\""])
        case AppError.transition(let refused):
            return (.conflict, .transition, "The declaration is \(refused.from.rawValue) and cannot become \(refused.to.rawValue).", nil, [:])
        case AppError.idempotencyMismatch(let key):
            return (.conflict, .idempotencyMismatch, "Key \(key) was first used with a different request body.", nil, [:])
        case AppError.noVehicleInLane(let laneId):
            return (.conflict, .conflict, "Lane \(laneId) has no vehicle in it.", nil, [:])
        case AppError.badQuery(let field, let message):
            return (.badRequest, .badQuery, message, [ProblemFieldError(field: field, code: "query.invalid", message: message)], [:])
        case AppError.unavailable(let detail):
            return (.serviceUnavailable, .unavailable, detail, nil, ["Retry-After": "1"])
        case AppError.unauthenticated(let reason, let scheme):
            refused(reason, status: .unauthorized, request: request)
            let detail = switch reason {
            case .missing: switch scheme {
                case .deviceKey: "Send the lane device's key in X-Device-Key."
                case .link: "Sign the request as a peer: Authorization: SmartGate-Link (docs/BORDERLINK.md §7)."
                case .bearer: "Sign in and send the token as Authorization: Bearer."
                }
            case .expired: "The session has expired; sign in again."
            case .badCredentials: "The e-mail address or the password is wrong, or the account is disabled."
            case .revoked, .revokedDeviceKey: "This credential has been revoked."
            default: "The credential is not valid."
            }
            return (.unauthorized, .unauthenticated, detail, nil, ["WWW-Authenticate": "\(scheme.rawValue) realm=\"smartgate\""])
        case AppError.linkRefused(let refusal):
            // Which rule refused a peer is what its operator needs (a clock off, a key not
            // rotated in); the detail names sides, keys and times, nothing personal.
            request.logger.notice("link request refused: \(refusal) on \(request.method.rawValue) \(request.url.path)")
            let field = ProblemFieldError(field: "Authorization", code: "link.\(refusal.reason.rawValue)", message: refusal.detail)
            return (.unauthorized, .unauthenticated, refusal.description, [field], ["WWW-Authenticate": "\(LinkRequestSignature.scheme) realm=\"smartgate\""])
        case AppError.forbidden(let reason):
            refused(reason, status: .forbidden, request: request)
            let detail = switch reason {
            case .wrongLane: "This device key is bound to another lane."
            case .otherEnterprise: "A declarant declares only for its own enterprise."
            default: "Your role does not allow this."
            }
            return (.forbidden, .forbidden, detail, nil, [:])
        case AppError.declarantBlocked:
            return (.forbidden, .declarantBlocked, "Customs has blocked declarations from this enterprise; contact the customs office of the gate.", nil, [:])
        case AppError.conflict(let detail):
            return (.conflict, .conflict, detail, nil, [:])
        case AppError.bookingRefused(let refusal, _):
            return (.conflict, .bookingRefused, refusal.detail(in: language), nil, [:])
        case AppError.rateLimited(let retryAfter):
            refused(.rateLimited, status: .tooManyRequests, request: request)
            return (.tooManyRequests, .rateLimited, "Retry after \(retryAfter) s.", nil, ["Retry-After": "\(retryAfter)"])
        case let abort as any AbortError:
            let type: ProblemType = switch abort.status {
            case .notFound: .notFound
            case .payloadTooLarge: .payloadTooLarge
            case .methodNotAllowed: .methodNotAllowed
            case .tooManyRequests: .rateLimited
            case .unsupportedMediaType: .unsupportedMediaType
            case .internalServerError: .internalError
            default: .http
            }
            let detail: String? = switch abort.status {
            case .notFound: "No route \(request.method.rawValue) \(request.url.path)."
            case .payloadTooLarge: "The body exceeds the limit for this endpoint."
            case .internalServerError:
                logged(error, request: request)
            default: abort.reason
            }
            return (abort.status, type, detail, nil, abort.headers)
        case _ where SQLiteFile.isBusy(error):
            // Another process (the CLI) held SQLite's write lock past the busy timeout.
            return (.serviceUnavailable, .unavailable, "The database is busy with another writer; retry shortly.", nil, ["Retry-After": "1"])
        case is DecodingError:
            return (.badRequest, .malformedJSON, "The body does not have the expected shape.", nil, [:])
        default:
            return (.internalServerError, .internalError, logged(error, request: request), nil, [:])
        }
    }

    /// Refusals are logged and counted: a burst of them is an attack or a misconfigured
    /// device. The log names the route pattern and the reason, nothing personal.
    private static func refused(_ reason: AccessRefusal, status: HTTPStatus, request: Request) {
        let route = request.route.map { "/" + $0.path.map(\.description).joined(separator: "/") } ?? "unmatched"
        request.logger.notice("access refused: \(status.code) \(reason.rawValue) on \(request.method.rawValue) \(route)")
        request.application.smartGate.metrics.refused(reason)
    }

    /// Logs an unexpected error with the request id and answers only that id: internals
    /// (SQL, paths, personal data in a payload) never reach the client.
    private static func logged(_ error: any Error, request: Request) -> String {
        request.logger.error("unexpected error: \(String(reflecting: error))")
        return "Unexpected error; reference \(request.id)."
    }
}

extension Request {
    /// Whether a refusal should be a page: the route is one, or no route matched a path
    /// outside the API that a browser asked for.
    var wantsPage: Bool {
        if let route { return route.isPage }
        let path = url.path
        return !path.hasPrefix("/api/") && headers.first(name: .accept)?.contains("text/html") == true
    }
}
