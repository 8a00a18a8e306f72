/// A filter with NOT only on predicates and no AND directly inside an AND (nor OR in OR).
///
/// CQL2 is two-valued here: NOT of an unknown (NULL) comparison is true, and a NULL anywhere
/// else counts as false. Under that reading De Morgan's laws hold, so pushing NOT down keeps
/// the answer; a backend writes a negated predicate so that it is true for false and NULL
/// (`(p) IS NOT 1` in SQLite, `(p) IS NOT TRUE` in PostgreSQL).
public indirect enum CQL2NormalForm: Sendable {
    case all([CQL2NormalForm])
    case any([CQL2NormalForm])
    case predicate(CQL2Expression, negated: Bool)

    public init(_ e: CQL2Expression, negated: Bool = false) {
        switch e {
        case .and(let es): self = Self.merged(es.map { CQL2NormalForm($0, negated: negated) }, all: !negated)
        case .or(let es): self = Self.merged(es.map { CQL2NormalForm($0, negated: negated) }, all: negated)
        case .not(let x): self = CQL2NormalForm(x, negated: !negated)
        case .literal(let b): self = .predicate(.literal(b != negated), negated: false)
        default: self = .predicate(e, negated: negated)
        }
    }

    /// `.all` (or `.any`) of the operands, with operands of the same kind merged in.
    private static func merged(_ operands: [CQL2NormalForm], all: Bool) -> CQL2NormalForm {
        var out: [CQL2NormalForm] = []
        for o in operands {
            switch (o, all) {
            case (.all(let inner), true), (.any(let inner), false): out += inner
            default: out.append(o)
            }
        }
        return all ? .all(out) : .any(out)
    }
}
