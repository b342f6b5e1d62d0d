// swift-tools-version: 6.1
import PackageDescription

/// Layers, from the bottom up (imports point one way):
///   JSONCore (JSON without Foundation) ← ClockSync (pure domain) ← WireProtocol (pure frames + JSON-RPC)
///   ← HostSystem (processes, files, clocks, signals: the OS doorway, C via CHostSystem)
///   ← SecureTransport (sockets, TLS, PKI: the OpenSSL doorway, C via COpenSSL)
///   ← RPCServer (the hardened JSON-RPC server of the agent and the API)
///   ← NodeAgent / Coordinator ← MeridianService (`meridian serve`: watch, history, alerts, API)
///   ← executables.
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

let package = Package(
    name: "Meridian",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "meridian", targets: ["meridian"]),
        .executable(name: "meridian-agent", targets: ["meridian-agent"]),
        // Lab only: preloaded into the lab's chronyd (see Sources/LabTimestampShim).
        .library(name: "MeridianLabTimestampShim", type: .dynamic, targets: ["LabTimestampShim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // The HTTP listener of `meridian serve` (metrics, status page). Traits off: no
        // swift-configuration, no full Foundation.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
    ],
    targets: [
        .target(
            name: "COpenSSL",
            cSettings: [
                .define("OPENSSL_API_COMPAT", to: "30000"),
                .define("OPENSSL_NO_DEPRECATED"),
            ],
            linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]
        ),
        .target(name: "CHostSystem"),
        .target(name: "LabTimestampShim", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "JSONCore", swiftSettings: strict),
        .target(name: "ClockSync", dependencies: ["JSONCore"], swiftSettings: strict),
        .target(name: "WireProtocol", dependencies: ["JSONCore", "ClockSync"], swiftSettings: strict),
        .target(name: "HostSystem", dependencies: ["CHostSystem", "WireProtocol", "ClockSync"], swiftSettings: strict),
        .target(name: "SecureTransport", dependencies: ["COpenSSL", "HostSystem", "WireProtocol"], swiftSettings: strict),
        .target(name: "RPCServer", dependencies: ["HostSystem", "SecureTransport", "WireProtocol", "ClockSync"], swiftSettings: strict),
        .target(name: "NodeAgent", dependencies: ["HostSystem", "SecureTransport", "WireProtocol", "ClockSync", "RPCServer"], swiftSettings: strict),
        .target(name: "Coordinator", dependencies: ["HostSystem", "SecureTransport", "WireProtocol", "ClockSync", "JSONCore"], swiftSettings: strict),
        .target(name: "MeridianService",
                dependencies: ["Coordinator", "HostSystem", "SecureTransport", "RPCServer", "WireProtocol", "ClockSync", "JSONCore",
                               .product(name: "GRDB", package: "GRDB.swift"),
                               .product(name: "Hummingbird", package: "hummingbird")],
                swiftSettings: strict),
        .executableTarget(
            name: "meridian",
            dependencies: ["Coordinator", "MeridianService", "HostSystem", "ClockSync", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "meridian-agent",
            dependencies: ["NodeAgent", "HostSystem"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "meridian-bench",
            dependencies: ["Coordinator", "MeridianService", "HostSystem", "ClockSync", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .target(
            name: "TestSupport",
            dependencies: ["HostSystem", "SecureTransport", "WireProtocol", "ClockSync"],
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "ClockSyncTests", dependencies: ["ClockSync", "TestSupport"],
                    exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "WireProtocolTests", dependencies: ["WireProtocol", "JSONCore", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "HostSystemTests", dependencies: ["HostSystem", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "SecureTransportTests", dependencies: ["SecureTransport", "HostSystem", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "RPCServerTests", dependencies: ["RPCServer", "SecureTransport", "HostSystem", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "NodeAgentTests", dependencies: ["NodeAgent", "HostSystem", "RPCServer", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "MeridianServiceTests", dependencies: ["MeridianService", "Coordinator", "NodeAgent", "HostSystem", "JSONCore", "SecureTransport", "RPCServer", "TestSupport"],
                    exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "CoordinatorTests", dependencies: ["Coordinator", "MeridianService", "NodeAgent", "HostSystem", "JSONCore", "TestSupport"], swiftSettings: strict),
    ]
)
