// A shapefile sent as loose files (the `.shp`, `.shx`, `.dbf`, `.prj`… of one
// `<input type=file multiple>`), as agency staff have it on disk, rather than zipped. The set is
// checked by name first (one `.shp`, its `.shx` and `.dbf` beside it, nothing else), so that a
// missing part is named before anything is read, then packed into a zip under one base name,
// which the upload checks and Ingest reads like any zipped shapefile.
public import Foundation
import ZIPFoundation
import PublicErrors

public enum ShapefileSet {
    /// Files that belong to a shapefile set (ESRI's and the usual sidecars: code page, spatial
    /// indexes, metadata).
    static let members: Set<String> = ["shp", "shx", "dbf", "prj", "cpg", "qix", "sbn", "sbx", "fix", "xml", "qmd", "aih", "ain", "atx"]

    /// The lower-case extension of `name` ("" when none).
    static func ext(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }

    static func base(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }

    /// Whether the files of one form, named `names`, are meant as a shapefile set (several
    /// files, or one that can only be part of a set) rather than one zip or GeoJSON document.
    public static func isSet(_ names: [String]) -> Bool {
        names.count > 1 || names.contains { ["shp", "shx", "dbf"].contains(ext($0)) }
    }

    /// Checks that `names` are the files of one shapefile: exactly one `.shp`, with a `.shx`
    /// and a `.dbf` of the same base name, and nothing that is not part of a set. Returns the
    /// base name of the `.shp`.
    @discardableResult
    public static func check(_ names: [String]) throws(PortalError) -> String {
        if let stranger = names.first(where: { !members.contains(ext($0)) }) {
            throw .invalid("portal.upload.shapefile.otherFile", ["file": stranger])
        }
        let shps = names.filter { ext($0) == "shp" }
        guard let shp = shps.first else { throw .invalid("portal.upload.shapefile.noShp") }
        guard shps.count == 1 else {
            throw .invalid("portal.upload.shapefile.severalShp", ["files": shps.joined(separator: ", ")])
        }
        let stem = base(shp)
        let present = Set(names.filter { base($0) == stem }.map { ext($0) })
        let missing = ["shx", "dbf"].filter { !present.contains($0) }
        guard missing.isEmpty else {
            throw .invalid("portal.upload.shapefile.missing", ["file": shp, "missing": missing.map { "." + $0 }.joined(separator: ", ")])
        }
        return stem
    }

    /// Checks the set, then packs its files into a zip at `destination`, each named after the
    /// `.shp` with its own (lower-case) extension; files of another base name (a second
    /// `.prj`…) are left out.
    public static func zip(_ files: [(name: String, file: URL)], to destination: URL) throws(PortalError) {
        let stem = try check(files.map(\.name))
        do {
            let archive = try Archive(url: destination, accessMode: .create)
            var added: Set<String> = []
            for f in files where base(f.name) == stem && added.insert(ext(f.name)).inserted {
                // Stored, not deflated: the zip only carries the set to Ingest.
                try archive.addEntry(with: stem + "." + ext(f.name), fileURL: f.file, compressionMethod: .none)
            }
        } catch {
            throw PortalError(.unloadable, SafeMessage("server.internal"), detail: "packing a shapefile set: \(error)")
        }
    }
}
