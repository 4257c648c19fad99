// swift-tools-version:6.0
import PackageDescription

// Layered as ../shared/DESIGN.md draws it; arrows point down only.
// No package dependencies: the toolchain's modules plus libpq and libcurl as system libraries.
let package = Package(
    name: "Switchyard",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "switchyard", targets: ["switchyard"]),
    ],
    targets: [
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ"),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl"),
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        .target(name: "Postgres", dependencies: ["CLibPQ"]),
        .target(name: "HTTP", dependencies: ["CLinux"]),
        .target(name: "Providers", dependencies: ["CCurl"]),
        .target(name: "MockProvider", dependencies: ["HTTP", "Providers"]),
        .target(name: "Queue", dependencies: ["Postgres"]),
        .target(name: "Gateway", dependencies: ["Providers", "Queue", "Postgres"]),
        .target(name: "Worker", dependencies: ["Gateway", "Providers", "Queue", "Postgres"]),
        .target(name: "API", dependencies: ["HTTP", "Gateway", "Providers", "Queue", "Postgres"]),
        // `switchyard up`: the embedded cluster, the local processes and the demo.
        .target(name: "LocalStack", dependencies: ["API", "Worker", "Gateway", "Providers", "Queue", "Postgres"]),
        .executableTarget(
            name: "switchyard",
            dependencies: ["LocalStack", "API", "Worker", "Gateway", "Providers", "MockProvider", "Queue", "Postgres", "HTTP"]
        ),

        .target(name: "TestSupport", dependencies: ["Postgres", "Queue", "Worker"], path: "Tests/TestSupport"),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP"]),
        .testTarget(name: "ProvidersTests", dependencies: ["Providers", "MockProvider", "HTTP"]),
        .testTarget(name: "QueueTests", dependencies: ["Queue", "Postgres", "TestSupport"]),
        .testTarget(name: "GatewayTests", dependencies: ["Gateway", "Providers", "TestSupport"]),
        .testTarget(
            name: "WorkerTests",
            dependencies: ["Worker", "Gateway", "Providers", "MockProvider", "Queue", "Postgres", "TestSupport"]),
        .testTarget(name: "IntegrationTests", dependencies: ["TestSupport", "Postgres", "Queue"]),
        .testTarget(
            name: "APITests",
            dependencies: ["API", "HTTP", "Gateway", "Providers", "Queue", "Postgres", "Worker", "MockProvider", "TestSupport"],
            exclude: ["Python"]),
        .testTarget(name: "switchyardTests", dependencies: ["switchyard"]),
    ],
    swiftLanguageModes: [.v6]
)
