// libFuzzer harness: a CQL2 text `filter` (Sources/FeatureQuery/CQL2+Text.swift) as the items route
// reads it: parsed, its properties listed, compiled to SQL for a table of each field type.
// Any text must give a filter or a `CQL2SyntaxError`/`FeaturesError`; never trap.
import FeatureQuery
import GeoModel

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let filter = try? CQL2Text.parse(text) else { return 0 }
    _ = filter.propertyNames
    _ = try? CQL2Compiler(table: fuzzTable).compile(filter)
    return 0
}

/// A table with one field of every type, named as the seeds name them.
let fuzzTable = FeatureTable(name: "fuzz", fields: [
    FieldDefinition(name: "name", type: .text), FieldDefinition(name: "population", type: .integer),
    FieldDefinition(name: "area", type: .real), FieldDefinition(name: "open", type: .boolean),
    FieldDefinition(name: "day", type: .date), FieldDefinition(name: "updated", type: .dateTime),
])
