// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "SmartGate",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "smartgate", targets: ["smartgate"]),
        .library(name: "GateKit", targets: ["GateKit"]),
        .library(name: "CorridorKit", targets: ["CorridorKit"]),
        .library(name: "BorderLink", targets: ["BorderLink"]),
        .library(name: "TwinKit", targets: ["TwinKit"]),
        .library(name: "SmartGateServer", targets: ["SmartGateServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.115.0"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.12.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.8.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.24.0"),
        .package(url: "https://github.com/vapor/jwt.git", from: "5.2.0"),
    ],
    targets: [
        // Pure domain: identifiers, declarations, lane decisions. No Vapor, no Fluent.
        .target(
            name: "GateKit",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // Pure domain: the autonomous bridge corridor (plant, orders, dispatcher, blocks,
        // VDA 5050-style messages, simulated shuttles, safety checker). No Vapor, no Fluent.
        .target(
            name: "CorridorKit",
            dependencies: ["GateKit"],
            resources: [.copy("Resources/kim-thanh-corridor.json")]
        ),
        // Pure domain: the cross-border link's signed envelopes, canonical bytes, keys,
        // replay window and the outbox/inbox state machines. No Vapor, no Fluent.
        .target(
            name: "BorderLink",
            dependencies: ["GateKit", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Pure domain: the digital twin, a discrete-event simulation of the gate that drives
        // GateKit's lane decisions and CorridorKit's controller in simulated time.
        .target(
            name: "TwinKit",
            dependencies: ["GateKit", "CorridorKit", .product(name: "Collections", package: "swift-collections")],
            resources: [.copy("Resources/kim-thanh.json")]
        ),
        // Adapts the domain to HTTP and the database.
        .target(
            name: "SmartGateServer",
            dependencies: [
                "GateKit",
                "CorridorKit",
                "BorderLink",
                "TwinKit",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWT", package: "jwt"),
            ],
            resources: [.copy("Resources/openapi.json"), .copy("Resources/Web")]
        ),
        // The thin command-line front door.
        .executableTarget(
            name: "smartgate",
            dependencies: [
                "GateKit",
                "CorridorKit",
                "BorderLink",
                "TwinKit",
                "SmartGateServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmarks (run in release: `swift run -c release smartgate-bench`).
        .executableTarget(
            name: "smartgate-bench",
            dependencies: [
                "GateKit",
                "CorridorKit",
                "BorderLink",
                "SmartGateServer",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Sources/SmartGateBench"
        ),
        .testTarget(name: "GateKitTests", dependencies: ["GateKit"]),
        .testTarget(name: "CorridorKitTests", dependencies: ["CorridorKit", "GateKit"]),
        .testTarget(name: "BorderLinkTests", dependencies: ["BorderLink", "GateKit"]),
        .testTarget(name: "TwinKitTests", dependencies: ["TwinKit", "GateKit", "CorridorKit"]),
        .testTarget(
            name: "SmartGateServerTests",
            dependencies: [
                "SmartGateServer",
                .product(name: "VaporTesting", package: "vapor"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
