import Foundation
import Testing
import TestSupport
@testable import GDALKit

/// GDAL reads uploads from strangers: nothing in a file may make it fetch a URL.
@Suite struct GDALNetworkTests {
    let scratch = ScratchDirectory("gdal-net")

    /// A FeatureCollection whose legacy `crs` member points at `href` (the GeoJSON 2008 `link`
    /// and `url` forms, which GDAL's driver resolves with an HTTP fetch).
    func collection(crsType: String, member: String, href: String) throws -> String {
        let path = scratch.path("\(crsType).geojson")
        let text = """
        {"type":"FeatureCollection","crs":{"type":"\(crsType)","properties":{"\(member)":"\(href)","type":"ogcwkt"}},
         "features":[{"type":"Feature","properties":{"ten":"a"},"geometry":{"type":"Point","coordinates":[107.58,16.46]}}]}
        """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: [("link", "href"), ("URL", "url")])
    func crsLinkIsNotFetched(crsType: String, member: String) throws {
        let listener = try LoopbackListener()
        let path = try collection(crsType: crsType, member: member, href: listener.url("/crs.wkt"))
        let source = try VectorSource(path: path)
        let layer = try source.layer(0)
        _ = layer.spatialReference
        var n = 0
        try layer.forEachFeature { _ in n += 1 }
        #expect(n == 1)
        #expect(listener.hits == 0, "GDAL connected to \(listener.url()) while reading the upload")
    }

    /// An OGR VRT names its source; a `/vsicurl/` one would be read over HTTP.
    @Test func vrtWithARemoteSourceIsNotFetched() throws {
        let listener = try LoopbackListener()
        let path = scratch.path("remote.vrt")
        try """
        <OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/vsicurl/\(listener.url("/x.geojson"))</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>
        """.write(toFile: path, atomically: true, encoding: .utf8)
        if let source = try? VectorSource(path: path) { _ = try? source.layer(0).featureCount }
        #expect(listener.hits == 0, "GDAL connected to \(listener.url()) while reading the upload")
    }
}
