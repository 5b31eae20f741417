import Foundation
import Testing
import VaporTesting
@testable import SmartGateServer

/// `/openapi.json` and the router agree (CONTRACTS §7): a route missing from the document,
/// or a documented operation with no route behind it, fails here.
@Suite("The OpenAPI document describes exactly the routes")
struct OpenAPITests {
    /// One operation: an HTTP method and a path in OpenAPI form, `/api/v1/declarations/{id}`.
    struct Endpoint: Hashable, Comparable, CustomStringConvertible {
        var method: String
        var path: String

        var description: String { "\(method) \(path)" }

        static func < (lhs: Self, rhs: Self) -> Bool { (lhs.path, lhs.method) < (rhs.path, rhs.method) }
    }

    /// The keys of a Path Item object that are operations (the others are `parameters`, `summary`…).
    static let operationKeys: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// Operations that answer no client error by design: they take no input.
    static let withoutClientErrors: Set<String> = ["/health", "/metrics", "/openapi.json"]

    static func document() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: OpenAPIDocument.data) as? [String: Any], "openapi.json is not a JSON object")
    }

    /// Every operation in the document, with its Operation object.
    static func documentedOperations() throws -> [Endpoint: [String: Any]] {
        let paths = try #require(try document()["paths"] as? [String: Any], "openapi.json has no paths")
        var operations: [Endpoint: [String: Any]] = [:]
        for (path, item) in paths {
            guard let item = item as? [String: Any] else { continue }
            for (key, operation) in item where operationKeys.contains(key) {
                operations[Endpoint(method: key.uppercased(), path: path)] = operation as? [String: Any] ?? [:]
            }
        }
        return operations
    }

    /// Every route the application registers, its `:param`s written `{param}`.
    static func routedOperations(_ app: Application) -> Set<Endpoint> {
        // The pages are HTML for people, not the API the document describes.
        Set(app.routes.all.filter { !$0.isPage }.map { route in
            let components = route.path.map { component -> String in
                switch component {
                case .constant(let text): text
                case .parameter(let name): "{\(name)}"
                case .anything: "*"
                case .catchall: "**"
                }
            }
            return Endpoint(method: route.method.rawValue, path: "/" + components.joined(separator: "/"))
        })
    }

    /// The node a local reference (`#/components/schemas/Declaration`) points at, if any.
    static func resolve(_ reference: String, in document: [String: Any]) -> Any? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: Any = document
        for token in reference.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard let object = node as? [String: Any], let next = object[key] else { return nil }
            node = next
        }
        return node
    }

    @Test("every route is documented and every documented operation is routed")
    func routesMatchDocument() async throws {
        try await withApp(configure: { app in
            try await configure(app, settings: ServerSettings(database: .sqliteMemory))
        }) { app in
            // setup
            let routed = Self.routedOperations(app)
            // MUT
            let documented = Set(try Self.documentedOperations().keys)
            // validate
            let undocumented = routed.subtracting(documented).sorted().map(\.description)
            let unrouted = documented.subtracting(routed).sorted().map(\.description)
            #expect(!routed.isEmpty, "the router has no routes")
            #expect(undocumented.isEmpty, "routes missing from openapi.json: \(undocumented.joined(separator: ", "))")
            #expect(unrouted.isEmpty, "operations in openapi.json with no route: \(unrouted.joined(separator: ", "))")
        }
    }

    @Test("every API operation documents at least one client error")
    func operationsDocumentClientErrors() throws {
        var missing: [String] = []
        for (endpoint, operation) in try Self.documentedOperations() where !Self.withoutClientErrors.contains(endpoint.path) {
            let statuses = (operation["responses"] as? [String: Any] ?? [:]).keys
            if !statuses.contains(where: { $0.hasPrefix("4") }) { missing.append(endpoint.description) }
        }
        #expect(missing.isEmpty, "operations without a 4xx response: \(missing.sorted().joined(separator: ", "))")
    }

    @Test("every $ref in the document resolves")
    func referencesResolve() throws {
        let document = try Self.document()
        var references: [String] = []
        func collect(_ node: Any) {
            if let object = node as? [String: Any] {
                for (key, value) in object {
                    if key == "$ref", let target = value as? String {
                        references.append(target)
                    } else {
                        collect(value)
                    }
                }
            } else if let array = node as? [Any] {
                for item in array { collect(item) }
            }
        }
        collect(document)
        let unresolved = Set(references.filter { Self.resolve($0, in: document) == nil }).sorted()
        #expect(!references.isEmpty, "openapi.json has no $ref at all")
        #expect(unresolved.isEmpty, "unresolved $ref: \(unresolved.joined(separator: ", "))")
    }
}
