/// The type of an attribute column, as read from the source and kept in the store.
public enum FieldType: String, Sendable, Codable, CaseIterable {
    case integer, real, text, boolean, date, dateTime
}

/// One field of a dataset's schema.
public struct FieldDefinition: Hashable, Sendable, Codable {
    public var name: String
    public var type: FieldType
    /// Width and precision as the source declared them (DBF), 0 when unknown.
    public var width: Int
    public var precision: Int
    public init(name: String, type: FieldType, width: Int = 0, precision: Int = 0) {
        self.name = name; self.type = type; self.width = width; self.precision = precision
    }
}

/// An attribute value. Dates are kept as ISO 8601 text, as GeoJSON and SQLite keep them.
public enum FieldValue: Hashable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case boolean(Bool)

    public var isNull: Bool { if case .null = self { true } else { false } }
}

/// A feature: an identifier, a geometry (possibly absent) and attribute values in schema order.
public struct Feature: Sendable, Hashable {
    public var id: Int64
    public var geometry: Geometry?
    public var values: [FieldValue]
    public init(id: Int64, geometry: Geometry?, values: [FieldValue]) {
        self.id = id; self.geometry = geometry; self.values = values
    }
}
