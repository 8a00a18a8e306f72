// Web: the citizen portal's pages (home, the dataset catalogue, one page per dataset, errors)
// as server-rendered HTML. Owns the Mustache templates, the page texts in Vietnamese and English
// (`Resources/pages.{vi,en}.json`, compiled into the binary like the error messages), the
// stylesheet and the dataset page's map script, and the catalogue's search, facets and paging
// over the read models the `Catalogue` module builds. Knows nothing of HTTP or SQL: App's
// `Routes+Web.swift` reads the catalogue through its services and hands the values in here.
// Any text a person reads is in a template or a page catalogue, never built in Swift.
public import PublicErrors

/// The files the pages link to, served by App as they are.
public enum WebAssets {
    /// `/web/portal.css`: the one stylesheet (no CDN, no web fonts).
    public static var stylesheet: [UInt8] { PackageResources.portal_css }
    /// `/web/dataset-map.js`: the dataset page's MapLibre preview (the only script of the pages).
    public static var previewScript: [UInt8] { PackageResources.dataset_map_js }
    /// `/web/map.css` and `/map.js`: the map page's look and script (`window.bandoMap`,
    /// `window.bandoLayers`, `data-idle` and `data-error` on `<body>` for tests and scripts).
    public static var mapStylesheet: [UInt8] { PackageResources.map_css }
    public static var mapScript: [UInt8] { PackageResources.map_js }
    /// `/web/staff-upload.js`: the workspace's upload progress bar.
    public static var staffUploadScript: [UInt8] { PackageResources.staff_upload_js }
    /// `/web/staff-review-map.js`: the review page's maps (published and under review).
    public static var staffReviewMapScript: [UInt8] { PackageResources.staff_review_map_js }
}

extension Language {
    /// The other language of the portal, offered by the language link.
    public var other: Language { self == .vi ? .en : .vi }
}
