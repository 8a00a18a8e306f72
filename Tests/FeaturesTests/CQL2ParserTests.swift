import Testing
import PublicErrors
import GeoModel
@testable import Features

/// CQL2 text and JSON read into the same trees; errors point at the mistake.
@Suite struct CQL2TextTests {
    @Test func comparisonsAndBooleanPrecedence() throws {
        let e = try CQL2Text.parse("population > 5000 and province = 'Thừa Thiên Huế' or NOT area <= 1.5")
        #expect(e == .or([
            .and([.comparison(.greater, .property("population"), .integer(5000)),
                  .comparison(.equal, .property("province"), .string("Thừa Thiên Huế"))]),
            .not(.comparison(.lessOrEqual, .property("area"), .real(1.5))),
        ]))
    }

    @Test func parenthesesOverridePrecedence() throws {
        let e = try CQL2Text.parse("a = 1 AND (b = 2 OR c = 3)")
        #expect(e == .and([.comparison(.equal, .property("a"), .integer(1)),
                           .or([.comparison(.equal, .property("b"), .integer(2)), .comparison(.equal, .property("c"), .integer(3))])]))
    }

    @Test func advancedComparisons() throws {
        #expect(try CQL2Text.parse("name LIKE 'Phú%'") == .like(.property("name"), pattern: .string("Phú%")))
        #expect(try CQL2Text.parse("name NOT LIKE 'x_'") == .not(.like(.property("name"), pattern: .string("x_"))))
        #expect(try CQL2Text.parse("p BETWEEN 10 AND 20.5") == .between(.property("p"), low: .integer(10), high: .real(20.5)))
        #expect(try CQL2Text.parse("p NOT BETWEEN -1 AND 1") == .not(.between(.property("p"), low: .integer(-1), high: .integer(1))))
        #expect(try CQL2Text.parse("id IN (1, 2, 3)") == .inList(.property("id"), [.integer(1), .integer(2), .integer(3)]))
        #expect(try CQL2Text.parse("d NOT IN ('a','b')") == .not(.inList(.property("d"), [.string("a"), .string("b")])))
        #expect(try CQL2Text.parse("note IS NULL") == .isNull(.property("note")))
        #expect(try CQL2Text.parse("note IS NOT NULL") == .not(.isNull(.property("note"))))
    }

    @Test func literalsQuotingAndKeywordsCase() throws {
        #expect(try CQL2Text.parse(#""tên xã" = 'it''s'"#) == .comparison(.equal, .property("tên xã"), .string("it's")))
        #expect(try CQL2Text.parse("flag = true") == .comparison(.equal, .property("flag"), .boolean(true)))
        #expect(try CQL2Text.parse("d >= DATE('2024-01-15')") == .comparison(.greaterOrEqual, .property("d"), .date("2024-01-15")))
        #expect(try CQL2Text.parse("t < timestamp('2024-01-15T08:00:00Z')") == .comparison(.less, .property("t"), .timestamp("2024-01-15T08:00:00Z")))
        #expect(try CQL2Text.parse("x = 1.5e3") == .comparison(.equal, .property("x"), .real(1500)))
        #expect(try CQL2Text.parse("TRUE") == .literal(true))
    }

    @Test func spatialFunctionsWithWKTAndBBox() throws {
        let e = try CQL2Text.parse("S_INTERSECTS(geometry, POLYGON((107.5 16.4, 107.6 16.4, 107.6 16.5, 107.5 16.4)))")
        #expect(e == .spatial(.intersects, .property("geometry"), .geometry(.polygon([[Position(107.5, 16.4), Position(107.6, 16.4), Position(107.6, 16.5), Position(107.5, 16.4)]]))))
        #expect(try CQL2Text.parse("s_within(geometry, BBOX(1,2,3,4))") == .spatial(.within, .property("geometry"), .bbox(BoundingBox(minX: 1, minY: 2, maxX: 3, maxY: 4))))
        #expect(try CQL2Text.parse("S_CONTAINS(geometry, POINT(107.6 16.46))") == .spatial(.contains, .property("geometry"), .geometry(.point(Position(107.6, 16.46)))))
        #expect(try CQL2Text.parse("S_DISJOINT(geometry, LINESTRING(0 0, 1 1))") == .spatial(.disjoint, .property("geometry"), .geometry(.lineString([Position(0, 0), Position(1, 1)]))))
        #expect(try CQL2Text.parse("S_INTERSECTS(geometry, MULTIPOINT((1 2), (3 4)))") == .spatial(.intersects, .property("geometry"), .geometry(.multiPoint([Position(1, 2), Position(3, 4)]))))
        #expect(try CQL2Text.parse("S_INTERSECTS(geometry, POINT Z (1 2 3))") == .spatial(.intersects, .property("geometry"), .geometry(.point(Position(1, 2)))))
    }

    @Test func syntaxErrorsSayWhereAndWhat() {
        func error(_ text: String) -> CQL2SyntaxError? {
            do { _ = try CQL2Text.parse(text); return nil } catch { return error }
        }
        #expect(error("population >")?.message.description == "expected a property or a value, found the end of the filter")
        #expect(error("population >")?.position == 13)
        #expect(error("population >")?.shown.text(in: .vi) == "Lỗi cú pháp CQL2 tại ký tự thứ 13: cần một thuộc tính hoặc một giá trị, nhưng gặp kết thúc bộ lọc")
        #expect(error("population 5000")?.position == 12)
        #expect(error("name = 'unclosed")?.position == 8)
        #expect(error("a = 1 AND")?.position == 10)
        #expect(error("p BETWEEN 1 OR 2")?.message.description.contains("expected AND") == true)
        #expect(error("S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1)))")?.message.description.contains("at least 4") == true)
        #expect(error("S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 1)))")?.message.description.contains("not closed") == true)
        #expect(error("a != 1")?.message.description.contains("<>") == true)
        #expect(error("a = 1)")?.position == 6)
        #expect(error("")?.message.description == "the filter is empty")
    }
}

@Suite struct CQL2JSONTests {
    @Test func sameTreeAsText() throws {
        let json = """
        {"op": "and", "args": [
          {"op": ">", "args": [{"property": "population"}, 5000]},
          {"op": "like", "args": [{"property": "commune"}, "Phú%"]},
          {"op": "between", "args": [{"property": "area"}, 1, 2.5]},
          {"op": "in", "args": [{"property": "district_id"}, [1, 2]]},
          {"op": "not", "args": [{"op": "isNull", "args": [{"property": "note"}]}]},
          {"op": "s_intersects", "args": [{"property": "geometry"},
             {"type": "Polygon", "coordinates": [[[107.5, 16.4], [107.6, 16.4], [107.6, 16.5], [107.5, 16.4]]]}]},
          {"op": "s_within", "args": [{"property": "geometry"}, {"bbox": [1, 2, 3, 4]}]}
        ]}
        """
        let text = "population > 5000 AND commune LIKE 'Phú%' AND area BETWEEN 1 AND 2.5 AND district_id IN (1, 2) AND note IS NOT NULL AND S_INTERSECTS(geometry, POLYGON((107.5 16.4, 107.6 16.4, 107.6 16.5, 107.5 16.4))) AND S_WITHIN(geometry, BBOX(1, 2, 3, 4))"
        #expect(try CQL2JSON.parse(json) == CQL2Text.parse(text))
    }

    @Test func errorsNameTheJSONPath() {
        func message(_ json: String) -> String? {
            do { _ = try CQL2JSON.parse(json); return nil } catch { return error.message.description }
        }
        #expect(message(#"{"op": "=", "args": [{"property": "a"}]}"#) == #"at $.args: "=" takes 2 arguments, not 1"#)
        #expect(message(#"{"op": "and", "args": [{"op": "≈", "args": []}, true]}"#)?.hasPrefix("at $.args[0].op: unknown operator") == true)
        #expect(message(#"{"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1]]]}]}"#)?.hasPrefix("at $.args[1].coordinates[0]") == true)
        #expect(message("{not json")?.contains("not valid JSON") == true)
    }
}
