/// How the compiled SQL of a filter is laid out so that SQLite can always parse it.
///
/// SQLite refuses a statement in two ways that a client's filter could provoke, and both were
/// answered 500 before: its LALR parser has a fixed stack of 100 entries ("parser stack
/// overflow": the SQLite we run against overflowed at 19 nested CQL2 NOTs compiled as
/// `NOT coalesce((…), 0)`), and an expression tree may be at most 1,000 levels high ("Expression
/// tree is too large": `a AND b AND …` is one level per term). So the compiler:
///
/// - pushes NOT down to the predicates (De Morgan) and merges an AND inside an AND (an OR inside
///   an OR), so only alternations of AND and OR nest;
/// - writes the most nested operand of an AND/OR first: a parenthesis opened first costs one
///   parser entry, one opened after `… AND` costs three;
/// - puts the other operands of a long AND/OR in groups of at most 32, so the tree grows with
///   the logarithm of their number;
/// - keeps an estimate of both measures (`SQLCondition`) and refuses, with a 400, a filter whose
///   SQL would still be too deep. Any filter within `CQL2Expression.maximumNesting` made of
///   AND/OR groups of ordinary width passes (tests run 64 levels of every shape).
struct SQLCondition {
    var sql: String
    var arguments: [SQLValue]
    /// Entries this text needs on SQLite's parser stack at its deepest point.
    var parserDepth: Int
    /// Height of the expression tree SQLite builds from it.
    var height: Int

    /// Parser entries a filter may take: the SQLite we ship against overflows at 100, and the
    /// items query around the filter (`SELECT … WHERE (filter) AND (…) ORDER BY …`) takes about
    /// 10 (measured with the deepest predicate, a negated S_DISJOINT, against SQLite 3.40).
    static let parserDepthBudget = 86
    /// Tree height a filter may take (SQLite's limit is 1,000; the query around it adds a few).
    static let heightBudget = 950

    /// The operands joined by `op` ("AND" or "OR"), laid out as the type's comment says.
    static func joined(_ operands: [SQLCondition], _ op: String) -> SQLCondition {
        // Most nested first; otherwise in the order written (stable).
        let sorted = operands.enumerated().sorted { a, b in
            a.element.parserDepth != b.element.parserDepth ? a.element.parserDepth > b.element.parserDepth : a.offset < b.offset
        }.map(\.element)
        guard sorted.count > 8, let first = sorted.first else { return chain(sorted, op) }
        return chain([first, grouped(Array(sorted.dropFirst()), op)], op)
    }

    /// Groups of at most 32 operands, then groups of those groups, and so on.
    private static func grouped(_ operands: [SQLCondition], _ op: String) -> SQLCondition {
        guard operands.count > 32 else { return chain(operands, op) }
        let groups = stride(from: 0, to: operands.count, by: 32).map { start in
            chain(Array(operands[start..<min(start + 32, operands.count)]), op)
        }
        return grouped(groups, op)
    }

    /// `(a) OP (b) OP (c)`: SQLite reads it as `((a OP b) OP c)`, so the first operand sits
    /// `count - 1` levels down and the k-th (k ≥ 1, from 0) `count - k` levels down; the first
    /// parenthesis takes one parser entry, the later ones three (`expr OP (`).
    private static func chain(_ operands: [SQLCondition], _ op: String) -> SQLCondition {
        guard operands.count > 1, let first = operands.first else {
            return operands.first ?? SQLCondition(sql: op == "AND" ? "1" : "0", arguments: [], parserDepth: 1, height: 1)
        }
        let n = operands.count
        var sql = ""
        var arguments: [SQLValue] = []
        var parserDepth = 1 + first.parserDepth
        var height = n - 1 + first.height
        for (k, o) in operands.enumerated() {
            if k > 0 {
                sql += " \(op) "
                parserDepth = max(parserDepth, 3 + o.parserDepth)
                height = max(height, n - k + o.height)
            }
            sql += "(\(o.sql))"
            arguments += o.arguments
        }
        return SQLCondition(sql: sql, arguments: arguments, parserDepth: parserDepth, height: height)
    }
}

