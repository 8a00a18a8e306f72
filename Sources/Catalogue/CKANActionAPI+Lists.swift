// The CKAN actions a harvester calls to walk the whole catalogue rather than one package:
// current_package_list_with_resources (newest first, paged), resource_show, group_list and
// group_show (one group per theme, as package_show's `groups` names them) and tag_list (the
// datasets' keywords, as package_show's `tags` names them).
import Foundation
import GeoStore
import PublicErrors

extension CKANActionAPI {
    /// Every published dataset with its resources, most recently modified first (CKAN's order),
    /// `limit`/`offset` (and the deprecated `page`, counted from 1, when `limit` is given).
    func currentPackageList(_ p: [String: Any], baseURL: String) throws -> [[String: Any]] {
        let all = try reader.datasets().sorted { ($0.modified, $1.slug) > ($1.modified, $0.slug) }
        let limit = try Params.natural(p, "limit")
        var offset = try Params.natural(p, "offset") ?? 0
        if let limit, p["offset"] == nil, let page = try Params.natural(p, "page"), page > 0 {
            let (skipped, overflow) = (page - 1).multipliedReportingOverflow(by: limit)
            offset = overflow ? Int.max : skipped
        }
        return all.dropFirst(offset).prefix(limit ?? all.count).map { CKANDocuments.package($0, baseURL: baseURL) }
    }

    /// The resource `id` (the UUID that package_show gives it), as CKAN returns it.
    func resourceShow(_ p: [String: Any], baseURL: String) throws -> [String: Any] {
        guard let id = Params.string(p, "id") else { throw CatalogueError.invalid("id", "ckan.missingValue") }
        for d in try reader.datasets() {
            let resources = CKANDocuments.package(d, baseURL: baseURL)["resources"] as? [[String: Any]] ?? []
            if let r = resources.first(where: { $0["id"] as? String == id }) { return r }
        }
        throw CatalogueError.notFound("ckan.resource.notFound", ["id": id])
    }

    /// The themes of the published datasets as CKAN groups, each with its datasets.
    func groups() throws -> [(theme: String, datasets: [DatasetDescription])] {
        let datasets = try reader.datasets().filter { !$0.theme.isEmpty }
        return Dictionary(grouping: datasets, by: \.theme).map { ($0.key, $0.value) }
    }

    func groupList(_ p: [String: Any]) throws -> [Any] {
        var groups = try groups()
        if let wanted = Params.list(p, "groups") { groups = groups.filter { wanted.contains(slugify($0.theme)) } }
        let page = try Self.sortedPage(groups, p, name: { slugify($0.theme) }, title: \.theme, count: \.datasets.count)
        if Params.bool(p, "all_fields") {
            return page.map { CKANDocuments.group(theme: $0.theme, packageCount: $0.datasets.count) }
        }
        return page.map { slugify($0.theme) }
    }

    func groupShow(_ p: [String: Any], baseURL: String) throws -> [String: Any] {
        guard let id = Params.string(p, "id") else { throw CatalogueError.invalid("id", "ckan.missingValue") }
        guard let (theme, datasets) = try groups().first(where: { slugify($0.theme) == id || CKANDocuments.uuid("group:\(slugify($0.theme))") == id }) else {
            throw CatalogueError.notFound("ckan.group.notFound", ["id": id])
        }
        var group = CKANDocuments.group(theme: theme, packageCount: datasets.count)
        if Params.bool(p, "include_datasets") {
            group["packages"] = datasets.sorted { $0.slug < $1.slug }.map { CKANDocuments.package($0, baseURL: baseURL) }
        }
        return group
    }

    /// The free tags (keywords) of the published datasets, sorted; `query` keeps those that
    /// contain it (case and Vietnamese marks ignored); `all_fields` gives CKAN's tag dictionaries.
    /// Bando has no tag vocabularies: a `vocabulary_id` finds none.
    func tagList(_ p: [String: Any]) throws -> [Any] {
        if let vocabulary = Params.string(p, "vocabulary_id") {
            throw CatalogueError.notFound("ckan.vocabulary.notFound", ["id": vocabulary])
        }
        var tags = Set(try reader.datasets().flatMap(\.keywords)).sorted()
        if let q = Params.string(p, "query") {
            let folded = CKANSearch.fold(q)
            tags = tags.filter { CKANSearch.fold($0).contains(folded) }
        }
        if Params.bool(p, "all_fields") {
            return tags.map { CKANDocuments.tag($0) }
        }
        return tags
    }
}
