import Foundation
import Synchronization
import GeoModel
import GeoStore

/// The inputs every backend is given, and what any backend must give back for them.
enum ContractData {
    /// One field of each type, with names an agency's file may well have (Vietnamese, spaces).
    static let fields = [
        FieldDefinition(name: "ma", type: .integer), FieldDefinition(name: "dien_tich", type: .real),
        FieldDefinition(name: "tên xã", type: .text), FieldDefinition(name: "con_hieu_luc", type: .boolean),
        FieldDefinition(name: "ngay_cap", type: .date), FieldDefinition(name: "cap_nhat_luc", type: .dateTime),
    ]

    static func ring(_ x: Double, _ y: Double, _ side: Double) -> [Position] {
        [Position(x, y), Position(x + side, y), Position(x + side, y + side), Position(x, y + side), Position(x, y)]
    }

    /// Features 1…10: every geometry type (a multipolygon whose parts have holes, a feature with
    /// no geometry), every field type with nulls, extreme numbers and Vietnamese text in NFC and
    /// NFD (which must not be folded into one another). Laid out west to east, one per 0.1°.
    static let features: [Feature] = [
        Feature(id: 1, geometry: .point(Position(107.05, 16.45)),
                values: [.integer(1), .real(12.5), .text("Phường Phú Hội"), .boolean(true), .text("2024-05-01"), .text("2024-05-01T08:30:00+07:00")]),
        Feature(id: 2, geometry: .multiPoint([Position(107.12, 16.41), Position(107.18, 16.48)]),
                values: [.integer(-2), .real(3.0), .text("Xã Hương Toàn \"cũ\"; 'mới'\nhai dòng"), .boolean(false), .null, .null]),
        Feature(id: 3, geometry: .lineString([Position(107.21, 16.40), Position(107.25, 16.47), Position(107.29, 16.42)]),
                values: [.integer(Int64.max), .real(-0.000_000_123_456_789), .text(""), .null, .text("1975-04-30"), .null]),
        Feature(id: 4, geometry: .multiLineString([[Position(107.31, 16.41), Position(107.33, 16.43)], [Position(107.35, 16.45), Position(107.39, 16.49)]]),
                values: [.integer(Int64.min), .real(1e300), .null, .boolean(true), .null, .text("2026-11-30T17:00:00Z")]),
        Feature(id: 5, geometry: .polygon([ring(107.41, 16.41, 0.08), ring(107.43, 16.43, 0.02)]),
                values: [.null, .null, .text("Thành phố Huế"), .boolean(false), .text("2025-07-01"), .text("2025-07-01T00:00:00+07:00")]),
        Feature(id: 6, geometry: .multiPolygon([[ring(107.51, 16.41, 0.03), ring(107.52, 16.42, 0.01)],
                                               [ring(107.55, 16.45, 0.04), ring(107.56, 16.46, 0.01), ring(107.575, 16.475, 0.01)]]),
                values: [.integer(0), .real(0.1), .text("Quảng Điền"), .boolean(true), .null, .null]),
        Feature(id: 7, geometry: nil,
                values: [.integer(7), .real(7.25), .text("Không có hình"), .null, .null, .null]),
        Feature(id: 8, geometry: .point(Position(107.75, 16.45)),
                values: [.integer(8), .real(1.0 / 3.0), .text("Phu\u{0300}\u{031B}o\u{031B}\u{0300}ng"), .boolean(false), .null, .null]),
        Feature(id: 9, geometry: .geometryCollection([.point(Position(107.81, 16.41)), .lineString([Position(107.82, 16.42), Position(107.88, 16.48)])]),
                values: [.integer(9), .null, .text("Tập hợp"), .boolean(true), .null, .null]),
        Feature(id: 10, geometry: .polygon([ring(107.91, 16.41, 0.05)]),
                values: [.integer(10), .real(-273.15), .text("Ấp Đông – 東"), .null, .text("2000-01-01"), .text("2000-01-01T00:00:00Z")]),
    ]

    /// The box around every geometry above.
    static let bbox = BoundingBox(minX: 107.05, minY: 16.40, maxX: 107.96, maxY: 16.49)
    static let geometryTypes = ["GeometryCollection", "LineString", "MultiLineString", "MultiPoint", "MultiPolygon", "Point", "Polygon"]

    /// The checksum of `features` as the contract defines it (`FeatureChecksum` over ids,
    /// values and WKB), pinned: every stored version's checksum is verified against this
    /// definition, so no backend may hash differently.
    static let checksum = "e4be5c6f7f27f485302b86862e58cc567c650d9ec5da1f926ad758410b921f05"

    static let metadata = DatasetMetadata(slug: "ranh-gioi-xa", title: "Ranh giới xã", description: "Ranh giới hành chính cấp xã",
                                          agencyName: "Sở Tài nguyên và Môi trường", licence: "CC-BY-4.0", attribution: "Sở TN&MT Huế")
    static let provenance = VersionProvenance(crs: "EPSG:4326", encoding: "UTF-8", sourceName: "ranh-gioi-xa.geojson")
    static let now = Date(timeIntervalSince1970: 1_780_000_000)
}

extension VersionWriting {
    /// Writes `features` (ids must be 1, 2, … in order) as a new version of `metadata.slug`.
    @discardableResult
    func write(_ features: [Feature], fields: [FieldDefinition] = ContractData.fields, metadata: DatasetMetadata = ContractData.metadata,
               publish: Bool, status: VersionStatus = .draft) throws -> DatasetVersionRecord {
        try writeVersion(metadata, fields: fields, publish: publish, status: status, now: ContractData.now) { sink in
            for f in features { try sink.insert(geometry: f.geometry, values: f.values) }
            return ContractData.provenance
        }
    }
}

/// The publications a store posts, as a subscriber sees them.
final class PublicationLog: Sendable {
    private let seen = Mutex<[Publication]>([])
    init(_ events: PublicationEvents) {
        events.subscribe { [self] p in seen.withLock { $0.append(p) } }
    }
    var all: [Publication] { seen.withLock { $0 } }
}
