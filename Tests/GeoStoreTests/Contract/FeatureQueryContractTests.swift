import Foundation
import Testing
import TestSupport
import FeatureQuery
import GeoModel
import GeoStore
import PublicErrors

/// OGC API items through `FeatureQuerying` on every engine (issue 21): the same features and the
/// same query give the same GeoJSON bytes and numberMatched on SQLite and on PostGIS, and the
/// ids a reader of the data expects. The filters are the CQL2 tests' kinds, on every field
/// type of `ContractData` (Vietnamese text in NFC and NFD, nulls, extreme numbers, holes).
@Suite struct FeatureQueryContractTests {
    let scratch = ScratchDirectory("geostore-items")

    /// A fresh store of every engine, each holding `ContractData.features` as the collection.
    func collections() throws -> [(name: String, store: any FeatureQuerying, collection: QueriedCollection)] {
        try Backend.all.map { backend -> (name: String, store: any FeatureQuerying, collection: QueriedCollection) in
            let store = try backend.make(scratch.path("contract_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)))
            let version = try store.write(ContractData.features, publish: true)
            let querying = try #require(store as? any FeatureQuerying, "\(backend.name) does not answer items queries")
            return (backend.name, querying, QueriedCollection(version, id: "ranh-gioi-xa"))
        }
    }

    static func ids(_ page: ItemsPage) throws -> [Int64] {
        let features = try #require(try JSONSerialization.jsonObject(with: Data(page.featuresJSON)) as? [[String: Any]])
        return features.map { ($0["id"] as? NSNumber)?.int64Value ?? -1 }
    }

    /// CQL2 text filters and the feature ids each must find, in id order.
    static let filters: [(filter: String, ids: [Int64])] = [
        ("ma > 5", [3, 7, 8, 9, 10]),
        ("ma >= 0 AND ma < 8", [1, 6, 7]),
        ("ma <> 1", [2, 3, 4, 6, 7, 8, 9, 10]),
        ("dien_tich < 1", [3, 6, 8, 10]),
        ("dien_tich BETWEEN 3 AND 12.5", [1, 2, 7]),
        ("ma NOT BETWEEN 0 AND 9", [2, 3, 4, 5, 10]),
        ("ma IN (1, 9, 42)", [1, 9]),
        ("\"tên xã\" IN ('Quảng Điền', 'Tập hợp')", [6, 9]),
        ("\"tên xã\" IS NULL", [4]),
        ("dien_tich IS NOT NULL AND ngay_cap IS NULL", [2, 4, 6, 7, 8]),
        ("\"tên xã\" LIKE 'Ph%'", [1, 8]),
        ("\"tên xã\" LIKE '%Huế'", [5]),
        ("\"tên xã\" LIKE '_ã%'", [2]),
        ("\"tên xã\" LIKE 'phường%'", []),
        ("\"tên xã\" NOT LIKE '%a%'", [1, 3, 4, 5, 6, 7, 8, 9, 10]),
        ("ma LIKE '1%'", [1, 10]),
        ("con_hieu_luc LIKE '1'", [1, 4, 6, 9]),
        ("\"tên xã\" > 'Q'", [2, 5, 6, 9, 10]),
        ("CASEI(\"tên xã\") = CASEI('QUẢNG ĐIỀN')", [6]),
        ("ACCENTI(\"tên xã\") = ACCENTI('Thanh pho Hue')", [5]),
        ("ACCENTI(CASEI(\"tên xã\")) LIKE '%phuong%'", [1, 8]),
        ("ACCENTI(CASEI(\"tên xã\")) LIKE 'ap dong%'", [10]),
        ("CASEI(\"tên xã\") LIKE 'phường phú%'", [1]),
        ("con_hieu_luc = true", [1, 4, 6, 9]),
        ("NOT con_hieu_luc = true", [2, 3, 5, 7, 8, 10]),
        ("ngay_cap >= DATE('2024-01-01')", [1, 5]),
        ("cap_nhat_luc < TIMESTAMP('2024-06-01T00:00:00Z')", [1, 10]),
        ("ngay_cap IS NULL OR ma < 0", [2, 4, 6, 7, 8, 9]),
        ("S_INTERSECTS(geometry, POLYGON((107.40 16.40, 107.60 16.40, 107.60 16.50, 107.40 16.50, 107.40 16.40)))", [5, 6]),
        ("S_WITHIN(geometry, BBOX(107.0, 16.3, 107.3, 16.6))", [1, 2, 3]),
        ("S_CONTAINS(geometry, POINT(107.45 16.47))", [5]),
        ("S_CONTAINS(geometry, POINT(107.44 16.44))", []),
        ("S_WITHIN(POINT(107.45 16.47), geometry)", [5]),
        ("S_DISJOINT(geometry, BBOX(107.0, 16.3, 107.5, 16.6))", [6, 8, 9, 10]),
        ("NOT S_INTERSECTS(geometry, BBOX(107.0, 16.3, 107.5, 16.6))", [6, 7, 8, 9, 10]),
        ("S_EQUALS(geometry, POINT(107.75 16.45))", [8]),
        ("ma > 0 AND (S_INTERSECTS(geometry, BBOX(107.0, 16.3, 107.6, 16.6)) OR \"tên xã\" LIKE 'Không%')", [1, 3, 7]),
        // Two fields of one kind: integers and reals, booleans (0/1) and integers, dates as text.
        ("ma < dien_tich", [1, 2, 4, 6, 7]),
        ("con_hieu_luc = ma", [1]),
        ("ngay_cap < cap_nhat_luc", [1, 5, 10]),
        ("ma BETWEEN dien_tich AND 9", [8]),
        ("dien_tich IN (ma, 3)", [2]),
        // A whole-number literal matched as its text, as a field is.
        ("ma = 1 AND 12 LIKE '1%'", [1]),
        ("true LIKE '1' AND ma = 9", [9]),
    ]

    @Test func everyFilterFindsTheSameFeaturesInTheSameBytesOnEveryEngine() throws {
        let engines = try collections()
        for (text, expected) in Self.filters {
            let query = ItemsQuery(filter: try CQL2Text.parse(text), limit: 100)
            var first: ItemsPage?
            for e in engines {
                let page = try e.store.items(in: e.collection, query, output: .lonLat, timeLimit: 10)
                #expect(try Self.ids(page) == expected, "\(e.name): \(text)")
                #expect(page.numberMatched == expected.count && page.numberReturned == expected.count, "\(e.name): \(text)")
                if let first {
                    #expect(page.featuresJSON == first.featuresJSON, "\(e.name) wrote other bytes than \(engines[0].name) for \(text)")
                } else {
                    first = page
                }
            }
        }
    }

    @Test func cql2JSONAndTheOtherParametersGiveTheSameAnswerOnEveryEngine() throws {
        let json = #"{"op":"and","args":[{"op":">","args":[{"property":"ma"},0]},{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[107.0,16.3,107.6,16.6]}]}]}"#
        let queries: [(String, ItemsQuery, [Int64], Int)] = [
            ("cql2-json", ItemsQuery(filter: try CQL2JSON.parse(json)), [1, 3], 2),
            ("bbox", ItemsQuery(bbox: BoundingBox(minX: 107.40, minY: 16.40, maxX: 107.60, maxY: 16.50)), [5, 6], 2),
            ("datetime", ItemsQuery(datetime: DateTimeInterval(start: "2024-01-01", end: "2025-07-01")), [1, 5], 2),
            ("property=value", ItemsQuery(propertyEquals: [PropertyEquality(name: "con_hieu_luc", value: "true"),
                                                           PropertyEquality(name: "ma", value: "6")]), [], 0),
            ("property=value text", ItemsQuery(propertyEquals: [PropertyEquality(name: "tên xã", value: "Tập hợp")]), [9], 1),
            ("sortby real desc", ItemsQuery(sortBy: [SortKey(name: "dien_tich", descending: true)]), [4, 1, 7, 2, 8, 6, 3, 10, 5, 9], 10),
            ("sortby text", ItemsQuery(sortBy: [SortKey(name: "tên xã")]), [3, 7, 8, 1, 6, 5, 9, 2, 10, 4], 10),
            ("sortby boolean, id desc", ItemsQuery(sortBy: [SortKey(name: "con_hieu_luc"), SortKey(name: "id", descending: true)]),
             [8, 5, 2, 9, 6, 4, 1, 10, 7, 3], 10),
            ("properties", ItemsQuery(limit: 4, properties: ["ma", "tên xã"]), [1, 2, 3, 4], 10),
            ("page without filter", ItemsQuery(limit: 3, offset: 2), [3, 4, 5], 10),
            ("page with filter", ItemsQuery(filter: try CQL2Text.parse("ma > 5"), limit: 2, offset: 1), [7, 8], 5),
            ("last page", ItemsQuery(filter: try CQL2Text.parse("ma > 5"), limit: 10, offset: 4), [10], 5),
        ]
        let engines = try collections()
        for (name, query, expected, matched) in queries {
            var first: ItemsPage?
            for e in engines {
                let page = try e.store.items(in: e.collection, query, output: .lonLat, timeLimit: 10)
                #expect(try Self.ids(page) == expected, "\(e.name): \(name)")
                #expect(page.numberMatched == matched, "\(e.name): \(name)")
                if let first {
                    #expect(page.featuresJSON == first.featuresJSON, "\(e.name) wrote other bytes for \(name)")
                } else {
                    first = page
                }
            }
        }
        // `properties` keeps only those fields.
        let page = try engines[0].store.items(in: engines[0].collection, queries[8].1, output: .lonLat, timeLimit: 10)
        let features = try #require(try JSONSerialization.jsonObject(with: Data(page.featuresJSON)) as? [[String: Any]])
        #expect(features.allSatisfy { (($0["properties"] as? [String: Any]) ?? [:]).keys.sorted() == ["ma", "tên xã"] })
    }

    @Test func oneItemAndAnotherCRSAreWrittenAlikeOnEveryEngine() throws {
        // Web Mercator metres, 3 decimals: the transform and precision Features passes.
        let mercator = FeatureOutput(precision: 3, crsName: "EPSG:3857", transform: { WebMercator.fromLonLat($0) })
        let engines = try collections()
        for id: Int64 in [1, 5, 6, 7, 9] {
            let answers = try engines.map { e in try e.store.item(in: e.collection, id: id, output: mercator, timeLimit: 10) }
            let first = try #require(answers[0], "feature \(id)")
            #expect(answers.allSatisfy { $0 == first }, "feature \(id) differs between engines")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(first)) as? [String: Any])
            #expect((object["id"] as? NSNumber)?.int64Value == id)
        }
        for e in engines {
            #expect(try e.store.item(in: e.collection, id: 99, output: .lonLat, timeLimit: 10) == nil, "\(e.name)")
        }
    }

    @Test func aWrongFilterIsTheSameErrorValueOnEveryEngine() throws {
        let engines = try collections()
        let wrong: [(String, String)] = [
            ("nope = 1", "features.filter.unknownProperty"),
            ("\"tên xã\" = 5", "features.filter.quoteText"),
            ("ma = 'năm'", "features.filter.unquoteNumber"),
            ("CASEI(ma) = 'a'", "features.filter.foldNotText"),
            ("S_INTERSECTS(ma, POINT(1 2))", "features.filter.notGeometry"),
            ("geometry = 1", "features.filter.geometryCompared"),
            // Text against a number means nothing CQL2 defines: SQLite answered by storage class
            // (any text above any number), PostGIS with a 500.
            ("\"tên xã\" = ma", "features.filter.textAndNumber"),
            ("ma < \"tên xã\"", "features.filter.textAndNumber"),
            ("ngay_cap > dien_tich", "features.filter.textAndNumber"),
            ("con_hieu_luc = \"tên xã\"", "features.filter.textAndNumber"),
            ("ma BETWEEN 1 AND ngay_cap", "features.filter.textAndNumber"),
            ("ma IN (1, \"tên xã\")", "features.filter.textAndNumber"),
            ("'a' = 1", "features.filter.textAndNumber"),
            // A decimal number's text is each engine's own (SQLite 3.0, PostgreSQL 3).
            ("dien_tich LIKE '3%'", "features.filter.likeReal"),
            ("NOT dien_tich LIKE '%.%'", "features.filter.likeReal"),
            ("1.5 LIKE '1%'", "features.filter.likeReal"),
        ]
        for (text, key) in wrong {
            for e in engines {
                let error = #expect(throws: FeaturesError.self, "\(e.name): \(text)") {
                    try e.store.items(in: e.collection, ItemsQuery(filter: try CQL2Text.parse(text)), output: .lonLat, timeLimit: 10)
                }
                #expect(error?.kind == .invalidParameter && error?.message.key == key, "\(e.name): \(text) gave \(String(describing: error))")
            }
        }
        let values: [String] = (0...QueryRules.maximumValues).map { String($0) }
        let tooMany = "ma IN (\(values.joined(separator: ",")))"
        for e in engines {
            let error = #expect(throws: FeaturesError.self, "\(e.name)") {
                try e.store.items(in: e.collection, ItemsQuery(filter: try CQL2Text.parse(tooMany)), output: .lonLat, timeLimit: 10)
            }
            #expect(error?.kind == .invalidParameter && error?.parameter == "filter", "\(e.name)")
        }
    }

    @Test func aQueryPastItsTimeLimitIsATimeoutOnEveryEngine() throws {
        // Enough rows that folding every name takes far longer than the limit on any machine.
        var many: [Feature] = []
        for i in 1...20_000 {
            let x: Double = 107 + Double(i % 100) / 100
            let y: Double = 16 + Double(i / 100) / 1000
            let values: [FieldValue] = [.integer(Int64(i)), .real(Double(i) / 7), .text("Phường Đông Ba số \(i)"), .boolean(i % 2 == 0), .null, .null]
            many.append(Feature(id: Int64(i), geometry: .point(Position(x, y)), values: values))
        }
        for backend in Backend.all {
            let store = try backend.make(scratch.path("contract_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)))
            let version = try store.write(many, publish: true)
            let querying = try #require(store as? any FeatureQuerying)
            let collection = QueriedCollection(version, id: "ranh-gioi-xa")
            let query = ItemsQuery(filter: try CQL2Text.parse("ACCENTI(CASEI(\"tên xã\")) LIKE '%dong ba so 1999%' OR ACCENTI(\"tên xã\") LIKE '%x%'"))
            let error = #expect(throws: FeaturesError.self, "\(backend.name)") {
                try querying.items(in: collection, query, output: .lonLat, timeLimit: 0)
            }
            #expect(error?.kind == .timeout && error?.message.key == "features.timeout", "\(backend.name) gave \(String(describing: error))")
            // The same query with time to run answers, and the connection is usable afterwards.
            let page = try querying.items(in: collection, query, output: .lonLat, timeLimit: 60)
            #expect(page.numberMatched == 11, "\(backend.name)") // 1999 and 19990…19999
        }
    }
}
