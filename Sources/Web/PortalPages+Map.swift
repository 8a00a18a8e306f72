// The map page: what the template and `map.js` need besides the words, that is the datasets
// the tilesets show (titles in the reader's language, field descriptions, page links) and the
// basemap's style.
public import Catalogue
public import PublicErrors
import Foundation

extension PortalPages {
    /// `/map`: every published tileset over the basemap, a layer list that names each by its
    /// dataset's title, a search by place name, popups with the fields' descriptions and a link
    /// to the dataset's page. `basemapStyle`: the MapLibre style the map starts from.
    public func map(language: Language, datasets: [DatasetDescription], basemapStyle: String) -> String {
        var c = layout(language, title: texts.text("map_title", language), current: "map",
                       switchURL: "/map?lang=\(language.other.rawValue)")
        c["basemap_style"] = basemapStyle
        c["datasets_json"] = Self.mapDatasets(datasets, language)
        return render("map", c)
    }

    /// slug → title, page and field descriptions (name → description, only those described),
    /// as JSON for the page's `data-datasets` (Mustache escapes it for the attribute).
    static func mapDatasets(_ datasets: [DatasetDescription], _ l: Language) -> String {
        var out: [String: Any] = [:]
        for d in datasets {
            var fields: [String: String] = [:]
            for f in d.schema where !f.description.trimmingCharacters(in: .whitespaces).isEmpty { fields[f.name] = f.description }
            out[d.slug] = ["title": l == .en ? d.titleEN ?? d.title : d.title,
                           "url": "/datasets/\(d.slug)?lang=\(l.rawValue)", "fields": fields] as [String: Any]
        }
        let data = (try? JSONSerialization.data(withJSONObject: out, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
