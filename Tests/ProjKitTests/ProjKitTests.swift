// Tests for ProjKit's VN-2000 support: the province table, recognising .prj variants,
// inferring the zone from coordinates, and positions against the WGS 84 originals.
import Foundation
import Testing
import TestSupport
import ProjKit

@Suite("Provincial TM-3 zones")
struct ProvinceTableTests {
    @Test("63 provinces before the merger, each with a meridian EPSG registers as a VN-2000 TM-3 zone")
    func table() {
        #expect(VN2000.provinces.count == 63)
        #expect(Set(VN2000.provinces.map(\.name)).count == 63)
        for p in VN2000.provinces {
            #expect(p.crs?.epsg != nil, "\(p.name): \(String(describing: p.centralMeridian))")
        }
    }

    @Test("The meridians the issue names", arguments: [
        ("Thừa Thiên Huế", 107.0), ("Sơn La", 104.0), ("Quảng Ngãi", 108.0), ("Sóc Trăng", 105.5),
    ])
    func examples(_ name: String, _ meridian: Double) {
        #expect(VN2000.province(named: name)?.centralMeridian == meridian)
    }

    @Test("Provinces are found by the spellings people use")
    func lookup() {
        #expect(VN2000.province(named: "thua_thien_hue")?.name == "Thừa Thiên Huế")
        #expect(VN2000.province(named: "Huế")?.name == "Thừa Thiên Huế")
        #expect(VN2000.province(named: "Tinh Soc Trang")?.name == "Sóc Trăng")
        #expect(VN2000.province(named: "TP. Hồ Chí Minh")?.centralMeridian == 105.75)
        #expect(VN2000.province(named: "Dak Lak")?.centralMeridian == 108.5)
        #expect(VN2000.province(named: "Atlantis") == nil)
    }

    @Test("34 provinces after the 2025 merger; a zone only where the former provinces agree")
    func merged() throws {
        #expect(VN2000.provinces2025.count == 34)
        let formerTotal = Set(VN2000.provinces2025.flatMap(\.formerProvinces))
        #expect(formerTotal == Set(VN2000.provinces.map(\.name)))
        #expect(VN2000.provinces2025.first { $0.name == "Huế" }?.centralMeridian == 107)
        #expect(VN2000.provinces2025.first { $0.name == "Ninh Bình" }?.centralMeridian == nil)
        #expect(VN2000.provinces2025.first { $0.name == "Gia Lai" }?.centralMeridian == nil)
        #expect(VN2000.province(named: "Cần Thơ")?.centralMeridian == 105)
        #expect(VN2000.province(named: "Tuyên Quang 2025")?.formerProvinces == ["Tuyên Quang", "Hà Giang"])
        #expect {
            _ = try VN2000.decideCRS(prj: nil, points: { [] }, givenProvince: "Cần Thơ (2025)")
        } throws: { error in
            "\(error)".contains("Sóc Trăng") && "\(error)".contains("105°30′")
        }
    }
}

@Suite("Recognising VN-2000 .prj files")
struct RecognitionTests {
    @Test("EPSG codes, EPSG WKT, ESRI WKT, PROJ strings and loose names", arguments: [
        ("EPSG:9214", 107.0),
        (#"PROJCS["VN-2000_TM-3_107-00",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",107.0],PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#, 107.0),
        ("+proj=tmerc +lat_0=0 +lon_0=105.5 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +units=m +no_defs", 105.5),
        ("VN2000 mui 3 KTT 107", 107.0),
        ("VN_2000_Hue", 107.0),
        ("VN-2000 TM3 105-45", 105.75),
        ("VN2000_Soc_Trang", 105.5),
        ("VN2000 kinh tuyen truc 107 do 45", 107.75),
        ("vn2000 Quảng Ngãi", 108.0),
    ])
    func tm3(_ text: String, _ meridian: Double) {
        #expect(VN2000.recognise(text)?.crs.tm3CentralMeridian == meridian, "\(text)")
    }

    @Test("UTM zones and the geographic system")
    func others() {
        #expect(VN2000.recognise("EPSG:3405")?.crs.utmZone == 48)
        #expect(VN2000.recognise("VN2000 UTM 49N")?.crs.utmZone == 49)
        #expect(VN2000.recognise(#"GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#)?.crs == .geographic)
    }

    @Test("WGS 84 systems are not mistaken for VN-2000")
    func notVN2000() {
        #expect(VN2000.recognise("EPSG:4326") == nil)
        #expect(VN2000.recognise("EPSG:32648") == nil)
        #expect(VN2000.recognise("+proj=utm +zone=48 +datum=WGS84 +units=m +no_defs") == nil)
        #expect(VN2000.recognise(#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#) == nil)
    }

    @Test("The datum shift added is PROJ's EPSG:6960 (Decision 05/2007): same positions to the millimetre")
    func shiftMatchesEPSG() throws {
        let ours = try VN2000CRS.tm3(centralMeridian: 107).transformToWGS84()
        let epsg = try VN2000Transform(from: "EPSG:9214", to: "EPSG:4326")
        for (x, y) in [(560_000.0, 1_825_000.0), (480_000.0, 1_790_000.0)] {
            let a = try #require(ours.forward(x: x, y: y)), b = try #require(epsg.forward(x: x, y: y))
            #expect(metres(a, b) < 0.001)
        }
        // …and it matters: without it the same numbers land ~200 m away.
        let noShift = try VN2000Transform(from: "+proj=tmerc +lon_0=107 +k=0.9999 +x_0=500000 +ellps=WGS84 +towgs84=0,0,0", to: "EPSG:4326")
        let a = try #require(ours.forward(x: 560_000, y: 1_825_000)), c = try #require(noShift.forward(x: 560_000, y: 1_825_000))
        #expect(metres(a, c) > 100)
    }

    @Test("An unknown CRS stops with what was found and the flags to pass")
    func unknown() {
        #expect {
            _ = try VN2000.decideCRS(prj: "PROJCS[\"Mystery\",GEOGCS[\"nowhere\"]]", points: { [] })
        } throws: { error in
            "\(error)".contains("Mystery") && "\(error)".contains("--crs")
        }
    }
}

/// The fixture shapefiles, what system each is in, and which original it was made from.
let fixtureCases: [(name: String, original: String, crs: VN2000CRS, source: CRSDecisionSource)] = [
    ("hue_tm3_esri", "hue", .tm3(centralMeridian: 107), .recognised),
    ("hue_tm3_loose", "hue", .tm3(centralMeridian: 107), .recognised),
    ("soctrang_tm3_proj", "soctrang", .tm3(centralMeridian: 105.5), .declared),
    ("quangngai_tm3_epsg", "quangngai", .tm3(centralMeridian: 108), .declared),
    ("quangngai_tm3_vni", "quangngai", .tm3(centralMeridian: 108), .recognised),
    ("hue_utm48_noprj", "hue", .utm(zone: 48), .inferred),
]

@Suite("Agency shapefiles against their WGS 84 originals")
struct FixturePositionTests {
    @Test("The CRS is decided as expected and every feature lands within 1 m of the original", arguments: fixtureCases.map(\.name))
    func positions(_ name: String) throws {
        let expected = fixtureCases.first { $0.name == name }!
        let file = try ShapefileFixture(name)
        let decision = try VN2000.decideCRS(prj: file.prj, points: { file.centres })
        #expect(decision.vn2000 == expected.crs, "\(decision)")
        #expect(decision.source == expected.source, "\(decision)")
        let transform = try VN2000Transform(from: decision.definition, to: "EPSG:4326")
        let originals = try originalFeatures(expected.original)
        #expect(originals.count == file.features.count)
        for (shpFeature, original) in try zipNonEmpty(file.features, originals, "\(name): shapefile and original features") {
            let wgs84 = shpFeature.compactMap { transform.forward(x: $0.x, y: $0.y) }
            for (a, b) in try zipNonEmpty(extremes(wgs84), extremes(original), "\(name): extreme positions") {
                #expect(metres(a, b) < 1, "\(name): \(a) vs \(b)")
            }
        }
    }

    @Test("Back from WGS 84 into the file's zone (the query API's crs=) within 1 m", arguments: ["hue_tm3_esri", "soctrang_tm3_proj", "quangngai_tm3_epsg"])
    func inverse(_ name: String) throws {
        let expected = fixtureCases.first { $0.name == name }!
        let file = try ShapefileFixture(name)
        let transform = try expected.crs.transformToWGS84()
        for (shpFeature, original) in try zipNonEmpty(file.features, try originalFeatures(expected.original), "\(name): shapefile and original features") {
            let projected = original.compactMap { transform.inverse(x: $0.x, y: $0.y) }
            for (a, b) in try zipNonEmpty(extremes(projected), extremes(shpFeature), "\(name): extreme positions") {
                #expect(((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)).squareRoot() < 1)
            }
        }
    }
}

@Suite("Inferring the zone when there is no .prj")
struct InferenceTests {
    @Test("Huế communes in UTM 48N are recognised as UTM 48N")
    func utm48() throws {
        let file = try ShapefileFixture("hue_utm48_noprj")
        let candidate = try VN2000.inferCRS(points: file.centres)
        #expect(candidate.crs == .utm(zone: 48))
        #expect(candidate.provinces.first == "Thừa Thiên Huế")
    }

    @Test("Sóc Trăng communes in a TM-3 zone without .prj: the answer or the candidates, never a wrong guess")
    func tm3WithoutPrj() throws {
        let file = try ShapefileFixture("soctrang_tm3_noprj")
        // Through an untyped-throwing closure: a typed catch here crashes Swift 6.3's SIL verifier.
        let infer: () throws -> VN2000Candidate = { try VN2000.inferCRS(points: file.centres) }
        do {
            let candidate = try infer()
            #expect(candidate.crs == .tm3(centralMeridian: 105.5))
        } catch {
            guard case .ambiguousCoordinates(let candidates)? = error as? VN2000Error else { Issue.record("\(error)"); return }
            #expect(candidates.contains { $0.crs == .tm3(centralMeridian: 105.5) })
            #expect("\(error)".contains("--crs EPSG:9209"))
            #expect("\(error)".contains("--province \"Sóc Trăng\""))
        }
    }

    @Test("Degrees cannot tell WGS 84 from VN-2000: both are offered")
    func degrees() {
        #expect {
            _ = try VN2000.inferCRS(points: [(107.6, 16.5), (107.7, 16.45)])
        } throws: { error in
            "\(error)".contains("EPSG:4326") && "\(error)".contains("EPSG:4756")
        }
    }

    @Test("Coordinates that fit no zone say so, with the flags")
    func noFit() {
        #expect {
            _ = try VN2000.inferCRS(points: [(3_500_000, 5_800_000)])
        } throws: { error in
            "\(error)".contains("--crs") && "\(error)".contains("--province")
        }
    }
}

@Suite("Deciding the CRS of a file")
struct DecisionTests {
    @Test("--province picks that province's TM-3 zone, with the datum shift")
    func province() throws {
        let d = try VN2000.decideCRS(prj: nil, points: { [] }, givenProvince: "Soc Trang")
        #expect(d.source == .given && d.vn2000 == .tm3(centralMeridian: 105.5))
        #expect(d.definition.contains("+towgs84=-191.90441429"))
    }

    @Test("--crs wins over a .prj; a VN-2000 EPSG code gets the official shift")
    func givenCRS() throws {
        let d = try VN2000.decideCRS(prj: "EPSG:4326", points: { [] }, givenCRS: "EPSG:9209")
        #expect(d.source == .given && d.vn2000 == .tm3(centralMeridian: 105.5))
    }

    @Test("A .prj in another system is used as declared")
    func otherSystem() throws {
        let d = try VN2000.decideCRS(prj: "EPSG:32648", points: { [] })
        #expect(d.source == .declared && d.vn2000 == nil && d.definition == "EPSG:32648")
    }

    @Test("An unknown province name stops with how to write one")
    func unknownProvince() {
        #expect {
            _ = try VN2000.decideCRS(prj: nil, points: { [] }, givenProvince: "Atlantis")
        } throws: { error in
            "\(error)".contains("Atlantis") && "\(error)".contains("--province")
        }
    }
}
