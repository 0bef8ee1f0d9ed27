// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Atelier",
    platforms: [.macOS(.v14), .iOS(.v17)],
    products: [
        .executable(name: "atelier", targets: ["atelier"]),
        .library(name: "AtelierCore", targets: ["AtelierCore"]),
        // The Swift SDK for apps: Foundation only, Linux, iOS 17+, macOS 14+.
        .library(name: "AtelierKit", targets: ["AtelierKit"]),
    ],
    dependencies: [
        // One trait only: the default two are passed in random order and recompile Hummingbird.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // Domain: features as folders, and the protocols they need from the outside world.
        .target(
            name: "AtelierCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // libvips: a system library, and a small C shim because Swift cannot call variadic C.
        .systemLibrary(
            name: "CLibVips",
            pkgConfig: "vips",
            providers: [.apt(["libvips-dev"]), .brew(["vips"])]
        ),
        .target(name: "CVips", dependencies: ["CLibVips"]),
        .target(
            name: "AtelierImaging",
            dependencies: ["AtelierCore", "CVips"],
            swiftSettings: swiftSettings
        ),
        // The SQLite sqlite-nio links in, called directly (see its header for why).
        .target(name: "CSQLiteDirect"),
        // Models and vector indexes on BLAS: OpenBLAS on Linux, Accelerate on Apple platforms.
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]
        ),
        // AVX-512 int8 (VNNI) and bfloat16 kernels for the image encoder, chosen at run time by
        // CPU; stubs elsewhere. Optimised in debug builds too, like AtelierML.
        .target(name: "CPackedGEMM", cSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))]),
        .target(
            name: "AtelierML",
            dependencies: ["CPackedGEMM", .target(name: "CBLAS", condition: .when(platforms: [.linux]))],
            // Optimised in debug builds too: the models are unusably slow without it, and the
            // tests run them on real weights.
            swiftSettings: swiftSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        .target(
            name: "AtelierStore",
            dependencies: [
                "AtelierCore",
                "CSQLiteDirect",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AtelierServer",
            dependencies: [
                "AtelierCore",
                "AtelierStore",
                "AtelierImaging",
                "AtelierML",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The web console's static files, found beside the executable at run time (ConsoleAssets).
            resources: [.copy("Console/Assets")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "atelier",
            dependencies: [
                "AtelierServer",
                "AtelierCore",
                "AtelierStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AtelierMLTests",
            dependencies: ["AtelierML"],
            exclude: ["Resources"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "embedding-bench",
            dependencies: ["AtelierML"],
            path: "Benchmarks/EmbeddingBench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "index-bench",
            dependencies: ["AtelierML"],
            path: "Benchmarks/IndexBench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "pgvector-bench",
            dependencies: ["AtelierCore", "AtelierStore", .product(name: "SQLKit", package: "sql-kit")],
            path: "Benchmarks/PgvectorBench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "text-embedding-bench",
            dependencies: ["AtelierML"],
            path: "Benchmarks/TextEmbeddingBench",
            swiftSettings: swiftSettings
        ),
        // AtelierKit's overhead per call against raw URLSession (Benchmarks/kit_overhead.py runs it).
        .executableTarget(
            name: "kit-overhead-bench",
            dependencies: ["AtelierKit"],
            path: "Benchmarks/KitOverheadBench",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CatalogTests",
            dependencies: [
                "AtelierCore",
                "AtelierStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The SDK depends on nothing but Foundation, so apps pull in none of the server.
        .target(name: "AtelierKit", swiftSettings: swiftSettings),
        // Against the `atelier` binary built beside the tests, started per test on a free port.
        .testTarget(name: "AtelierKitTests", dependencies: ["AtelierKit"], swiftSettings: swiftSettings),
        // Blob stores against a real S3 server (scripts/s3-server.py; skipped without one).
        .testTarget(
            name: "AtelierStoreTests",
            dependencies: [
                "AtelierStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AtelierServerTests",
            dependencies: [
                "AtelierServer",
                "AtelierImaging",
                "AtelierStore",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
