// The CKAN Action API subset that harvesters and the national portal call: package_list,
// package_show, package_search (with CKAN 2.9's facets), current_package_list_with_resources,
// resource_show, organization_list, organization_show, group_list, group_show (a group per
// theme), tag_list (plus status_show and license_list, which harvesters probe). Responses use CKAN's envelope
// `{"help":…, "success":…, "result"|"error":…}` and its error types and statuses (404 Not Found
// Error, 409 Validation Error keyed by the parameter, 409 Search Query Error, 400 for an unknown
// action), so ckanapi and ckanext-harvest read them unchanged.
public import Foundation
import GeoStore
import Crypto
public import PublicErrors

/// An answer of the action API: HTTP status and the JSON body; for a refusal, the error too
/// (the body holds its message in the language asked for; App logs the error's detail).
public struct CKANResponse: @unchecked Sendable {
    public var status: Int
    public var body: [String: Any]
    public var failure: CatalogueError?
    public init(status: Int, body: [String: Any], failure: CatalogueError? = nil) {
        self.status = status; self.body = body; self.failure = failure
    }
}

public struct CKANActionAPI: Sendable {
    public let reader: CatalogueReader
    public init(reader: CatalogueReader) { self.reader = reader }

    public static let actions = ["package_list", "package_show", "package_search", "current_package_list_with_resources",
                                 "resource_show", "organization_list", "organization_show", "group_list", "group_show",
                                 "tag_list", "status_show", "license_list"]
    /// CKAN's `ckan.search.rows_max` default.
    static let maxRows = 1000

    /// Runs `action` with its parameters (query-string values are strings, JSON bodies typed);
    /// a refusal's message is in `language`.
    public func call(_ action: String, _ params: [String: Any], baseURL: String, language: Language = .vi) -> CKANResponse {
        let help = "\(baseURL)/api/3/action/help_show?name=\(action)"
        do {
            let result: Any
            switch action {
            case "package_list": result = try packageList(params)
            case "package_show": result = try packageShow(params, baseURL: baseURL)
            case "package_search": result = try CKANSearch(params: params).run(try reader.datasets(), baseURL: baseURL)
            case "current_package_list_with_resources": result = try currentPackageList(params, baseURL: baseURL)
            case "resource_show": result = try resourceShow(params, baseURL: baseURL)
            case "organization_list": result = try organizationList(params)
            case "organization_show": result = try organizationShow(params, baseURL: baseURL)
            case "group_list": result = try groupList(params)
            case "group_show": result = try groupShow(params, baseURL: baseURL)
            case "tag_list": result = try tagList(params)
            case "status_show":
                result = ["site_title": Site.title, "site_url": baseURL, "ckan_version": "2.10.0",
                          "site_description": Site.description, "locale_default": "vi", "extensions": [String]()] as [String: Any]
            case "license_list": result = Licence.all.map(CKANDocuments.licence)
            default:
                throw CatalogueError(.badRequest, SafeMessage("ckan.action.unknown", ["action": action, "actions": Self.actions.joined(separator: ", ")]))
            }
            return CKANResponse(status: 200, body: ["help": help, "success": true, "result": result])
        } catch let e as CatalogueError {
            return Self.refusal(e, help: help, language: language)
        } catch {
            return Self.refusal(.internalFailure(error), help: help, language: language)
        }
    }

    /// CKAN's error envelope (`{"success": false, "error": {"__type": …, "message": …}}`) with
    /// CKAN's statuses (404, 409 for validation and search, 400, 500): the same message as every
    /// other route, in CKAN's shape.
    public static func refusal(_ e: CatalogueError, help: String, language: Language) -> CKANResponse {
        let text = e.message.text(in: language)
        let error: [String: Any]
        let status: Int
        switch e.kind {
        case .notFound:
            error = ["__type": "Not Found Error", "message": SafeMessage("ckan.prefix.notFound", parts: ["reason": e.message]).text(in: language)]
            status = 404
        case .validation: error = ["__type": "Validation Error", e.parameter ?? "message": [text]]; status = 409
        case .searchQuery:
            error = ["__type": "Search Query Error", "message": SafeMessage("ckan.prefix.searchQuery", parts: ["reason": e.message]).text(in: language)]
            status = 409
        case .badRequest: error = ["__type": "Bad Request", "message": text]; status = 400
        case .internalFailure: error = ["__type": "Internal Error", "message": text]; status = 500
        }
        return CKANResponse(status: status, body: ["help": help, "success": false, "error": error], failure: e)
    }

    func packageList(_ p: [String: Any]) throws -> [String] {
        let all = try reader.datasets().map(\.slug)
        let offset = try Params.natural(p, "offset") ?? 0
        let limit = try Params.natural(p, "limit") ?? all.count
        return Array(all.dropFirst(offset).prefix(limit))
    }

    func packageShow(_ p: [String: Any], baseURL: String) throws -> [String: Any] {
        guard let id = Params.string(p, "id") ?? Params.string(p, "name_or_id") else {
            throw CatalogueError.invalid("id", "ckan.missingValue")
        }
        guard let d = try reader.datasets().first(where: { $0.slug == id || CKANDocuments.uuid("dataset:\($0.slug)") == id }) else {
            throw CatalogueError.notFound("ckan.package.notFound", ["id": id])
        }
        return CKANDocuments.package(d, baseURL: baseURL)
    }

    func organizations() throws -> [(AgencyRecord, [DatasetDescription])] {
        let datasets = try reader.datasets()
        return try reader.agencies().map { a in (a, datasets.filter { $0.agency?.id == a.id }) }
    }

    func organizationList(_ p: [String: Any]) throws -> [Any] {
        var orgs = try organizations()
        if let wanted = Params.list(p, "organizations") { orgs = orgs.filter { wanted.contains($0.0.slug) } }
        let page = try Self.sortedPage(orgs, p, name: \.0.slug, title: \.0.name, count: \.1.count)
        if Params.bool(p, "all_fields") {
            return page.map { CKANDocuments.organization($0.0, packageCount: $0.1.count) }
        }
        return page.map(\.0.slug)
    }

    /// `sort` (`name`, `title` or `package_count`, then `asc` or `desc`), `offset` and `limit` as
    /// organization_list and group_list take them.
    static func sortedPage<T>(_ items: [T], _ p: [String: Any], name: (T) -> String, title: (T) -> String,
                              count: (T) -> Int) throws -> ArraySlice<T> {
        var items = items
        let sort = (Params.string(p, "sort") ?? "name asc").lowercased()
        switch sort.split(separator: " ").first.map(String.init) ?? "name" {
        case "name": items.sort { name($0) < name($1) }
        case "title": items.sort { title($0) < title($1) }
        case "package_count": items.sort { (count($0), name($0)) < (count($1), name($1)) }
        default: throw CatalogueError.invalid("sort", "ckan.organization.sort", ["value": sort])
        }
        if sort.hasSuffix(" desc") { items.reverse() }
        let offset = try Params.natural(p, "offset") ?? 0
        let limit = try Params.natural(p, "limit") ?? items.count
        return items.dropFirst(offset).prefix(limit)
    }

    func organizationShow(_ p: [String: Any], baseURL: String) throws -> [String: Any] {
        guard let id = Params.string(p, "id") else { throw CatalogueError.invalid("id", "ckan.missingValue") }
        guard let (agency, datasets) = try organizations().first(where: { $0.0.slug == id || CKANDocuments.uuid("organization:\($0.0.slug)") == id }) else {
            throw CatalogueError.notFound("ckan.organization.notFound", ["id": id])
        }
        var org = CKANDocuments.organization(agency, packageCount: datasets.count)
        if Params.bool(p, "include_datasets") {
            org["packages"] = datasets.map { CKANDocuments.package($0, baseURL: baseURL) }
        }
        return org
    }
}

/// Reading action parameters the way CKAN's validators do.
enum Params {
    static func string(_ p: [String: Any], _ k: String) -> String? {
        switch p[k] {
        case let s as String: s.isEmpty ? nil : s
        case let n as NSNumber: n.stringValue
        default: nil
        }
    }

    /// A natural number (0, 1, 2…), from JSON or a query string; CKAN's messages when not.
    static func natural(_ p: [String: Any], _ k: String) throws -> Int? {
        guard let raw = p[k], !(raw is NSNull) else { return nil }
        let n: Int?
        switch raw {
        case let i as NSNumber where i.doubleValue == i.doubleValue.rounded():
            n = i.intValue
        case let s as String: n = Int(s.trimmingCharacters(in: .whitespaces))
        default: n = nil
        }
        guard let n else { throw CatalogueError.invalid(k, "ckan.integer.invalid", ["value": "\(raw)", "name": k]) }
        guard n >= 0 else { throw CatalogueError.invalid(k, "ckan.integer.negative", ["value": String(n), "name": k]) }
        return n
    }

    static func bool(_ p: [String: Any], _ k: String) -> Bool {
        switch p[k] {
        case let b as Bool: b
        case let n as NSNumber: n.boolValue
        case let s as String: ["true", "1", "yes", "on"].contains(s.lowercased())
        default: false
        }
    }

    static func list(_ p: [String: Any], _ k: String) -> [String]? {
        switch p[k] {
        case let a as [Any]: a.compactMap { $0 as? String }
        case let s as String: s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        default: nil
        }
    }
}
