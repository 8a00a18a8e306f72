// libFuzzer harness: a CQL2 JSON `filter` (Sources/FeatureQuery/CQL2+JSON.swift, JSONValue.swift),
// as a query parameter or a POST body: parsed, its properties listed, compiled to SQL for a
// table of each field type. Never a trap, whatever the bytes.
import FeatureQuery
import GeoModel

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let filter = try? CQL2JSON.parse(text) else { return 0 }
    _ = filter.propertyNames
    _ = try? CQL2Compiler(table: fuzzTable).compile(filter)
    return 0
}

let fuzzTable = FeatureTable(name: "fuzz", fields: [
    FieldDefinition(name: "name", type: .text), FieldDefinition(name: "population", type: .integer),
    FieldDefinition(name: "area", type: .real), FieldDefinition(name: "open", type: .boolean),
    FieldDefinition(name: "day", type: .date), FieldDefinition(name: "updated", type: .dateTime),
])
