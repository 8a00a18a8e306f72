// The map's search by place name: the 63 provinces and 703 districts of the built-in basemap
// (`Resources/places.json`, written by `Fixtures/basemap/make-basemap.sh` from the same
// administrative data) and the published datasets' titles, folded for case and Vietnamese
// accents as the catalogue's search is, so "hue" finds "Huế".
public import Catalogue
public import PublicErrors
import Foundation
import GeoModel
import GeoStore

/// A province or district of the built-in index.
public struct Place: Sendable, Decodable, Equatable {
    /// `province` or `district`.
    public var kind: String
    public var name: String
    /// The province it lies in (itself for a province).
    public var province: String
    /// Where its name is drawn (lon, lat), inside it.
    public var point: [Double]
    /// west, south, east, north.
    public var bbox: [Double]

    /// Every province and district, read once from the embedded index.
    public static let administrative: [Place] =
        (try? JSONDecoder().decode([Place].self, from: Data(PackageResources.places_json))) ?? []
}

/// One answer of the search, as the map shows it and moves to.
public struct PlaceHit: Sendable, Encodable, Equatable {
    /// `province`, `district` or `dataset`.
    public var kind: String
    /// What kind of place it is, in the reader's language.
    public var kindLabel: String
    public var name: String
    /// The province of a district, the agency of a dataset.
    public var detail: String
    /// west, south, east, north.
    public var bbox: [Double]
    /// The dataset's page, for datasets.
    public var url: String?

    enum CodingKeys: String, CodingKey { case kind, kindLabel = "kind_label", name, detail, bbox, url }
}

public enum PlaceSearch {
    /// At most `limit` places whose name holds every word of `query` (folded), best first: a
    /// name that is the query itself once its administrative prefix ("Thành phố", "Huyện"…) is
    /// dropped, then whole words, then word beginnings; provinces before districts before datasets.
    public static func search(_ query: String, places: [Place] = Place.administrative, datasets: [DatasetDescription],
                              language: Language, limit: Int = 10) -> [PlaceHit] {
        let words = CatalogueSearch.words(query)
        guard !words.isEmpty else { return [] }
        let texts = PageTexts.shared
        var scored: [(rank: Int, order: Int, hit: PlaceHit)] = []
        for p in places {
            guard let rank = rank(words, p.name) else { continue }
            let detail = p.kind == "province" ? "" : p.province
            scored.append((rank, p.kind == "province" ? 0 : 1,
                           PlaceHit(kind: p.kind, kindLabel: texts.text("map_kind_\(p.kind)", language), name: p.name, detail: detail,
                                    bbox: p.bbox, url: nil)))
        }
        for d in datasets {
            guard let b = d.bbox, let box = BoundingBox.lonLatExtent(minX: b.minX, minY: b.minY, maxX: b.maxX, maxY: b.maxY) else { continue }
            let title = language == .en ? d.titleEN ?? d.title : d.title
            guard let rank = [title, d.title].compactMap({ rank(words, $0) }).min() else { continue }
            scored.append((rank, 2, PlaceHit(kind: "dataset", kindLabel: texts.text("map_kind_dataset", language), name: title,
                                             detail: d.agency?.name ?? "", bbox: [box.minX, box.minY, box.maxX, box.maxY],
                                             url: "/datasets/\(d.slug)?lang=\(language.rawValue)")))
        }
        return scored.sorted { a, b in
            (a.rank, a.order, CatalogueSearch.fold(a.hit.name)) < (b.rank, b.order, CatalogueSearch.fold(b.hit.name))
        }.prefix(limit).map(\.hit)
    }

    /// Prefixes of administrative names, folded: "Huế" is what a person calls "Thành phố Huế".
    static let prefixes = ["thanh pho ", "tinh ", "quan ", "huyen ", "thi xa ", "thi tran "]

    /// 0: the name without its prefix is the query; 1: every word is a whole word of the name;
    /// 2: every word begins a word of the name; nil: some word is not there.
    static func rank(_ words: [String], _ name: String) -> Int? {
        let folded = CatalogueSearch.fold(name)
        let bare = prefixes.first { folded.hasPrefix($0) }.map { String(folded.dropFirst($0.count)) } ?? folded
        let nameWords = CatalogueSearch.words(bare)
        if nameWords == words { return 0 }
        if words.allSatisfy(nameWords.contains) { return 1 }
        let all = CatalogueSearch.words(folded)
        if words.allSatisfy({ w in all.contains { $0.hasPrefix(w) } }) { return 2 }
        return nil
    }
}
