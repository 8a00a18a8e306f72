// libFuzzer harness: the portal's multipart/form-data reader (`MultipartFile` in
// Sources/Portal/Upload.swift), on a spooled body as an upload route gives it.
// Input: the boundary on the first line (`multipart/form-data; boundary=<line>` is parsed
// for it), then the body. The reader must return a file name or throw `PortalError`.
import Foundation

private let directory = NSTemporaryDirectory() + "bando-fuzz-multipart-\(getpid())/"
private let body = URL(fileURLWithPath: directory + "body")
private let destination = URL(fileURLWithPath: directory + "file")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let newline = bytes.prefix(100).firstIndex(of: UInt8(ascii: "\n")) else { return 0 }
    let line = String(decoding: bytes[..<newline], as: UTF8.self)
    guard let boundary = MultipartFile.boundary(contentType: "multipart/form-data; boundary=" + line),
          !boundary.isEmpty else { return 0 }
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    guard FileManager.default.createFile(atPath: body.path, contents: Data(bytes[(newline + 1)...])) else { return 0 }
    if let name = try? MultipartFile.extractFirstFile(from: body, boundary: boundary, to: destination) {
        precondition(!name.contains("/"), "a file name with a path")
    }
    return 0
}
