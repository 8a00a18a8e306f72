public import GeoModel
import PublicErrors

/// CQL2 text (`filter-lang=cql2-text`): `population > 5000 AND S_INTERSECTS(geometry, POLYGON((…)))`.
///
/// Keywords are case-insensitive; property names are case-sensitive and may be double-quoted;
/// text literals use single quotes ('' for a quote inside). Errors carry the character position.
///
/// ```swift
/// let f = try CQL2Text.parse("commune LIKE 'Phú%' AND population BETWEEN 1000 AND 5000")
/// ```
public enum CQL2Text {
    public static func parse(_ text: String) throws(CQL2SyntaxError) -> CQL2Expression {
        var parser = CQL2TextParser(tokens: try CQL2Lexer.tokens(text))
        guard parser.peek.kind != .end else { throw CQL2SyntaxError(SafeMessage("cql2.empty"), position: 1) }
        let e = try parser.orExpression()
        guard parser.peek.kind == .end else {
            throw CQL2SyntaxError(SafeMessage("cql2.expectedAndOr", parts: ["found": parser.peek.describe]), position: parser.peek.position)
        }
        return e
    }

    /// Parses one WKT geometry (also used for `intersects=`-style parameters and tests).
    public static func parseGeometry(_ wkt: String) throws(CQL2SyntaxError) -> Geometry {
        var parser = CQL2TextParser(tokens: try CQL2Lexer.tokens(wkt))
        let g = try parser.wktGeometry()
        guard parser.peek.kind == .end else {
            throw CQL2SyntaxError(SafeMessage("cql2.afterGeometry", parts: ["found": parser.peek.describe]), position: parser.peek.position)
        }
        return g
    }
}

/// Words that cannot be property names without double quotes.
private let reservedWords: Set<String> = [
    "AND", "OR", "NOT", "LIKE", "ILIKE", "BETWEEN", "IN", "IS", "NULL", "TRUE", "FALSE", "DATE", "TIMESTAMP",
]
private let wktWords: Set<String> = [
    "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION",
]

struct CQL2TextParser {
    let tokens: [CQL2Token]
    var index = 0
    /// Levels of nesting open at the current token (parentheses, NOT, spatial functions,
    /// geometries): the parser recurses once per level, so this is capped.
    var depth = 0

    init(tokens: [CQL2Token]) { self.tokens = tokens }

    var peek: CQL2Token { tokens[index] }
    mutating func advance() -> CQL2Token { let t = tokens[index]; if index < tokens.count - 1 { index += 1 }; return t }

    mutating func accept(keyword: String) -> Bool {
        if peek.keyword == keyword { index += 1; return true }
        return false
    }
    mutating func accept(symbol: String) -> Bool {
        if peek.kind == .symbol(symbol) { index += 1; return true }
        return false
    }
    /// Opens one level of nesting at `token`; the caller closes it with `depth -= 1` (a defer).
    mutating func descend(at token: CQL2Token) throws(CQL2SyntaxError) {
        depth += 1
        guard depth <= CQL2Expression.maximumNesting else { throw .nestedTooDeep(position: token.position) }
    }

    /// `context`: a `cql2.context.*` message key saying where the symbol belongs; `word`: its `{word}`.
    mutating func expect(symbol: String, _ context: String, word: String = "") throws(CQL2SyntaxError) {
        guard accept(symbol: symbol) else {
            throw CQL2SyntaxError(SafeMessage("cql2.expectedSymbol", ["symbol": symbol],
                                              parts: ["context": SafeMessage(context, ["word": word]), "found": peek.describe]),
                                  position: peek.position)
        }
    }

    // MARK: Boolean structure: OR binds loosest, then AND, then NOT.

    mutating func orExpression() throws(CQL2SyntaxError) -> CQL2Expression {
        var terms = [try andExpression()]
        while accept(keyword: "OR") { terms.append(try andExpression()) }
        return terms.count == 1 ? terms[0] : .or(terms)
    }

    mutating func andExpression() throws(CQL2SyntaxError) -> CQL2Expression {
        var terms = [try notExpression()]
        while accept(keyword: "AND") { terms.append(try notExpression()) }
        return terms.count == 1 ? terms[0] : .and(terms)
    }

    mutating func notExpression() throws(CQL2SyntaxError) -> CQL2Expression {
        let start = peek
        if accept(keyword: "NOT") {
            try descend(at: start)
            defer { depth -= 1 }
            return .not(try notExpression())
        }
        return try primary()
    }

    mutating func primary() throws(CQL2SyntaxError) -> CQL2Expression {
        let start = peek
        if accept(symbol: "(") {
            try descend(at: start)
            defer { depth -= 1 }
            let e = try orExpression()
            try expect(symbol: ")", "cql2.context.closeParenthesis")
            return e
        }
        if let word = peek.keyword, let op = CQL2SpatialOperator(rawValue: word) {
            _ = advance()
            try descend(at: start)
            defer { depth -= 1 }
            try expect(symbol: "(", "cql2.context.after", word: word)
            let a = try spatialOperand()
            try expect(symbol: ",", "cql2.context.betweenArguments", word: word)
            let b = try spatialOperand()
            try expect(symbol: ")", "cql2.context.close", word: word)
            return .spatial(op, a, b)
        }
        let left = try scalar()
        return try predicate(after: left, start: start)
    }

    mutating func predicate(after left: CQL2Scalar, start: CQL2Token) throws(CQL2SyntaxError) -> CQL2Expression {
        if case .symbol(let s) = peek.kind, let op = CQL2ComparisonOperator(rawValue: s) {
            _ = advance()
            return .comparison(op, left, try scalar())
        }
        let negated = accept(keyword: "NOT")
        var e: CQL2Expression
        if accept(keyword: "LIKE") {
            e = .like(left, pattern: try scalar())
        } else if accept(keyword: "ILIKE") {
            // Legacy CQL (GDAL 3.6 sends it for `-where "x ILIKE '…'"`): LIKE without case.
            e = .like(.fold(left, .caseInsensitive), pattern: .fold(try scalar(), .caseInsensitive))
        } else if accept(keyword: "BETWEEN") {
            let low = try scalar()
            guard accept(keyword: "AND") else {
                throw CQL2SyntaxError(SafeMessage("cql2.betweenAnd", parts: ["found": peek.describe]), position: peek.position)
            }
            e = .between(left, low: low, high: try scalar())
        } else if accept(keyword: "IN") {
            try expect(symbol: "(", "cql2.context.openIn")
            var list = [try scalar()]
            while accept(symbol: ",") { list.append(try scalar()) }
            try expect(symbol: ")", "cql2.context.closeIn")
            e = .inList(left, list)
        } else if !negated, accept(keyword: "IS") {
            let isNot = accept(keyword: "NOT")
            guard accept(keyword: "NULL") else {
                throw CQL2SyntaxError(SafeMessage(isNot ? "cql2.isNotNull" : "cql2.isNull", parts: ["found": peek.describe]), position: peek.position)
            }
            return isNot ? .not(.isNull(left)) : .isNull(left)
        } else if !negated, case .boolean(let b) = left {
            return .literal(b)
        } else {
            throw CQL2SyntaxError(SafeMessage("cql2.expectedPredicate", parts: ["after": start.describe, "found": peek.describe]),
                                  position: peek.position)
        }
        return negated ? .not(e) : e
    }

    mutating func scalar() throws(CQL2SyntaxError) -> CQL2Scalar {
        let t = advance()
        switch t.kind {
        case .quotedIdentifier(let name): return .property(name)
        case .string(let s): return .string(s)
        case .number(let n):
            if let i = Int64(n) { return .integer(i) }
            guard let d = Double(n), d.isFinite else { throw CQL2SyntaxError(SafeMessage("cql2.numberTooLarge", ["value": String(n.prefix(40))]), position: t.position) }
            return .real(d)
        case .word(let w):
            switch w.uppercased() {
            case "TRUE": return .boolean(true)
            case "FALSE": return .boolean(false)
            case "CASEI", "ACCENTI" where peek.kind == .symbol("("):
                let word = w.uppercased()
                try expect(symbol: "(", "cql2.context.after", word: word)
                try descend(at: t)
                defer { depth -= 1 }
                let inner = try scalar()
                try expect(symbol: ")", "cql2.context.close", word: word)
                return .fold(inner, word == "CASEI" ? .caseInsensitive : .accentInsensitive)
            case "DATE", "TIMESTAMP":
                let isDate = w.uppercased() == "DATE"
                try expect(symbol: "(", "cql2.context.after", word: w.uppercased())
                let lit = advance()
                guard case .string(let s) = lit.kind else {
                    throw CQL2SyntaxError(SafeMessage("cql2.expectedInstant", ["word": w.uppercased()], parts: ["found": lit.describe]), position: lit.position)
                }
                guard isDate ? isISODate(s) : isISOTimestamp(s) else {
                    throw CQL2SyntaxError(SafeMessage(isDate ? "cql2.notDate" : "cql2.notTimestamp", ["value": s]), position: lit.position)
                }
                try expect(symbol: ")", "cql2.context.close", word: w.uppercased())
                return isDate ? .date(s) : .timestamp(s)
            default:
                if reservedWords.contains(w.uppercased()) {
                    throw CQL2SyntaxError(SafeMessage("cql2.expectedScalar.keyword", ["keyword": w.uppercased()]), position: t.position)
                }
                return .property(w)
            }
        case .symbol, .end:
            throw CQL2SyntaxError(SafeMessage("cql2.expectedScalar", parts: ["found": t.describe]), position: t.position)
        }
    }

    // MARK: Spatial operands: a property, BBOX(…) or a WKT literal.

    mutating func spatialOperand() throws(CQL2SyntaxError) -> CQL2SpatialOperand {
        if let word = peek.keyword {
            if word == "BBOX" {
                let at = advance().position
                try expect(symbol: "(", "cql2.context.after", word: "BBOX")
                var n = [try number()]
                while accept(symbol: ",") { n.append(try number()) }
                try expect(symbol: ")", "cql2.context.close", word: "BBOX")
                let box: BoundingBox
                switch n.count {
                case 4: box = BoundingBox(minX: n[0], minY: n[1], maxX: n[2], maxY: n[3])
                case 6: box = BoundingBox(minX: n[0], minY: n[1], maxX: n[3], maxY: n[4])
                default: throw CQL2SyntaxError(SafeMessage("cql2.bboxCount", ["count": String(n.count)]), position: at)
                }
                guard box.minX <= box.maxX, box.minY <= box.maxY else {
                    throw CQL2SyntaxError(SafeMessage("cql2.bboxOrder"), position: at)
                }
                return .bbox(box)
            }
            if wktWords.contains(word) { return .geometry(try wktGeometry()) }
        }
        let t = advance()
        switch t.kind {
        case .word(let w) where !reservedWords.contains(w.uppercased()): return .property(w)
        case .quotedIdentifier(let w): return .property(w)
        default:
            throw CQL2SyntaxError(SafeMessage("cql2.expectedSpatial", parts: ["found": t.describe]), position: t.position)
        }
    }

    mutating func number() throws(CQL2SyntaxError) -> Double {
        let t = advance()
        guard case .number(let n) = t.kind, let d = Double(n), d.isFinite else {
            throw CQL2SyntaxError(SafeMessage("cql2.expectedNumber", parts: ["found": t.describe]), position: t.position)
        }
        return d
    }

    // MARK: WKT

    mutating func wktGeometry() throws(CQL2SyntaxError) -> Geometry {
        let t = advance()
        guard let word = t.keyword, wktWords.contains(word) else {
            throw CQL2SyntaxError(SafeMessage("cql2.expectedWKT", parts: ["found": t.describe]), position: t.position)
        }
        // GEOMETRYCOLLECTION recurses here.
        try descend(at: t)
        defer { depth -= 1 }
        // Z, M and ZM ordinates are read and dropped: the store is 2-D.
        if let k = peek.keyword, k == "Z" || k == "M" || k == "ZM" { _ = advance() }
        try expect(symbol: "(", "cql2.context.after", word: word)
        let g: Geometry
        switch word {
        case "POINT": g = .point(try position())
        case "LINESTRING": g = .lineString(try positions(minimum: 2, word))
        case "POLYGON": g = .polygon(try rings())
        case "MULTIPOINT":
            var ps: [Position] = []
            repeat {
                if accept(symbol: "(") { ps.append(try position()); try expect(symbol: ")", "cql2.context.afterMultiPoint") }
                else { ps.append(try position()) }
            } while accept(symbol: ",")
            g = .multiPoint(ps)
        case "MULTILINESTRING":
            var ls: [[Position]] = []
            repeat {
                try expect(symbol: "(", "cql2.context.openMultiLine")
                ls.append(try positions(minimum: 2, "LINESTRING"))
                try expect(symbol: ")", "cql2.context.closeMultiLine")
            } while accept(symbol: ",")
            g = .multiLineString(ls)
        case "MULTIPOLYGON":
            var ps: [[[Position]]] = []
            repeat {
                try expect(symbol: "(", "cql2.context.openMultiPolygon")
                ps.append(try rings())
                try expect(symbol: ")", "cql2.context.closeMultiPolygon")
            } while accept(symbol: ",")
            g = .multiPolygon(ps)
        default:
            var gs: [Geometry] = []
            repeat { gs.append(try wktGeometry()) } while accept(symbol: ",")
            g = .geometryCollection(gs)
        }
        try expect(symbol: ")", "cql2.context.close", word: word)
        return g
    }

    mutating func position() throws(CQL2SyntaxError) -> Position {
        let x = try number(), y = try number()
        while case .number = peek.kind { _ = advance() } // Z / M
        return Position(x, y)
    }

    mutating func positions(minimum: Int, _ what: String) throws(CQL2SyntaxError) -> [Position] {
        let at = peek.position
        var ps = [try position()]
        while accept(symbol: ",") { ps.append(try position()) }
        guard ps.count >= minimum else {
            throw CQL2SyntaxError(SafeMessage("cql2.tooFewPositions", ["what": what, "minimum": String(minimum), "count": String(ps.count)]), position: at)
        }
        return ps
    }

    mutating func rings() throws(CQL2SyntaxError) -> [[Position]] {
        var rs: [[Position]] = []
        repeat {
            try expect(symbol: "(", "cql2.context.openRing")
            let at = peek.position
            let ring = try positions(minimum: 4, "POLYGON")
            guard ring.first == ring.last else {
                throw CQL2SyntaxError(SafeMessage("cql2.ringNotClosed"), position: at)
            }
            rs.append(ring)
            try expect(symbol: ")", "cql2.context.closeRing")
        } while accept(symbol: ",")
        return rs
    }
}

public func isISODate(_ s: String) -> Bool {
    let b = Array(s.utf8)
    guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return false }
    return b.enumerated().allSatisfy { i, c in i == 4 || i == 7 || (c >= 48 && c <= 57) }
}

public func isISOTimestamp(_ s: String) -> Bool {
    let b = Array(s.utf8)
    guard b.count >= 19, isISODate(String(decoding: b[0..<10], as: UTF8.self)),
          b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " "), b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":") else { return false }
    return true
}
