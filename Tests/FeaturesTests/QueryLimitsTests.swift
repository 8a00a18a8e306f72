import Foundation
import Testing
import PublicErrors
import GeoModel
import TestSupport
@testable import Features

/// Filters nested as an attacker nests them: refused with a message naming the limit, where
/// they used to overflow the stack (text) or cost seconds of CPU (JSON).
@Suite struct CQL2NestingLimitTests {
    func error(_ parse: () throws(CQL2SyntaxError) -> CQL2Expression) -> CQL2SyntaxError? {
        do { _ = try parse(); return nil } catch { return error }
    }

    @Test func twentyFiveThousandParenthesesAreRefused() {
        let text = String(repeating: "(", count: 25_000) + "population > 1" + String(repeating: ")", count: 25_000)
        let e = error { () throws(CQL2SyntaxError) in try CQL2Text.parse(text) }
        #expect(e?.message.description.contains("more than 64 levels") == true, "\(String(describing: e))")
        // The 65th parenthesis is where reading stopped.
        #expect(e?.position == 65)
    }

    @Test func twentyFiveThousandNOTsAreRefused() {
        let text = String(repeating: "NOT ", count: 25_000) + "population > 1"
        let e = error { () throws(CQL2SyntaxError) in try CQL2Text.parse(text) }
        #expect(e?.message.description.contains("more than 64 levels") == true, "\(String(describing: e))")
    }

    @Test func nestedGeometryCollectionsAreRefused() {
        let wkt = String(repeating: "GEOMETRYCOLLECTION(", count: 25_000) + "POINT(1 2)" + String(repeating: ")", count: 25_000)
        let e = error { () throws(CQL2SyntaxError) in try CQL2Text.parse("S_INTERSECTS(geometry, \(wkt))") }
        #expect(e?.message.description.contains("more than 64 levels") == true, "\(String(describing: e))")
    }

    @Test func sixtyFourLevelsAreRead() throws {
        let parens = String(repeating: "(", count: 64) + "population > 1" + String(repeating: ")", count: 64)
        #expect(try CQL2Text.parse(parens) == .comparison(.greater, .property("population"), .integer(1)))
        var expected = CQL2Expression.comparison(.greater, .property("population"), .integer(1))
        for _ in 0..<64 { expected = .not(expected) }
        #expect(try CQL2Text.parse(String(repeating: "NOT ", count: 64) + "population > 1") == expected)
        #expect(try CQL2JSON.parse(Self.jsonNots(64)) == expected)
    }

    /// `{"op":"not","args":[…]}` nested `depth` times around `population > 1`.
    static func jsonNots(_ depth: Int) -> String {
        String(repeating: #"{"op":"not","args":["#, count: depth) + #"{"op":">","args":[{"property":"population"},1]}"#
            + String(repeating: "]}", count: depth)
    }

    @Test func jsonNestedTwoHundredFiftyDeepIsRefused() {
        let e = error { () throws(CQL2SyntaxError) in try CQL2JSON.parse(Self.jsonNots(250)) }
        #expect(e?.message.description.contains("more than 64 levels") == true, "\(String(describing: e))")
        #expect(e?.message.description.hasPrefix("at $.args[0].args[0]") == true)
    }

    @Test func jsonNestedPastTheReaderIsRefused() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let e = error { () throws(CQL2SyntaxError) in try CQL2JSON.parse(deep) }
        #expect(e?.message.description.contains("not valid JSON") == true, "\(String(describing: e))")
    }

    /// Long chains are loops, not recursion: 20,000 terms read without trouble.
    @Test func longAndOrChainsAreRead() throws {
        let text = (0..<20_000).map { "population = \($0)" }.joined(separator: " OR ")
        guard case .or(let terms) = try CQL2Text.parse(text) else { Issue.record("expected an OR"); return }
        #expect(terms.count == 20_000)
    }
}

/// The one-pass JSON reader behind CQL2 JSON and the analysis API's bodies.
@Suite struct JSONValueTests {
    @Test func readsEveryKindKeepingIntegersApart() throws {
        let v = try JSONValue.parse(Array(#" {"a": [1, -2, 2.5, 1e3, 9223372036854775807, 9223372036854775808], "b": "x\"\\\/\n\u00e9\ud83d\ude00", "c": true, "d": false, "e": null, "f": {}} "#.utf8))
        #expect(v["a"] == .array([.integer(1), .integer(-2), .number(2.5), .number(1000), .integer(Int64.max), .number(9223372036854775808.0)]))
        #expect(v["b"] == .string("x\"\\/\né😀"))
        #expect(v["c"] == .bool(true) && v["d"] == .bool(false) && v["e"] == .null && v["f"] == .object([:]))
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "1e", "+1", "1e400", "-1e400", "\"\\ud800\"", "\"\\x\"",
                      "\"a", "[1] 2", "tru", "{a:1}", "\"\u{01}\"", "[" + String(repeating: "[", count: 600) + String(repeating: "]", count: 601)])
    func refusesWhatIsNotJSON(_ text: String) {
        #expect(throws: JSONValue.SyntaxError.self) { try JSONValue.parse(Array(text.utf8)) }
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: JSONValue.SyntaxError.self) { try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test func nestsUpToTheLimit() throws {
        let depth = JSONValue.maximumDepth
        var v = try JSONValue.parse(Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8))
        var levels = 0
        while case .array(let a) = v { levels += 1; v = a.first ?? .null }
        #expect(levels == depth)
    }
}

/// Deep and wide filters within the limits run against SpatiaLite and give the features the
/// same filter gives when evaluated term by term; what SQLite could not parse is a 400, never
/// a store failure.
@Suite(.serialized) struct DeepFilterQueryTests {
    let store: TestStore
    let communes: FeatureCollectionInfo
    let queries: FeatureQueries
    static let disjointPolygon = "POLYGON((107.55 16.42, 107.65 16.42, 107.65 16.50, 107.55 16.50, 107.55 16.42))"
    /// Predicates whose rows are known (each checked against OGR or brute force elsewhere).
    static let predicates = [
        "population > 8000", "district_vn = 'Thành phố Huế'", "area < 10", "population BETWEEN 4000 AND 6000",
        "S_INTERSECTS(geometry, BBOX(107.55, 16.42, 107.65, 16.50))", "commune_vn LIKE 'Xã Phú%'",
    ]

    init() throws {
        store = try TestStore()
        communes = try store.publish("communes", geoJSON: Fixture.communes)
        queries = FeatureQueries(store: store.store)
    }

    func ids(_ filter: CQL2Expression) async throws -> Set<Int64> {
        let page = try await queries.items(communes, ItemsQuery(filter: filter, limit: 10_000))
        let arr = try #require(try JSONSerialization.jsonObject(with: Data(page.featuresJSON)) as? [[String: Any]])
        return Set(arr.map { ($0["id"] as! NSNumber).int64Value })
    }

    func ids(_ text: String) async throws -> Set<Int64> { try await ids(try CQL2Text.parse(text)) }

    var all: Set<Int64> { Set(1...Int64(communes.featureCount)) }

    @Test func sixtyLevelsOfNOTAndParenthesesGiveTheFlatAnswer() async throws {
        let flat = try await ids("population > 8000")
        #expect(!flat.isEmpty && flat.count < all.count)
        let text = String(repeating: "NOT (", count: 30) + "population > 8000" + String(repeating: ")", count: 30)
        #expect(try await ids(text) == flat)
        #expect(try await ids(try CQL2JSON.parse(CQL2NestingLimitTests.jsonNots(60).replacingOccurrences(of: #"{"property":"population"},1"#, with: #"{"property":"population"},8000"#))) == flat)
    }

    /// `P0 AND (P1 OR (P2 AND (… (NOT S_DISJOINT(geometry, POLYGON(…))))))`: AND and OR
    /// alternate at every level, so nothing flattens; the deepest predicate is the one whose
    /// SQL is largest. 61 parentheses + NOT + the function + the polygon = 64 levels.
    @Test func sixtyFourLevelsOfAlternatingAndOrGiveTheAnswerTermByTerm() async throws {
        var sets: [Set<Int64>] = []
        for p in Self.predicates { sets.append(try await ids(p)) }
        let innermost = try await ids("S_DISJOINT(geometry, \(Self.disjointPolygon))")
        #expect(!innermost.isEmpty && innermost.count < all.count)
        var text = "NOT S_DISJOINT(geometry, \(Self.disjointPolygon))"
        var expected = all.subtracting(innermost)
        var json = #"{"op":"not","args":[{"op":"s_disjoint","args":[{"property":"geometry"},{"bbox":[107.55,16.42,107.65,16.50]}]}]}"#
        for level in 0..<61 {
            let p = level % Self.predicates.count
            let and = level % 2 == 0
            text = "(\(Self.predicates[p]) \(and ? "AND" : "OR") \(text))"
            expected = and ? sets[p].intersection(expected) : sets[p].union(expected)
            json = #"{"op":"\#(and ? "and" : "or")","args":[{"op":">","args":[{"property":"population"},\#(1000 * level)]},\#(json)]}"#
        }
        #expect(try await ids(text) == expected)
        #expect(!expected.isEmpty && expected.count < all.count)
        // The JSON form at 63 levels runs too (its predicates differ; the point is that it runs).
        _ = try await ids(try CQL2JSON.parse(json))
    }

    @Test func tenThousandTermsRun() async throws {
        let numbers = (0..<10_000).map(String.init)
        let got = try await ids(numbers.map { "population = \($0)" }.joined(separator: " OR "))
        #expect(!got.isEmpty)
        #expect(got == (try await ids("population IN (\(numbers.joined(separator: ",")))")))
        // Values past the cap are a 400 naming it.
        let tooMany = "population IN (" + (0...QueryRules.maximumValues).map(String.init).joined(separator: ",") + ")"
        let e = await #expect(throws: FeaturesError.self) { _ = try await ids(tooMany) }
        #expect(e?.kind == .invalidParameter && e?.message.description.contains("too complex") == true, "\(String(describing: e))")
    }

    /// Random trees within the nesting limit: each either runs or is refused as too complex,
    /// never a store failure (SQLite's parser stack overflow or "Expression tree is too large").
    @Test func randomDeepAndWideFiltersRunOrAreRefusedNeverFail() async throws {
        var rng = SplitMix(seed: 16)
        func leaf() -> CQL2Expression {
            switch Int(rng.unit() * 8) {
            case 0, 4, 5, 6: .comparison(.greater, .property("population"), .integer(Int64(rng.unit() * 20_000)))
            case 1: .spatial(.disjoint, .property("geometry"), .bbox(BoundingBox(minX: 107.5, minY: 16.4, maxX: 107.6, maxY: 16.5)))
            case 2: .not(.spatial(.intersects, .property("geometry"), .bbox(BoundingBox(minX: 107.5, minY: 16.4, maxX: 107.6, maxY: 16.5))))
            default: .isNull(.property("commune_vn"))
            }
        }
        func tree(_ depth: Int, _ maxDepth: Int) -> CQL2Expression {
            guard depth < maxDepth else { return leaf() }
            let width = 2 + Int(rng.unit() * (rng.unit() < 0.1 ? 40 : 3))
            var operands: [CQL2Expression] = []
            for _ in 1..<width { operands.append(rng.unit() < 0.08 ? tree(depth + 1, min(maxDepth, depth + 3)) : leaf()) }
            // The deep operand anywhere among the others.
            operands.insert(tree(depth + 1, maxDepth), at: min(operands.count, Int(rng.unit() * Double(operands.count + 1))))
            let node: CQL2Expression = depth % 2 == 0 ? .and(operands) : .or(operands)
            return rng.unit() < 0.3 ? .not(node) : node
        }
        var ran = 0
        for round in 0..<60 {
            let filter = tree(0, 20 + round % 44)
            do {
                _ = try await ids(filter)
                ran += 1
            } catch let e as FeaturesError {
                #expect(e.kind == .invalidParameter && e.message.description.contains("too complex"), "round \(round): \(e.kind) \(e.message.description.prefix(300))")
            }
        }
        #expect(ran > 30)
    }
}
