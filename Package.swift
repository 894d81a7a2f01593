// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "FeeGate",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "feegate", targets: ["feegate"]),
        .executable(name: "feegate-sim", targets: ["feegate-sim"]),
        .library(name: "FeeGateCore", targets: ["FeeGateCore"]),
        .library(name: "FeeGateStore", targets: ["FeeGateStore"]),
        .library(name: "FeeGateGateway", targets: ["FeeGateGateway"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        // System OpenSSL (libssl-dev): SHA-256, HMAC, secure random; later PKCS#12 and RSA signatures.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // Pure domain: money, VAT, ledger rules. No SQL, no HTTP, no I/O (hashing only, for derived ids).
        .target(name: "FeeGateCore", dependencies: ["FeeGateCrypto"], swiftSettings: swiftSettings),
        // System zlib (zlib1g-dev): inflate and CRC-32 for the ZIP container of .xlsx bank statements.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // libqrencode (libqrencode-dev): QR symbol generation for VietQR images.
        .systemLibrary(name: "CQREncode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        // Tariffs as YAML data files and the quote engine (parking, bus, passes, fees, VAT by date).
        .target(name: "FeeGateTariffs", dependencies: ["FeeGateCore", .product(name: "Yams", package: "Yams")], swiftSettings: swiftSettings),
        // VietQR (NAPAS / EMVCo MPM) codec, bank list and payment references. Pure.
        .target(name: "FeeGateVietQR", dependencies: ["FeeGateCore"], swiftSettings: swiftSettings),
        // Verification of bank notification signatures (payOS, Casso, VNPAY, SePay).
        .target(name: "FeeGateNotifications", dependencies: ["FeeGateCore", "FeeGateCrypto"], swiftSettings: swiftSettings),
        // QR symbols as PNG images.
        .target(name: "FeeGateQRImage", dependencies: ["CQREncode"], swiftSettings: swiftSettings),
        // E-invoice, e-ticket and fee e-receipt documents, GDT XML, amounts in Vietnamese words. Pure.
        .target(name: "FeeGateInvoicing", dependencies: ["FeeGateCore"], swiftSettings: swiftSettings),
        // XMLDSig (enveloped, RSA-SHA256, C14N 1.0) signing and verification of invoice XML.
        .target(
            name: "FeeGateInvoiceSigning", dependencies: ["FeeGateCore", "FeeGateInvoicing", "FeeGateCrypto"], swiftSettings: swiftSettings),
        // Daily closings, TDiep 206 batches, the 01/TTGD ride table and the deterministic tax-export ZIP. Pure.
        .target(
            name: "FeeGateTaxReporting", dependencies: ["FeeGateCore", "FeeGateCrypto", "FeeGateInvoicing", "FeeGateInvoiceSigning"],
            swiftSettings: swiftSettings),
        // The operator flows (parking, transit, fees): quote, post to the ledger, record. No HTTP.
        .target(
            name: "FeeGateOperations",
            dependencies: ["FeeGateCore", "FeeGateCrypto", "FeeGateStore", "FeeGateTariffs", "FeeGateInvoicing", "FeeGateInvoiceSigning", "FeeGateTaxReporting"],
            swiftSettings: swiftSettings),
        // Hashing, HMAC and randomness over OpenSSL.
        .target(name: "FeeGateCrypto", dependencies: ["COpenSSL"], swiftSettings: swiftSettings),
        // The only user of GRDB: schema, migrations, the ledger store and its group-commit writer.
        .target(
            name: "FeeGateStore",
            dependencies: [
                "FeeGateCore",
                "FeeGateCrypto",
                "FeeGateReconciliation",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Daily settlement: channel fee rules and zero-fee programs (configuration), the netting of the
        // store's running totals into fees, payouts and subsidy claims, the sealed record, CSV files.
        .target(
            name: "FeeGateSettlement",
            dependencies: ["FeeGateCore", "FeeGateStore", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings),
        // Bank reconciliation: statement parsers (camt.053/054, MT940, CSV and XLSX with mappings), rules and the
        // matching engine. Pure: no GRDB, no HTTP.
        .target(
            name: "FeeGateReconciliation",
            dependencies: ["FeeGateCore", "FeeGateCrypto", "CZlib", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings),
        // The only user of Hummingbird: routes, auth, problem+json errors, DTOs.
        .target(
            name: "FeeGateGateway",
            dependencies: [
                "FeeGateCore",
                "FeeGateStore",
                "FeeGateSettlement",
                "FeeGateOperations",
                "FeeGateTariffs",
                "FeeGateVietQR",
                "FeeGateNotifications",
                "FeeGateReconciliation",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/openapi.json")],
            swiftSettings: swiftSettings
        ),
        // Thin command-line front end: one file per subcommand.
        .executableTarget(
            name: "feegate",
            dependencies: [
                "FeeGateCore",
                "FeeGateStore",
                "FeeGateGateway",
                "FeeGateCrypto",
                "FeeGateOperations",
                "FeeGateTariffs",
                "FeeGateVietQR",
                "FeeGateQRImage",
                "FeeGateInvoicing",
                "FeeGateInvoiceSigning",
                "FeeGateSettlement",
                "FeeGateReconciliation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // Plain SQLite C API (libsqlite3-dev) for the simulator's baseline: the ceiling of this machine.
        .systemLibrary(name: "CSQLiteBaseline", path: "Simulators/CSQLiteBaseline", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // The load simulator: a Hanoi day from a profile, driven in-process or over HTTP, with invariant checks.
        .target(
            name: "FeeGateSimulation",
            dependencies: [
                "FeeGateCore", "FeeGateStore", "FeeGateSettlement", "FeeGateOperations", "FeeGateTariffs", "CSQLiteBaseline",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            path: "Simulators/FeeGateSimulation",
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "feegate-sim",
            dependencies: ["FeeGateSimulation", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Simulators/feegate-sim",
            swiftSettings: swiftSettings),
        // Test-only helpers (seeded generator, external tool runner, paths) shared by the test targets.
        .target(name: "FeeGateTestSupport", path: "Tests/FeeGateTestSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "FeeGateReconciliationTests",
            dependencies: [
                "FeeGateCore", "FeeGateReconciliation", "FeeGateStore", "FeeGateCrypto", .product(name: "GRDB", package: "GRDB.swift"), "FeeGateTestSupport",
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings),
        .testTarget(name: "FeeGateCoreTests", dependencies: ["FeeGateCore", "FeeGateTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "FeeGateTariffsTests", dependencies: ["FeeGateCore", "FeeGateTariffs", "FeeGateTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "FeeGateVietQRTests", dependencies: ["FeeGateCore", "FeeGateVietQR", "FeeGateQRImage", "FeeGateTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "FeeGateNotificationsTests", dependencies: ["FeeGateCore", "FeeGateCrypto", "FeeGateNotifications", "FeeGateTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "FeeGateQRImageTests", dependencies: ["FeeGateQRImage", "FeeGateTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "FeeGateInvoicingTests", dependencies: ["FeeGateCore", "FeeGateInvoicing", "FeeGateTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "FeeGateInvoiceSigningTests",
            dependencies: ["FeeGateCore", "FeeGateInvoicing", "FeeGateInvoiceSigning", "FeeGateCrypto", "FeeGateTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "FeeGateSettlementTests",
            dependencies: ["FeeGateCore", "FeeGateStore", "FeeGateSettlement", "FeeGateSimulation", "FeeGateTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "FeeGateStoreTests",
            dependencies: ["FeeGateCore", "FeeGateStore", "FeeGateCrypto", .product(name: "GRDB", package: "GRDB.swift"), "FeeGateTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FeeGateGatewayTests",
            dependencies: [
                "FeeGateCore", "FeeGateStore", "FeeGateGateway", "FeeGateOperations", "FeeGateTariffs", "FeeGateCrypto",
                .product(name: "HummingbirdTesting", package: "hummingbird"), "FeeGateTestSupport"],
            swiftSettings: swiftSettings
        ),
        // Drives the built `feegate` binary: crash safety under SIGKILL, tamper evidence with sqlite3.
        .testTarget(
            name: "FeeGateEndToEndTests",
            dependencies: [
                "FeeGateCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), "FeeGateTestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)
