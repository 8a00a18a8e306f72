import Foundation
import Testing
import TestSupport
import GeoStore
import GeoModel
import Ingest
@testable import Downloads

/// Field names and values written by strangers reach every download: the KML must stay
/// well-formed XML holding the very names and values, and the CSV must not carry formulas.
@Suite struct HostileTextTests {
    let scratch = ScratchDirectory("hostile")
    static let hostileName = #"a<b>&"c'"#
    static let values: [String] = [#"=HYPERLINK("http://example.invalid/x","click")"#, "+1+2", "@SUM(A1)", "\t=1+2", "\r=1+2",
                                   "-5", "x<y>&z \"q\" 'a'", "plain", "-1+2"]

    func store() throws -> (Store, PublishedDataset) {
        let features = Self.values.enumerated().map { i, v -> [String: Any] in
            ["type": "Feature", "properties": [Self.hostileName: v, "so": -5 - i, "ten": "xã \(i)"] as [String: Any],
             "geometry": ["type": "Point", "coordinates": [107.5 + Double(i) / 100, 16.4]] as [String: Any]]
        }
        let data = try JSONSerialization.data(withJSONObject: ["type": "FeatureCollection", "features": features])
        let path = scratch.path("hostile.geojson")
        try data.write(to: URL(fileURLWithPath: path))
        let store = try Store(path: scratch.path("s.sqlite"))
        _ = try Ingestor.run(IngestOptions(path: path, metadata: DatasetMetadata(slug: "hostile")), into: store)
        return (store, try #require(try store.published(slug: "hostile")))
    }

    @Test func kmlIsWellFormedAndKeepsNamesAndValues() throws {
        let (store, subject) = try store()
        let kml = scratch.path("d.kml")
        _ = try Exporter(store: store).write(subject, as: .kml, to: kml)
        // A real XML parser: it refuses a file that is not well-formed.
        let script = """
        import json, sys, xml.etree.ElementTree as ET
        ns = {"k": "http://www.opengis.net/kml/2.2"}
        root = ET.parse(sys.argv[1]).getroot()
        fields = [f.get("name") for f in root.iter("{http://www.opengis.net/kml/2.2}SimpleField")]
        rows = [{d.get("name"): d.text or "" for d in p.iter("{http://www.opengis.net/kml/2.2}SimpleData")}
                for p in root.iter("{http://www.opengis.net/kml/2.2}Placemark")]
        print(json.dumps({"fields": fields, "rows": rows}))
        """
        let r = try Run.process("python3", ["-c", script, kml])
        #expect(r.succeeded, "the KML is not well-formed XML: \(r.stderr)")
        guard r.succeeded else { return }
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let fields = try #require(doc["fields"] as? [String])
        #expect(fields.contains(Self.hostileName), "\(fields)")
        let rows = try #require(doc["rows"] as? [[String: String]])
        #expect(rows.count == Self.values.count)
        // GDAL drops control characters from values (XML 1.0 cannot hold them); the rest is kept.
        let read = Set(rows.compactMap { $0[Self.hostileName] })
        for v in Self.values where !v.contains("\r") { #expect(read.contains(v), "\(v) not found in \(read)") }
    }

    @Test func csvNeutralisesFormulasInTextButKeepsNumbers() throws {
        let (store, subject) = try store()
        let csv = scratch.path("d.csv")
        _ = try Exporter(store: store).write(subject, as: .csv, to: csv)
        let script = """
        import csv, json, sys
        with open(sys.argv[1], newline="", encoding="utf-8-sig") as f:
            print(json.dumps(list(csv.DictReader(f))))
        """
        let r = try Run.process("python3", ["-c", script, csv])
        #expect(r.succeeded, "\(r.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: String]])
        #expect(rows.count == Self.values.count)
        let texts = rows.compactMap { $0[Self.hostileName] }
        for v in Self.values {
            let first = v.first!
            let isFormula = "=+-@\t\r".contains(first) && Double(v) == nil
            #expect(texts.contains(isFormula ? "'" + v : v), "\(v) → \(texts)")
        }
        // Every text cell that starts like a formula was neutralised.
        for t in texts { #expect(!("=+@\t\r".contains(t.first!)), "formula left in: \(t)") }
        // The numeric column stays numeric: -5, -6…, no apostrophe.
        #expect(rows.map { $0["so"] ?? "" } == (0..<Self.values.count).map { String(-5 - $0) })
    }
}
