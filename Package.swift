// swift-tools-version: 6.1
import PackageDescription

/// One settings block for every target: Swift 6 mode, strict concurrency, and a
/// small public surface (dependencies do not leak through public API).
let settings: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "aso-engine",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "WorkflowKit", targets: ["WorkflowKit"]),
        // The event log and the case store in one SQLite file (GRDB): the default backend.
        .library(name: "WorkflowSQLite", targets: ["WorkflowSQLite"]),
        .library(name: "Processes", targets: ["Processes"]),
        .library(name: "WorkflowKitTesting", targets: ["WorkflowKitTesting"]),
        .library(name: "WorkflowServer", targets: ["WorkflowServer"]),
        // The event log in PostgreSQL: a product of its own, so that an embedder who keeps
        // SQLite does not build PostgreSQL's client.
        .library(name: "WorkflowPostgres", targets: ["WorkflowPostgres"]),
        .executable(name: "aso-engine", targets: ["aso-engine"]),
        .executable(name: "aso-bench", targets: ["aso-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // `swift package generate-documentation --target WorkflowKit` builds the DocC catalog.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .target(
            name: "WorkflowKit",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                // The daemon and the retention sweep as services an application runs in its ServiceGroup.
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                "CSinkSpawn",
            ],
            swiftSettings: settings
        ),
        // exec: sink commands run under a supervising process (a child subreaper) that ends
        // everything they started; the code between fork and exec has to be C.
        .target(name: "CSinkSpawn"),
        // The SQLite backend: every SQL statement and every use of GRDB for SQLite.
        .target(
            name: "WorkflowSQLite",
            dependencies: [
                "WorkflowKit",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: settings
        ),
        .target(
            name: "Processes",
            dependencies: ["WorkflowKit", "WorkflowSQLite", .product(name: "Logging", package: "swift-log")],
            // The built-in process files; the top-level `processes` folder is a link here,
            // so that coordinators edit the very files the package ships.
            resources: [.copy("BuiltIn")],
            swiftSettings: settings
        ),
        // The PostgreSQL backend (postgres-nio's PostgresClient).
        .target(
            name: "WorkflowPostgres",
            dependencies: [
                "WorkflowKit", "WorkflowSQLite",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings
        ),
        .target(
            name: "WorkflowKitTesting",
            dependencies: ["WorkflowKit", "WorkflowSQLite"],
            swiftSettings: settings
        ),
        // The HTTP API (`aso-engine serve`): Hummingbird 2 over WorkflowKit's access rules.
        .target(
            name: "WorkflowServer",
            dependencies: [
                "WorkflowKit", "Processes",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            resources: [.copy("openapi.yaml"), .copy("Web/strings"), .copy("Web/site.css")],
            swiftSettings: settings
        ),
        // prctl is variadic in C, so Swift cannot call it: one small C function does.
        .target(name: "CProcessHardening"),
        .executableTarget(
            name: "aso-engine",
            dependencies: [
                "CProcessHardening",
                "WorkflowKit",
                "WorkflowSQLite",
                "WorkflowPostgres",
                "Processes",
                "WorkflowServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: settings
        ),
        .executableTarget(
            name: "aso-bench",
            dependencies: [
                "WorkflowKit", "WorkflowSQLite", "WorkflowPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "benchmarks/aso-bench",
            swiftSettings: settings
        ),
        // A real OS process that appends to an event log, driven by the
        // multi-process and SIGKILL tests.
        .executableTarget(
            name: "eventlog-worker",
            dependencies: ["WorkflowKit", "WorkflowSQLite", "WorkflowPostgres"],
            path: "Tests/EventLogWorker",
            swiftSettings: settings
        ),
        .testTarget(
            name: "WorkflowKitTests",
            dependencies: [
                "WorkflowKit", "WorkflowSQLite", "WorkflowKitTesting", "WorkflowPostgres", "eventlog-worker",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: settings
        ),
        // The PostgreSQL backend against a real server that the test command starts
        // (scripts/postgres-server); skipped only with ASO_SKIP_POSTGRES=1.
        .testTarget(
            name: "PostgresTests",
            dependencies: [
                "WorkflowKit", "WorkflowSQLite", "WorkflowKitTesting", "WorkflowPostgres", "eventlog-worker", "aso-engine",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings
        ),
        .testTarget(
            name: "ProcessesTests",
            dependencies: ["Processes", "WorkflowKit", "WorkflowSQLite", "WorkflowKitTesting", "aso-engine"],
            swiftSettings: settings
        ),
        // Runs the built `aso-engine` binary as a user would.
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "aso-engine", "WorkflowKit", "WorkflowSQLite", "WorkflowKitTesting",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: settings
        ),
    ]
)
