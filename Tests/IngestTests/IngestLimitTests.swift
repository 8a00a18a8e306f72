import Foundation
import Testing
import TestSupport
import GeoStore
@testable import Ingest

/// `--max-features`: a source holding more features than the limit is refused and nothing is
/// written, whichever reader reads it and whether or not it says its count up front.
@Suite struct IngestLimitTests {
    let scratch = ScratchDirectory("ingest-limits")

    @Test(arguments: ["hue/communes.geojson", "hue/districts.zip"])
    func moreFeaturesThanTheLimitWritesNothing(_ fixture: String) throws {
        let path = TestPaths.fixture(fixture).path
        let store = try Store(path: scratch.path(fixture.replacingOccurrences(of: "/", with: "-") + ".sqlite"))
        let (_, full) = try Ingestor.run(IngestOptions(path: path, metadata: DatasetMetadata(slug: "full")), into: store)
        try #require(full.featuresRead > 3)

        var options = IngestOptions(path: path, metadata: DatasetMetadata(slug: "capped"))
        options.maxFeatures = full.featuresRead - 1
        do {
            _ = try Ingestor.run(options, into: store)
            Issue.record("\(full.featuresRead) features taken under a limit of \(full.featuresRead - 1)")
        } catch let e as IngestError {
            guard case .tooManyFeatures(_, let limit) = e else { Issue.record("refused as \(e)"); return }
            #expect(limit == full.featuresRead - 1)
        }
        #expect(try store.published(slug: "capped") == nil)

        options.maxFeatures = full.featuresRead
        let (_, exact) = try Ingestor.run(options, into: store)
        #expect(exact.featuresWritten == full.featuresWritten)
    }
}
