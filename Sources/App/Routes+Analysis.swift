public import Features
public import Hummingbird
import NIOCore
import PublicErrors

/// The analysis API under `/api/analysis`: point-in-area (GET one point, POST a batch of up
/// to 10 000), within-distance, nearest and aggregate. Answers JSON, or CSV with `format=csv`.
///
/// Called from `buildRouter`: `addAnalysisRoutes(to: router, api: analysisAPI)`.
///
/// `uses`: told the dataset of each analysis answered (the sharing statistics).
public func addAnalysisRoutes<Context: RequestContext>(to router: Router<Context>, api: AnalysisAPI, prefix: String = "api/analysis",
                                                       uses: (@Sendable (String) -> Void)? = nil) {
    // Errors rendered here too, so the routes answer OGC exceptions on any router they are added to.
    let group = router.group(RouterPath(prefix)).add(middleware: ErrorMiddleware<Context>())
    let routes: [(String, @Sendable (AnalysisAPI.Input) async throws(FeaturesError) -> OGCResponse)] = [
        ("point-in-area", api.pointInArea),
        ("within-distance", api.withinDistance),
        ("nearest", api.nearest),
        ("aggregate", api.aggregate),
    ]
    for (path, handler) in routes {
        group.get(RouterPath(path)) { request, context in
            let input = AnalysisAPI.Input(query: QueryString(request.uri.query), body: nil)
            let answer = try await ogc { () async throws(FeaturesError) in try await handler(input) }
            if let uses, let dataset = input.dataset { uses(dataset) }
            return answer
        }
        group.post(RouterPath(path)) { request, context in
            // 10 000 points with their brackets fit well within 4 MB.
            var request = request
            let buffer = try await request.collectBody(upTo: 4 * 1024 * 1024)
            let query = QueryString(request.uri.query)
            var dataset: String?
            let answer = try await ogc { () async throws(FeaturesError) in
                let body: JSONValue
                do { body = try JSONValue.parse(buffer.readableBytesView) } catch {
                    throw FeaturesError.invalid("body", SafeMessage("analysis.body.notJSON"))
                }
                let input = AnalysisAPI.Input(query: query, body: body)
                let response = try await handler(input)
                dataset = input.dataset
                return response
            }
            if let uses, let d = dataset { uses(d) }
            return answer
        }
    }
}
