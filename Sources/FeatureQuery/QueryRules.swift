public import GeoModel
import PublicErrors

// The checks of an items query that do not depend on the engine: which names a filter may use,
// how a literal must be written for the field it meets, what `sortby` and `datetime` may name.
// Every backend's compiler goes through them, so a wrong query gets the same error on each.

/// A literal typed for the field it is compared with; each backend binds it as its engine
/// stores that field (SQLite keeps booleans as 0/1, PostgreSQL as `boolean`).
public enum QueryValue: Hashable, Sendable {
    case integer(Int64)
    case real(Double)
    case text(String)
    case boolean(Bool)
}

public enum QueryRules {
    /// Values (placeholders) one query may bind: keeps one request's statement to a sensible size.
    public static let maximumValues = 10_000

    /// A filter literal converted to what `field` stores, or an error saying how to write it.
    public static func value(_ s: CQL2Scalar, for field: FieldDefinition?) throws(FeaturesError) -> QueryValue {
        let numeric = field.map { $0.type == .integer || $0.type == .real } ?? false
        switch s {
        case .property: fatalError("properties are columns, not values")
        case .integer(let i):
            if let f = field, f.type == .text || f.type == .date || f.type == .dateTime {
                throw .invalid("filter", SafeMessage("features.filter.quoteText", ["name": f.name, "value": String(i)]))
            }
            return .integer(i)
        case .real(let d):
            if let f = field, f.type == .text || f.type == .date || f.type == .dateTime {
                throw .invalid("filter", SafeMessage("features.filter.quoteText", ["name": f.name, "value": "\(d)"]))
            }
            return .real(d)
        case .boolean(let b):
            if let f = field, f.type != .boolean, f.type != .integer {
                throw .invalid("filter", SafeMessage("features.filter.notBoolean", ["name": f.name, "type": f.type.rawValue]))
            }
            return .boolean(b)
        case .string(let t):
            if numeric, let f = field {
                throw .invalid("filter", SafeMessage("features.filter.unquoteNumber", ["name": f.name, "value": t]))
            }
            return .text(t)
        case .date(let t), .timestamp(let t):
            if numeric, let f = field { throw .invalid("filter", SafeMessage("features.filter.numberVsInstant", ["name": f.name, "value": t])) }
            return .text(t)
        case .folded(.string(let t), let options):
            if numeric, let f = field {
                throw .invalid("filter", SafeMessage("features.filter.unquoteNumber", ["name": f.name, "value": t]))
            }
            return .text(TextFolding.fold(t, options))
        case .folded:
            // A property inside is a column (the compilers handle it); anything else is not text.
            throw .invalid("filter", SafeMessage("features.filter.foldNotText", ["name": field?.name ?? "?"]))
        }
    }

    /// A query-string value (`property=value`) as the field's type.
    public static func value(_ text: String, for f: FieldDefinition) throws(FeaturesError) -> QueryValue {
        switch f.type {
        case .integer:
            guard let i = Int64(text) else { throw .invalid(f.name, SafeMessage("features.value.integer", ["name": f.name, "value": text])) }
            return .integer(i)
        case .real:
            guard let d = Double(text), d.isFinite else { throw .invalid(f.name, SafeMessage("features.value.number", ["name": f.name, "value": text])) }
            return .real(d)
        case .boolean:
            switch text.lowercased() {
            case "true", "1": return .boolean(true)
            case "false", "0": return .boolean(false)
            default: throw .invalid(f.name, SafeMessage("features.value.boolean", ["name": f.name, "value": text]))
            }
        case .text, .date, .dateTime: return .text(text)
        }
    }

    /// The text of a LIKE pattern (folded when written `CASEI('…')`/`ACCENTI('…')`).
    public static func likePattern(_ pattern: CQL2Scalar) throws(FeaturesError) -> String {
        switch pattern {
        case .string(let text): return text
        case .folded(.string(let text), let options): return TextFolding.fold(text, options)
        default: throw .invalid("filter", SafeMessage("features.filter.likePattern"))
        }
    }

    /// Too many values for one query (HTTP 400).
    public static func tooManyValues(_ count: Int) -> FeaturesError {
        .invalid("filter", SafeMessage("features.tooManyValues", ["count": String(count), "maximum": String(maximumValues)]))
    }
}

extension FeatureTable {
    /// The field a comparison's property names, or the error for a name that is no field.
    public func comparedField(_ name: String) throws(FeaturesError) -> FieldDefinition {
        guard let f = field(named: name) else {
            if Self.geometryNames.contains(name) {
                throw .invalid("filter", SafeMessage("features.filter.geometryCompared", ["name": name]))
            }
            throw unknownProperty(name)
        }
        return f
    }

    /// The text field `CASEI`/`ACCENTI` folds, or the error for any other name.
    public func foldedField(_ name: String) throws(FeaturesError) -> FieldDefinition {
        let f = try comparedField(name)
        guard f.type == .text else { throw .invalid("filter", SafeMessage("features.filter.foldNotText", ["name": name])) }
        return f
    }

    /// The field a scalar is, when it is one (folded or not): literals compared with it take its type.
    public func field(of s: CQL2Scalar) -> FieldDefinition? {
        switch s {
        case .property(let n), .folded(.property(let n), _): field(named: n)
        default: nil
        }
    }

    public func unknownProperty(_ name: String) -> FeaturesError {
        .invalid("filter", SafeMessage("features.filter.unknownProperty", ["name": name, "queryables": queryableNames.joined(separator: ", ")]))
    }

    /// True when a spatial operand is the geometry column; an error when it names a field.
    public func isGeometryProperty(_ o: CQL2SpatialOperand) throws(FeaturesError) -> Bool {
        guard case .property(let n) = o else { return false }
        guard Self.geometryNames.contains(n) else {
            if field(named: n) != nil {
                throw .invalid("filter", SafeMessage("features.filter.notGeometry", ["name": n]))
            }
            throw unknownProperty(n)
        }
        return true
    }
}

extension FeatureTable {
    /// Checks that the operands of one comparison (`=`, `<`, BETWEEN, IN) are all text or all
    /// numbers, once each has been checked against the field it meets. A text field against a
    /// number field, or a text literal against a number literal, means nothing CQL2 defines:
    /// SQLite would answer by its storage classes (every text above every number) and
    /// PostgreSQL refuses the statement, so every engine answers this 400 instead. Booleans count
    /// as numbers (kept as 0 and 1), dates and timestamps as text (ISO 8601).
    public func requireOneKind(_ operands: [CQL2Scalar]) throws(FeaturesError) {
        var text: CQL2Scalar?, number: CQL2Scalar?
        for o in operands {
            guard let isText = isText(o) else { continue }
            if isText { text = text ?? o } else { number = number ?? o }
        }
        if let text, let number {
            throw .invalid("filter", SafeMessage("features.filter.textAndNumber", ["text": Self.shown(text), "number": Self.shown(number)]))
        }
    }

    /// Whether the operand of LIKE is a whole number (an integer or boolean field, or such a
    /// literal) that an engine must turn into its text before matching; false for text. A real
    /// is refused: its text is each engine's own writing of the number (SQLite `3.0` and
    /// `0.333333333333333`, PostgreSQL `3` and `0.3333333333333333`), so no pattern means the
    /// same everywhere.
    public func likeOperandIsNumber(_ a: CQL2Scalar) throws(FeaturesError) -> Bool {
        let isReal: Bool
        switch a {
        case .real: isReal = true
        case .property(let n): isReal = field(named: n)?.type == .real
        default: isReal = false
        }
        if isReal { throw .invalid("filter", SafeMessage("features.filter.likeReal", ["name": Self.shown(a)])) }
        return isText(a) == false
    }

    /// True for text, false for a number, nil for a property the table lacks.
    func isText(_ s: CQL2Scalar) -> Bool? {
        switch s {
        case .property(let n):
            guard let f = field(named: n) else { return nil }
            return f.type == .text || f.type == .date || f.type == .dateTime
        case .string, .date, .timestamp, .folded: return true
        case .integer, .real, .boolean: return false
        }
    }

    /// An operand as the error message names it: a property by its name, a literal as written.
    static func shown(_ s: CQL2Scalar) -> String {
        switch s {
        case .property(let n), .string(let n), .date(let n), .timestamp(let n): String(n.prefix(64))
        case .integer(let i): String(i)
        case .real(let d): "\(d)"
        case .boolean(let b): b ? "true" : "false"
        case .folded(let inner, _): shown(inner)
        }
    }
}

/// An items query's conditions other than the filter and its order, checked against the
/// collection: what each backend turns into its SQL.
/// A CQL2 spatial comparison as every SQL compiler writes it: the geometry column kept on the
/// left (`S_WITHIN(POINT(…), geometry)` is `S_CONTAINS(geometry, POINT(…))`), the comparisons that
/// involve no column or no geometry decided here, and an empty literal refused, so that the
/// engines agree on all of it.
public enum SpatialComparison: Sendable {
    /// The column against itself: true wherever the geometry is not null when `holds` (every
    /// relation but disjoint, touches, crosses and overlaps holds for a non-empty geometry), else
    /// false everywhere.
    case columnWithItself(holds: Bool)
    /// Two literals, no column: the same answer for every feature.
    case literals(CQL2SpatialOperator, Geometry, Geometry)
    /// An operand with no geometry: false everywhere.
    case never
    /// The column against a literal geometry, with that literal's bounding box.
    case column(CQL2SpatialOperator, Geometry, BoundingBox)
}

extension CQL2SpatialOperator {
    /// The SQL function of the operator, the same name in SpatiaLite and PostGIS (OGC Simple
    /// Features for SQL).
    public var sqlFunction: String {
        switch self {
        case .intersects: "ST_Intersects"
        case .disjoint: "ST_Disjoint"
        case .within: "ST_Within"
        case .contains: "ST_Contains"
        case .equals: "ST_Equals"
        case .touches: "ST_Touches"
        case .crosses: "ST_Crosses"
        case .overlaps: "ST_Overlaps"
        }
    }
}

extension FeatureTable {
    /// `op(a, b)` rearranged as a `SpatialComparison`; an error when an operand names a field that
    /// is not the geometry or the literal geometry is empty.
    public func spatialComparison(_ op: CQL2SpatialOperator, _ a: CQL2SpatialOperand,
                                  _ b: CQL2SpatialOperand) throws(FeaturesError) -> SpatialComparison {
        let aIsColumn = try isGeometryProperty(a), bIsColumn = try isGeometryProperty(b)
        let (columnOp, literal): (CQL2SpatialOperator, Geometry?)
        switch (aIsColumn, bIsColumn) {
        case (true, true):
            switch op {
            case .disjoint, .touches, .crosses, .overlaps: return .columnWithItself(holds: false)
            default: return .columnWithItself(holds: true)
            }
        case (true, false): (columnOp, literal) = (op, b.literalGeometry)
        case (false, true): (columnOp, literal) = (op.converse, a.literalGeometry)
        case (false, false):
            guard let ga = a.literalGeometry, let gb = b.literalGeometry else { return .never }
            return .literals(op, ga, gb)
        }
        guard let g = literal, let box = g.boundingBox else {
            throw .invalid("filter", SafeMessage("features.filter.emptyGeometry", ["operator": columnOp.rawValue]))
        }
        return .column(columnOp, g, box)
    }
}

public struct CheckedItemsQuery: Sendable {
    /// `property=value` pairs, each with its field and typed value.
    public var equalities: [(field: FieldDefinition, value: QueryValue)]
    /// `datetime` with the field it applies to.
    public var datetime: (field: FieldDefinition, interval: DateTimeInterval)?
    /// `sortby`: nil field is the feature id.
    public var sort: [(field: FieldDefinition?, descending: Bool)]

    public init(_ q: ItemsQuery, in c: QueriedCollection) throws(FeaturesError) {
        equalities = []
        for eq in q.propertyEquals {
            guard let f = c.table.field(named: eq.name) else {
                throw .invalid(eq.name, SafeMessage("features.property.unknown", ["name": eq.name, "collection": c.id, "queryables": c.table.queryableNames.joined(separator: ", ")]))
            }
            equalities.append((f, try QueryRules.value(eq.value, for: f)))
        }
        datetime = nil
        if let dt = q.datetime {
            guard let f = c.temporalField else {
                throw .invalid("datetime", SafeMessage("features.datetime.noField", ["collection": c.id]))
            }
            datetime = (f, dt)
        }
        sort = []
        for k in q.sortBy {
            if k.name == "id" || k.name == "fid" { sort.append((nil, k.descending)); continue }
            guard let f = c.table.field(named: k.name) else {
                throw .invalid("sortby", SafeMessage("features.sortby.unknown", [
                    "name": String(k.name.prefix(64)), "collection": c.id, "queryables": c.table.fields.map(\.name).joined(separator: ", ")]))
            }
            sort.append((f, k.descending))
        }
    }
}
