import Fluent
import Vapor

/// One page of a list: `{"items": [...], "nextCursor": "…" | null}`.
struct Page<Item: Encodable & Sendable>: Encodable, Sendable {
    var items: [Item]
    var nextCursor: String?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        // Always present, null on the last page, so clients need not test for the key.
        try container.encode(nextCursor, forKey: .nextCursor)
    }

    private enum CodingKeys: String, CodingKey { case items, nextCursor }
}

/// The `limit` and `cursor` of a list request, checked.
struct PageRequest: Sendable {
    static let defaultLimit = 50
    static let maxLimit = 500

    var limit: Int
    /// The decoded cursor: the position after which the page starts.
    var after: [String]?

    init(_ request: Request) throws {
        if let raw = request.query[String.self, at: "limit"] {
            guard let value = Int(raw), (1...Self.maxLimit).contains(value) else {
                throw AppError.badQuery(field: "limit", message: "limit must be a whole number from 1 to \(Self.maxLimit) (got \(raw)).")
            }
            limit = value
        } else {
            limit = Self.defaultLimit
        }
        if let raw = request.query[String.self, at: "cursor"], !raw.isEmpty {
            guard let parts = Self.decode(raw) else { throw Self.foreignCursor }
            after = parts
        }
    }

    /// The 400 for a cursor this server did not issue (or issued for another list).
    static var foreignCursor: AppError {
        .badQuery(field: "cursor", message: "cursor is not one this server issued; start again without it.")
    }

    /// An opaque cursor over an ordered position: the client must not build its own.
    static func encode(_ parts: [String]) -> String {
        Data(parts.joined(separator: "\n").utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ cursor: String) -> [String]? {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard cursor.count <= 256, let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else { return nil }
        return text.components(separatedBy: "\n")
    }
}

extension QueryBuilder where Model.IDValue == UUID {
    /// Keyset paging over (a millisecond timestamp, id), the order every time-ordered list
    /// uses: rows after the cursor's position, sorted, one more than a page (to know
    /// whether another page follows).
    func page(
        _ page: PageRequest, by time: KeyPath<Model, FieldProperty<Model, Int64>>, descending: Bool
    ) throws -> Self {
        if let after = page.after {
            guard after.count == 2, let ms = Int64(after[0]), let id = UUID(uuidString: after[1]) else { throw PageRequest.foreignCursor }
            let beyond: DatabaseQuery.Filter.Method = descending ? .lessThan : .greaterThan
            group(.or) { or in
                or.filter(time, beyond, ms)
                or.group(.and) { and in
                    and.filter(time, .equal, ms)
                    and.filter(\._$id, beyond, id)
                }
            }
        }
        let direction: DatabaseQuery.Sort.Direction = descending ? .descending : .ascending
        return sort(time, direction).sort(\._$id, direction).limit(page.limit + 1)
    }
}

extension PageRequest {
    /// The cursor after a row at (`ms`, `id`), for `QueryBuilder.page(_:by:descending:)`.
    static func cursor(ms: Int64, id: UUID?) -> String {
        encode(["\(ms)", id?.uuidString ?? ""])
    }
}
