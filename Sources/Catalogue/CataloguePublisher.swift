// Who publishes the catalogue as a whole: DCAT-AP's mandatory `dct:publisher` of the
// `dcat:Catalog`, and of a dataset that names no agency. It is the province's Department that
// runs the portal, not the software: `bando serve --publisher-agency SLUG` names it from the
// agency registry (its node is then the very one its datasets name), `--publisher-name` and the
// other flags describe it when it is not registered.

/// The catalogue's publisher, as `bando serve` is told it.
public struct CataloguePublisher: Sendable, Hashable {
    /// The name in Vietnamese (`foaf:name` @vi).
    public var name: String
    /// The name in English, when known.
    public var nameEN: String?
    /// The agency of the registry that is the publisher (its slug); its registered name wins over `name`.
    public var agencySlug: String?
    /// Its web site (`foaf:homepage`).
    public var homepage: String?
    /// Its contact address (`foaf:mbox`).
    public var email: String?

    public init(name: String, nameEN: String? = nil, agencySlug: String? = nil, homepage: String? = nil, email: String? = nil) {
        self.name = name; self.nameEN = nameEN; self.agencySlug = agencySlug; self.homepage = homepage; self.email = email
    }

    /// The department that runs the portal and owns the catalogue (REQUIREMENTS: the Department
    /// of Information and Communications); `--publisher-*` names another.
    public static let `default` = CataloguePublisher(name: "Sở Thông tin và Truyền thông",
                                                     nameEN: "Department of Information and Communications")

    /// ADMS publisher type of a provincial department (and of the province's agencies).
    static let regionalAuthority = "http://purl.org/adms/publishertype/RegionalAuthority"
}
