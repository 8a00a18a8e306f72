import Foundation
import Testing
import TestSupport
import GeoStore
import Tiles
import Hummingbird
@testable import App

/// Issue 24: every route `buildRouter` registers is called by a test that checks what it
/// answers, and is asked by every role in the role table of `HostileTests/RouteRoleTests`.
///
/// The routes come from the real router (`Router.routes`), so a route added without a test
/// fails here by name. The table of tests (`RouteCoverage.table`) is checked against the test
/// sources: every test it names must exist and must itself mention the route's fixed path
/// segments, so the table cannot claim a test that calls something else.
@Suite struct RouteCoverageTests {
    /// One registered route: `GET /api/portal/tokens/{id}`.
    struct Route: Hashable, CustomStringConvertible {
        var method: String
        var path: String
        var description: String { "\(method) \(path)" }
        /// The path's fixed segments, parameters taken out: `{y}.mvt` gives `.mvt`.
        var fixedParts: [String] {
            path.split(separator: "/").flatMap { segment -> [String] in
                segment.replacingOccurrences(of: #"\{[^}]*\}"#, with: "\u{0}", options: .regularExpression)
                    .split(separator: "\u{0}").map(String.init)
            }.filter { !$0.isEmpty }
        }
        /// Whether a concrete path (query removed; `\u{1}` where the test interpolates a value) is this route.
        func matches(_ concrete: String) -> Bool {
            let want = path.split(separator: "/", omittingEmptySubsequences: true)
            let got = concrete.split(separator: "/", omittingEmptySubsequences: true)
            guard want.count == got.count else { return false }
            for (w, g) in zip(want, got) {
                let pattern = "^" + NSRegularExpression.escapedPattern(for: String(w))
                    .replacingOccurrences(of: #"\\\{[^}]*\\\}"#, with: ".+", options: .regularExpression) + "$"
                // An interpolated value stands for any text.
                let text = g.replacingOccurrences(of: "\u{1}", with: "x")
                if w.contains("{") {
                    guard text.range(of: pattern, options: .regularExpression) != nil else { return false }
                } else if g.contains("\u{1}") {
                    // `\(x)` where the route has fixed text: only if nothing else disagrees.
                    let fixed = g.split(separator: "\u{1}", omittingEmptySubsequences: true)
                    guard fixed.allSatisfy({ w.contains($0) }) else { return false }
                } else if w != g {
                    return false
                }
            }
            return true
        }
        /// Fixed segments: the more, the more specific (a literal route wins over `{id}`).
        var specificity: Int { path.split(separator: "/").filter { !$0.contains("{") }.count }
    }

    /// Every route of the real router, over an empty store.
    static func registeredRoutes() throws -> [Route] {
        let scratch = ScratchDirectory("route-coverage")
        let store = try Store(path: scratch.path("s.sqlite"))
        let tiles = try TileService(store: store, configuration: .init(cacheMegabytes: 0, checkInterval: .zero))
        let router = buildRouter(store: store, tiles: tiles, uploadDirectory: scratch.url)
        return router.routes.map { Route(method: "\($0.method)", path: "\($0.path)") }
            .sorted { ($0.path, $0.method) < ($1.path, $1.method) }
    }

    /// Every Swift file under `Tests/`, by path relative to it.
    static func testSources() throws -> [(String, String)] {
        let root = TestPaths.root.appendingPathComponent("Tests")
        let files = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        return try files.sorted().map { ($0, try String(contentsOf: root.appendingPathComponent($0), encoding: .utf8)) }
    }

    /// The body of `func name(` in `source` (declared in `suite`), up to the closing brace at the
    /// declaration's indentation; nil when the file has no such test.
    static func body(of name: String, suite: String, in source: String) -> String? {
        guard source.contains("struct \(suite)") || source.contains("extension \(suite)") || source.contains("class \(suite)") else { return nil }
        let lines = source.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.contains("func \(name)(") }) else { return nil }
        let indent = String(lines[start].prefix { $0 == " " })
        guard let end = lines[(start + 1)...].firstIndex(where: { $0 == indent + "}" }) else { return nil }
        return lines[start...end].joined(separator: "\n")
    }

    /// The (method, path) pairs the role table asks, read from its source: `get("…")` rows and
    /// `Row(method: "…", path: { … in "…" }` rows; `BandoSite.name` constants resolved from Site.swift.
    static func roleTableRequests(_ sources: [(String, String)]) -> [(String, String)] {
        guard let table = sources.first(where: { $0.0.hasSuffix("HostileTests/RouteRoleTests.swift") })?.1 else { return [] }
        let site = sources.first(where: { $0.0.hasSuffix("HostileTests/Site.swift") })?.1 ?? ""
        var constants: [String: String] = [:]
        for m in matches(#"static let (\w+) = "([^"]*)""#, in: site) { constants["BandoSite." + m[0]] = m[1] }
        var out: [(String, String)] = []
        for m in matches(#"get\("((?:[^"\\]|\\\((?:[^()]|\([^()]*\))*\))*)""#, in: table) { out.append(("GET", m[0])) }
        for m in matches(#"get\((BandoSite\.\w+),"#, in: table) { if let p = constants[m[0]] { out.append(("GET", p)) } }
        for m in matches(#"Row\(method: "(\w+)", path: \{[^"]*"((?:[^"\\]|\\\((?:[^()]|\([^()]*\))*\))*)""#, in: table) { out.append((m[0], m[1])) }
        return out.map { ($0.0, concrete($0.1)) }
    }

    /// A Swift string literal's path as a request sees it: each `\( … )` becomes `\u{1}`, the query goes.
    static func concrete(_ literal: String) -> String {
        var out = "", chars = Array(literal), i = 0
        while i < chars.count {
            if chars[i] == "\\", i + 1 < chars.count, chars[i + 1] == "(" {
                var depth = 0
                i += 1
                while i < chars.count {
                    if chars[i] == "(" { depth += 1 } else if chars[i] == ")" { depth -= 1; if depth == 0 { break } }
                    i += 1
                }
                out.append("\u{1}")
            } else {
                out.append(chars[i])
            }
            i += 1
        }
        return String(out.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }

    static func matches(_ pattern: String, in text: String) -> [[String]] {
        let re = try! NSRegularExpression(pattern: pattern)
        let ns = text as NSString
        return re.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { m in
            (1..<m.numberOfRanges).map { ns.substring(with: m.range(at: $0)) }
        }
    }

    @Test func everyRegisteredRouteHasATestThatCallsIt() throws {
        let routes = try Self.registeredRoutes()
        try #require(routes.count > 50, "the router listed only \(routes.count) routes")
        let sources = try Self.testSources()
        let table = RouteCoverage.table
        var problems: [String] = []
        var report: [String] = []

        // The role table: which registered route each of its requests reaches.
        let asked = Self.roleTableRequests(sources)
        try #require(asked.count > 50, "read only \(asked.count) requests from RouteRoleTests.swift: has its layout changed?")
        var askedRoutes = Set<Route>()
        for (method, path) in asked {
            let candidates = routes.filter { $0.method == method && $0.matches(path) }
            if let best = candidates.max(by: { $0.specificity < $1.specificity }) { askedRoutes.insert(best) }
        }

        for route in routes {
            let tests = table[route.description] ?? []
            if tests.isEmpty { problems.append("\(route): no test in RouteCoverage.table calls it") }
            if !askedRoutes.contains(route) { problems.append("\(route): the role table (HostileTests/RouteRoleTests.swift) does not ask it") }
            for test in tests {
                let parts = test.split(separator: ".", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { problems.append("\(route): '\(test)' is not Suite.function"); continue }
                let found = sources.compactMap { file, text in Self.body(of: parts[1], suite: parts[0], in: text).map { (file, $0) } }
                guard let (file, body) = found.first else {
                    problems.append("\(route): the table names \(test), which no file under Tests/ declares")
                    continue
                }
                let missing = route.fixedParts.filter { !body.contains($0) }
                if !missing.isEmpty {
                    problems.append("\(route): \(test) (\(file)) never mentions \(missing.map { "'\($0)'" }.joined(separator: ", ")): does it call this route?")
                }
            }
            report.append("\(route.description.padding(toLength: 62, withPad: " ", startingAt: 0)) \(askedRoutes.contains(route) ? "roles" : "     ")  \(tests.joined(separator: ", "))")
        }
        for key in table.keys.sorted() where !routes.contains(where: { $0.description == key }) {
            problems.append("RouteCoverage.table lists '\(key)', which the router does not register")
        }
        let summary = "Route coverage: \(routes.count) routes registered, \(routes.count - Set(problems.compactMap { p in routes.first { p.hasPrefix($0.description + ":") } }).count) fully covered, \(askedRoutes.count) asked by the role table\n"
            + report.map { "  " + $0 }.joined(separator: "\n")
            + (problems.isEmpty ? "" : "\nProblems:\n" + problems.map { "  " + $0 }.joined(separator: "\n"))
        print(summary)
        #expect(problems.isEmpty, "\(problems.count) route coverage problems:\n\(problems.joined(separator: "\n"))")
    }
}
