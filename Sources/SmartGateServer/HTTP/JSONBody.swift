import Crypto
import GateKit
import Vapor

extension Request {
    /// The body as a JSON tree: 415 for a non-JSON content type, 400 for bytes that are not
    /// JSON, 413 (from the route's body limit) for too much of it.
    /// - Parameter limit: the largest body accepted; the server's `maxBodyBytes` when nil.
    ///   (A socket-fed body over the limit is refused earlier by the route's collector;
    ///   this check covers bodies that arrive whole.)
    func jsonBody(limit: Int? = nil) throws -> JSONValue {
        let contentType = headers.first(name: .contentType)
        guard let contentType, JSONMediaType.accepts(contentType, mergePatch: method == .PATCH) else {
            throw AppError.unsupportedMediaType(contentType ?? "no Content-Type")
        }
        guard let buffer = body.data, buffer.readableBytes > 0 else {
            throw AppError.malformedJSON("The request has no body; send a JSON document.")
        }
        if buffer.readableBytes > limit ?? application.smartGate.settings.maxBodyBytes {
            throw Abort(.payloadTooLarge)
        }
        do {
            return try JSONValue.parse(Data(buffer.readableBytesView))
        } catch {
            throw AppError.malformedJSON(error.detail)
        }
    }
}

/// The one media type SmartGate's bodies are: `application/json` (and, for a PATCH, the
/// RFC 7396 `application/merge-patch+json`), in any letter case (RFC 9110 §8.3.1), with no
/// parameter but `charset=utf-8` (RFC 8259 §8.1: JSON between systems is UTF-8). Anything
/// else, a missing type included, is 415: a form post or a `text/plain` body comes from a
/// client that does not mean to send JSON.
enum JSONMediaType {
    static func accepts(_ header: String, mergePatch: Bool = false) -> Bool {
        let parts = header.split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let type = parts[0].lowercased()
        guard type == "application/json" || (mergePatch && type == "application/merge-patch+json") else { return false }
        return parts.dropFirst().allSatisfy { parameter in
            if parameter.isEmpty { return true }  // `application/json;`: an empty parameter is no parameter
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard pair.count == 2, pair[0] == "charset" else { return false }
            return pair[1] == "utf-8" || pair[1] == "\"utf-8\""
        }
    }
}

/// How SmartGate writes JSON: sorted keys (stable bytes, stable hashes) and RFC 3339 UTC
/// timestamps with milliseconds.
enum WireJSON {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        return encoder
    }

    /// The decoder for what SmartGate itself stored: identifiers are read as stored, not
    /// validated again against rules tightened since (`CodingUserInfoKey.storedRecord`).
    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.userInfo[.storedRecord] = true
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            do throws(Issue) {
                return try Timestamp.parse(text)
            } catch {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
            }
        }
        return decoder
    }

    static func encode(_ value: some Encodable) throws -> Data {
        try encoder().encode(value)
    }

    /// A JSON response with the given status.
    static func response(_ value: some Encodable, status: HTTPStatus = .ok, headers: HTTPHeaders = [:]) throws -> Response {
        try response(data: encode(value), status: status, headers: headers)
    }

    static func response(data: Data, status: HTTPStatus = .ok, headers: HTTPHeaders = [:]) -> Response {
        var headers = headers
        headers.replaceOrAdd(name: .contentType, value: "application/json; charset=utf-8")
        return Response(status: status, headers: headers, body: .init(data: data))
    }

    /// Hex SHA-256 of some bytes: how request bodies are compared for idempotency.
    static func digest(_ data: Data) -> String {
        Hex.lowercase(SHA256.hash(data: data))
    }
}

extension Request {
    /// The version in an `If-Match` header (`"3"`, `W/"3"` or `3`); nil when absent or not a version.
    var ifMatchVersion: Int? {
        headers.first(name: .ifMatch).flatMap {
            Int($0.replacingOccurrences(of: "W/", with: "").trimmingCharacters(in: CharacterSet(charactersIn: "\" ")))
        }
    }
}
