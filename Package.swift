// swift-tools-version: 6.1
import PackageDescription

/// Strict settings for every target of ours: the compiler enforces the module boundaries
/// of docs/ARCHITECTURE.md (a C pointer or a dependency's type cannot leak into a public
/// signature without `public import`).
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "bando",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "bando", targets: ["bando"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        // 3.x or 4.x: jwt-kit (below) needs 4.x.
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        // OpenID Connect sign-in (issue 20): ID-token signatures checked against the issuer's JWKS.
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        // Harvest's HTTP client: streams a body under a byte cap and connects to the address we checked.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // The citizen portal's server-rendered pages (module Web).
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // /metrics: swift-metrics as the API (Hummingbird's request metrics use it too), Prometheus text out.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // The PostGIS backend (issue 21): COPY, LISTEN/NOTIFY. 1.33.2 is the version that resolves here.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // C libraries: one system-library target each, imported by exactly one wrapper.
        // GDAL's and PROJ's declarations (Debian's headers); their functions come from CLazy,
        // which loads each library on first use instead of linking it into every process.
        .systemLibrary(name: "CGDAL", providers: [.apt(["libgdal-dev"])]),
        .systemLibrary(name: "CPROJ", providers: [.apt(["libproj-dev"])]),
        .target(name: "CLazy", linkerSettings: [.linkedLibrary("dl")]),
        // zlib for gzip-compressed tiles; imported by Tiles only.
        .systemLibrary(name: "CBandoZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev", "libdeflate-dev", "libisal-dev"])]),

        .target(name: "GeoModel", swiftSettings: strict),
        // The one shape of errors shown to clients and their messages in Vietnamese and English
        // (JSON catalogues compiled into the binary). No dependency: every module may use it.
        .target(name: "PublicErrors", resources: [.embedInCode("messages.vi.json"), .embedInCode("messages.en.json")],
                swiftSettings: strict),
        .target(name: "VietnameseText", swiftSettings: strict),
        .target(name: "GDALKit", dependencies: ["CGDAL", "CLazy", "GeoModel"], swiftSettings: strict),
        // An OGC API items query as a plain value (the CQL2 tree, its text and JSON parsers,
        // bbox, datetime, sortby) and its errors: what every store backend compiles (issue 21).
        .target(name: "FeatureQuery", dependencies: ["GeoModel", "PublicErrors"], swiftSettings: strict),
        .target(name: "ProjKit", dependencies: ["CPROJ", "CLazy", "GeoModel"], swiftSettings: strict),
        .target(
            name: "GeoStore",
            dependencies: [
                "GeoModel", "PublicErrors", "FeatureQuery",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // The second store backend: PostgreSQL/PostGIS behind GeoStore's protocols (issue 21).
        // Depends on GeoStore for the protocols and records only; no GRDB here.
        .target(
            name: "GeoStorePostGIS",
            dependencies: [
                "GeoStore", "GeoModel", "FeatureQuery", "PublicErrors",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Ingest",
            dependencies: ["GDALKit", "ProjKit", "GeoStore", "VietnameseText", "PublicErrors",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(
            name: "Tiles",
            dependencies: ["GeoModel", "GeoStore", "CBandoZlib", "PublicErrors",
                           .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(
            name: "Features",
            dependencies: ["GeoModel", "GeoStore", "FeatureQuery", "ProjKit", "PublicErrors"],
            swiftSettings: strict
        ),
        // The README.txt and LICENSE.txt of zips: Mustache templates and their words in Vietnamese
        // and English (compiled into the binary, like the Web module's).
        .target(
            name: "Downloads",
            dependencies: ["GeoModel", "GeoStore", "GDALKit", "CBandoZlib", "PublicErrors",
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                           .product(name: "Mustache", package: "swift-mustache")],
            resources: [
                .embedInCode("Resources/readme.mustache"), .embedInCode("Resources/licence.mustache"),
                .embedInCode("Resources/notice.vi.json"), .embedInCode("Resources/notice.en.json"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Portal",
            dependencies: ["GeoStore", "Ingest", "PublicErrors",
                           .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "JWTKit", package: "jwt-kit"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // The open-data catalogue's documents: catalog JSON, DCAT-AP 3 JSON-LD, CKAN Action API.
        .target(
            name: "Catalogue",
            dependencies: ["GeoStore", "GeoModel", "PublicErrors",
                           .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // The citizen portal's HTML: Mustache templates and the page texts in Vietnamese and
        // English (compiled into the binary), the catalogue's search/facets over read models.
        // No SQL, no HTTP: App's Routes+Web feeds it the catalogue's read models.
        .target(
            name: "Web",
            dependencies: ["Catalogue", "Features", "GeoStore", "GeoModel", "Portal", "PublicErrors",
                           .product(name: "Mustache", package: "swift-mustache")],
            resources: [
                .embedInCode("Resources/pages.vi.json"), .embedInCode("Resources/pages.en.json"),
                .embedInCode("Resources/portal.css"), .embedInCode("Resources/dataset-map.js"),
                .embedInCode("Resources/layout.mustache"), .embedInCode("Resources/home.mustache"),
                .embedInCode("Resources/datasets.mustache"), .embedInCode("Resources/dataset.mustache"),
                .embedInCode("Resources/error.mustache"), .embedInCode("Resources/card.mustache"),
                .embedInCode("Resources/map.mustache"), .embedInCode("Resources/map.css"), .embedInCode("Resources/map.js"),
                .embedInCode("Resources/developers.mustache"), .embedInCode("Resources/places.json"),
                .embedInCode("Resources/feedback.mustache"), .embedInCode("Resources/stats.mustache"),
                .embedInCode("Resources/answer.mustache"), .embedInCode("Resources/ogc.mustache"),
                // The staff pages (StaffPages.swift).
                .embedInCode("Resources/staff.mustache"), .embedInCode("Resources/signin.mustache"),
                .embedInCode("Resources/staff-error.mustache"), .embedInCode("Resources/inbox.mustache"),
                .embedInCode("Resources/workspace.mustache"), .embedInCode("Resources/approvals.mustache"),
                .embedInCode("Resources/review.mustache"), .embedInCode("Resources/staff-upload.js"),
                .embedInCode("Resources/admin.mustache"), .embedInCode("Resources/staff-review-map.js"),
                // The staff reports, dashboards and catalogue administration (issue 19, second half).
                .embedInCode("Resources/chart.mustache"), .embedInCode("Resources/reports.mustache"),
                .embedInCode("Resources/dashboards.mustache"), .embedInCode("Resources/admin-catalogue.mustache"),
                .embedInCode("Resources/admin-audit.mustache"), .embedInCode("Resources/harvest.mustache"),
                .embedInCode("Resources/metadata.mustache"), .embedInCode("Resources/propose.mustache"),
                // Sign-in through an OpenID Connect provider (issue 20).
                .embedInCode("Resources/signon.mustache"), .embedInCode("Resources/admin-identities.mustache"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "App",
            dependencies: [
                "GeoModel", "GeoStore", "Ingest", "Tiles", "Features", "Portal", "ProjKit", "GDALKit", "Downloads",
                "Catalogue", "PublicErrors", "Web",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "bando",
            dependencies: [
                "App", "Ingest", "GeoStore", "GeoStorePostGIS", "Tiles", "Portal", "Downloads",
                "Catalogue",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        // Shared by the test targets only: paths, scratch folders, external tools.
        .target(name: "TestSupport", swiftSettings: strict),

        .testTarget(name: "PublicErrorsTests", dependencies: ["TestSupport", "PublicErrors"], swiftSettings: strict),
        .testTarget(name: "TestSupportTests", dependencies: ["TestSupport"], swiftSettings: strict),
        .testTarget(name: "GeoModelTests", dependencies: ["TestSupport", "GeoModel"], swiftSettings: strict),
        .testTarget(name: "VietnameseTextTests", dependencies: ["TestSupport", "VietnameseText"], swiftSettings: strict),
        .testTarget(name: "GDALKitTests", dependencies: ["TestSupport", "GDALKit", "GeoModel"], swiftSettings: strict),
        .testTarget(name: "ProjKitTests", dependencies: ["TestSupport", "ProjKit"], swiftSettings: strict),
        .testTarget(name: "GeoStoreTests", dependencies: ["TestSupport", "GeoStore", "GeoStorePostGIS", "GeoModel", "FeatureQuery", "Features", "PublicErrors", .product(name: "GRDB", package: "GRDB.swift")],
                    swiftSettings: strict),
        .testTarget(name: "IngestTests", dependencies: ["TestSupport", "Ingest", "PublicErrors", "GDALKit", "GeoStore", .product(name: "GRDB", package: "GRDB.swift")], swiftSettings: strict),
        .testTarget(name: "TilesTests", dependencies: ["TestSupport", "Tiles", "GeoStore", "GeoStorePostGIS", "Ingest"], swiftSettings: strict),
        // The real binary driven by real clients: headless Chromium on /map, the archive CLI.
        .testTarget(name: "MapPageTests", dependencies: ["TestSupport"], swiftSettings: strict),
        // Issue 16: the hostile-input corpus (Tests/Hostile/) and every route with every role,
        // against the real binary over a socket.
        .testTarget(name: "HostileTests", dependencies: ["TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "FeaturesTests",
            dependencies: ["TestSupport", "Features", "FeatureQuery", "GeoStore", "Ingest", "PublicErrors",
                           .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "GRDBSQLite", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PortalTests",
            dependencies: [
                "TestSupport", "Portal", "GeoStore", "GeoStorePostGIS", "App", "Ingest", "PublicErrors",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CatalogueTests",
            dependencies: [
                "TestSupport", "Catalogue", "App", "GeoStore", "Ingest", "Portal", "Tiles", "PublicErrors",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DownloadsTests",
            dependencies: [
                "TestSupport", "Downloads", "App", "GeoStore", "GeoStorePostGIS", "GeoModel", "Ingest", "Tiles", "PublicErrors",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AppTests",
            dependencies: [
                "TestSupport",
                "App", "GeoStore", "Ingest", "Features", "Tiles", "PublicErrors", "Portal", "Web", "Catalogue",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
    ]
)
