import Crypto
import Foundation
import GateKit
import Vapor

/// The pages' sign-in: the same session token as the API's, carried in a cookie that
/// scripts cannot read (HttpOnly), that no other site's page sends (SameSite=Strict),
/// and that travels only over TLS when the server speaks it (Secure). Every form carries
/// a CSRF token derived from the session, checked before anything changes.
enum WebSession {
    static let cookie = "sg_session"
    /// Before sign-in there is no session: the sign-in form's token is a random value kept
    /// in this cookie as well as in the form (double submit).
    static let signInCookie = "sg_csrf"
    static let csrfField = "_csrf"

    /// The session's form token: HMAC-SHA256 of its id under the token key, so it needs
    /// no storage and dies with the session.
    static func csrfToken(jti: String, key: SymmetricKey) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("csrf:\(jti)".utf8), using: key)
        return Base64URL.encode(Data(mac))
    }

    /// Refuses a form whose token is not this session's (403).
    static func checkForm(_ request: Request, token: String?) throws {
        guard let session = request.session, let token,
              Data(token.utf8).constantTimeEquals(Data(csrfToken(jti: session.jti.value, key: request.application.smartGate.keys.tokenKey).utf8))
        else { throw AppError.forbidden(.forbidden) }
    }

    /// A cookie for this server: HttpOnly, SameSite=Strict, Secure over TLS.
    static func cookie(_ value: String, request: Request, maxAge: Int?) -> HTTPCookies.Value {
        HTTPCookies.Value(
            string: value, maxAge: maxAge, path: "/", isSecure: request.application.http.server.configuration.tlsConfiguration != nil,
            isHTTPOnly: true, sameSite: .strict)
    }

    /// The session token in the request's cookie, if any.
    static func token(_ request: Request) -> String? {
        guard let value = request.cookies[cookie]?.string, !value.isEmpty else { return nil }
        return value
    }
}

/// `/sign-in` and `/sign-out`.
enum SignInPages {
    /// `GET /sign-in`: the form, with a fresh double-submit token.
    @Sendable static func form(_ request: Request) async throws -> Response {
        let token = Base64URL.encode(Data((0..<24).map { _ in UInt8.random(in: 0...255) }))
        let next = safeNext(request.query[String.self, at: "next"])
        let response = try WebPage.render(SignInPage(next: next, csrf: token, failed: false), request: request)
        response.cookies[WebSession.signInCookie] = WebSession.cookie(token, request: request, maxAge: 3600)
        return response
    }

    /// `POST /sign-in`: the session cookie and on to `next`, or the form again with the error.
    @Sendable static func signIn(_ request: Request) async throws -> Response {
        let form = FormBody.fields(request)
        guard let expected = request.cookies[WebSession.signInCookie]?.string, let given = form[WebSession.csrfField],
              Data(expected.utf8).constantTimeEquals(Data(given.utf8))
        else { throw AppError.forbidden(.forbidden) }
        let next = safeNext(form["next"])
        do {
            let (_, token, _) = try await AuthController.signIn(
                email: (form["email"] ?? "").trimmingCharacters(in: .whitespaces).lowercased(), password: form["password"] ?? "", request: request)
            let response = request.redirect(to: next ?? "/", redirectType: .normal)
            response.cookies[WebSession.cookie] = WebSession.cookie(token, request: request, maxAge: Int(request.application.smartGate.settings.tokenLifetime))
            response.cookies[WebSession.signInCookie] = WebSession.cookie("", request: request, maxAge: 0)
            return response
        } catch AppError.unauthenticated {
            let response = try WebPage.render(SignInPage(next: next, csrf: expected, failed: true), request: request, status: .unauthorized)
            return response
        }
    }

    /// `POST /sign-out`: revokes the session, forgets the cookie.
    @Sendable static func signOut(_ request: Request) async throws -> Response {
        try WebSession.checkForm(request, token: FormBody.fields(request)[WebSession.csrfField])
        try await AuthController.signOut(request)
        let response = request.redirect(to: "/sign-in", redirectType: .normal)
        response.cookies[WebSession.cookie] = WebSession.cookie("", request: request, maxAge: 0)
        return response
    }

    /// Only a path on this server: an open redirect would let a link sign people in to
    /// SmartGate and land them elsewhere. Browsers drop tabs and line breaks from a URL, so
    /// `/\t/evil.example` would become `//evil.example`: only plain path characters pass.
    static func safeNext(_ next: String?) -> String? {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_.~%?=&-")
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), next.count <= 512, next.allSatisfy(allowed.contains) else { return nil }
        return next
    }
}

/// A form post's fields, read as sent: `application/x-www-form-urlencoded` pairs. The
/// portal's field names are JSON paths (`containers[0].number`), which Vapor's form
/// decoder would read as nesting; here a name is just a name. The last value of a
/// repeated name wins.
enum FormBody {
    static func fields(_ request: Request) -> [String: String] {
        guard let body = request.body.string else { return [:] }
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), !name.isEmpty else { continue }
            fields[name] = parts.count > 1 ? decode(parts[1]) ?? "" : ""
        }
        return fields
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
