import CGDAL
import Foundation

/// What is wrong with a shapefile set, found before GDAL reads it. GDAL's shapefile driver is
/// lenient: it reads a set without its `.dbf`, a `.dbf` that promises two billion records and
/// holds two, records of a length that runs past the file, a shape type that does not exist, and
/// NaN coordinates (as empty points), and the ingest would publish what it made of them.
/// `problem` names the `ingest.shapefile.*` message (`nonFinite` is
/// `ingest.coordinates.nonFinite`); `arguments` fill it; `detail` is for the log.
public struct ShapefileDefect: Error, CustomStringConvertible, Sendable {
    public var problem: String
    public var arguments: [String: String]
    public var detail: String
    public var description: String { "shapefile: \(problem) \(arguments) (\(detail))" }
}

/// Reads the headers of a shapefile set and walks every record of its `.shp` once (sequentially,
/// a buffer at a time, through GDAL's virtual files, so zips are read in place) and checks that
/// the three files hold together: the layout of each record, its shape type, that its x and y
/// are numbers, and that the `.dbf` holds as many records as the `.shp`.
public enum ShapefileCheck {
    /// Shape types of the specification (ESRI, 1998): null, point, polyline, polygon, multipoint,
    /// each plain, Z and M, and multipatch.
    static let shapeTypes: Set<Int32> = [0, 1, 3, 5, 8, 11, 13, 15, 18, 21, 23, 25, 28, 31]

    /// `shp`: the `.shp` as GDAL opens it (a file path or `/vsizip/…/x.shp`).
    public static func check(shp: String) throws(ShapefileDefect) {
        let base = String(shp.dropLast(4))
        func sibling(_ ext: String) -> String? {
            for candidate in [base + "." + ext, base + "." + ext.uppercased()] where size(of: candidate) != nil { return candidate }
            return nil
        }
        guard sibling("shx") != nil else { throw defect("missingFile", ["ext": ".shx"], "no .shx beside the .shp") }
        guard let dbf = sibling("dbf") else { throw defect("missingFile", ["ext": ".dbf"], "no .dbf beside the .shp") }
        let records = try checkShapes(shp)
        try checkTable(dbf, shapes: records)
    }

    private static func defect(_ problem: String, _ arguments: [String: String] = [:], _ detail: String) -> ShapefileDefect {
        ShapefileDefect(problem: problem, arguments: arguments, detail: detail)
    }

    private static func size(of path: String) -> Int? { VirtualFileReader(path)?.size }

    /// Walks the `.shp`; returns its number of records.
    static func checkShapes(_ path: String) throws(ShapefileDefect) -> Int {
        guard var reader = VirtualFileReader(path) else { throw defect("damaged", ["ext": ".shp"], "the .shp cannot be opened") }
        let fileSize = reader.size
        guard fileSize >= 100, let header = reader.read(100) else {
            throw defect("damaged", ["ext": ".shp"], "the .shp is shorter than its 100-byte header")
        }
        guard header.bigInt32(0) == 9994, header.littleInt32(28) == 1000 else {
            throw defect("damaged", ["ext": ".shp"], "the .shp header is not a shapefile's (file code, version)")
        }
        let declared = Int(header.bigInt32(24)) * 2
        guard declared >= 100, declared <= fileSize else {
            throw defect("damaged", ["ext": ".shp"], "the .shp header declares \(declared) bytes, the file has \(fileSize)")
        }
        let type = header.littleInt32(32)
        guard shapeTypes.contains(type) else { throw defect("shapeType", ["type": String(type)], "shape type \(type) in the header") }

        var offset = 100
        var count = 0
        while offset < declared {
            count += 1
            let record = String(count)
            guard offset + 8 <= declared, let head = reader.read(8) else {
                throw defect("record", ["record": record], "record \(count) header runs past the end at \(offset)")
            }
            let words = Int(head.bigInt32(4))
            // 256 MB: sixteen million points in one shape, far past any real one.
            guard words >= 2, words <= 1 << 27, offset + 8 + words * 2 <= declared, let content = reader.read(words * 2) else {
                throw defect("record", ["record": record], "record \(count) declares \(words) words at \(offset)")
            }
            let recordType = content.littleInt32(0)
            guard recordType == 0 || recordType == type else {
                throw defect("record", ["record": record], "record \(count) has shape type \(recordType), the file \(type)")
            }
            guard try coordinatesAreNumbers(content, type: recordType, record: count) else {
                throw defect("nonFinite", ["feature": record], "record \(count) has a coordinate that is not a number")
            }
            offset += 8 + words * 2
        }
        return count
    }

    /// Whether every x and y of one record's content is finite; throws when the counts it
    /// declares do not fit in it.
    private static func coordinatesAreNumbers(_ c: [UInt8], type: Int32, record: Int) throws(ShapefileDefect) -> Bool {
        func finite(_ at: Int) -> Bool { c.littleDouble(at).isFinite && c.littleDouble(at + 8).isFinite }
        let short = defect("record", ["record": String(record)], "record \(record) is too short for what it declares")
        switch type {
        case 0:
            return true
        case 1, 11, 21:
            guard c.count >= 20 else { throw short }
            return finite(4)
        case 8, 18, 28:
            guard c.count >= 40 else { throw short }
            let points = Int(c.littleInt32(36))
            guard points >= 0, points <= (c.count - 40) / 16 else { throw short }
            return (0..<points).allSatisfy { finite(40 + 16 * $0) }
        default:   // polyline, polygon (plain, Z, M) and multipatch
            guard c.count >= 44 else { throw short }
            let parts = Int(c.littleInt32(36)), points = Int(c.littleInt32(40))
            let partBytes = (type == 31 ? 8 : 4)
            guard parts >= 0, points >= 0, parts <= (c.count - 44) / partBytes else { throw short }
            let start = 44 + parts * partBytes
            guard points <= (c.count - start) / 16 else { throw short }
            return (0..<points).allSatisfy { finite(start + 16 * $0) }
        }
    }

    /// Checks the `.dbf`'s header against its size and against the `.shp`'s record count.
    static func checkTable(_ path: String, shapes: Int) throws(ShapefileDefect) {
        let damaged = { (detail: String) in defect("damaged", ["ext": ".dbf"], detail) }
        guard var reader = VirtualFileReader(path) else { throw damaged("the .dbf cannot be opened") }
        let fileSize = reader.size
        guard fileSize >= 33, let header = reader.read(32) else { throw damaged("the .dbf is shorter than a header (\(fileSize) bytes)") }
        let records = Int(header.littleUInt32(4))
        let headerLength = Int(header.littleUInt16(8))
        let recordLength = Int(header.littleUInt16(10))
        guard headerLength >= 33, headerLength <= fileSize else {
            throw damaged("the .dbf header declares \(headerLength) bytes, the file has \(fileSize)")
        }
        guard let descriptors = reader.read(headerLength - 32) else { throw damaged("the .dbf header cannot be read") }
        var fieldBytes = 0
        var at = 0
        while at + 32 <= descriptors.count, descriptors[at] != 0x0D {
            fieldBytes += Int(descriptors[at + 16])
            at += 32
        }
        guard at < descriptors.count, descriptors[at] == 0x0D else { throw damaged("the .dbf field list has no end mark") }
        guard recordLength >= 1 + fieldBytes, recordLength > 0 else {
            throw damaged("the .dbf records are \(recordLength) bytes, its fields take \(fieldBytes)")
        }
        guard headerLength + records * recordLength <= fileSize else {
            throw defect("tableShort", ["records": String(records)],
                         "the .dbf declares \(records) records of \(recordLength) bytes after \(headerLength), the file has \(fileSize)")
        }
        guard records == shapes else {
            throw defect("counts", ["shapes": String(shapes), "records": String(records)],
                         "the .shp holds \(shapes) shapes, the .dbf \(records) records")
        }
    }
}

/// Sequential reads of a file through GDAL's virtual file system, a megabyte at a time.
struct VirtualFileReader {
    private let handle: UnsafeMutablePointer<VSILFILE>
    private var buffer: [UInt8] = []
    private var position = 0
    private let owner: Closer
    /// The file's size in bytes (inflated, for a file in a zip).
    let size: Int

    final class Closer {
        let handle: UnsafeMutablePointer<VSILFILE>
        init(_ h: UnsafeMutablePointer<VSILFILE>) { handle = h }
        deinit { VSIFCloseL(handle) }
    }

    init?(_ path: String) {
        guard let fp = VSIFOpenL(path, "rb") else { return nil }
        handle = fp
        owner = Closer(fp)
        guard VSIFSeekL(fp, 0, SEEK_END) == 0 else { return nil }
        size = Int(VSIFTellL(fp))
        guard VSIFSeekL(fp, 0, SEEK_SET) == 0 else { return nil }
    }

    /// The next `n` bytes, or nil when the file ends first.
    mutating func read(_ n: Int) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(n)
        while out.count < n {
            if position == buffer.count {
                buffer = [UInt8](repeating: 0, count: 1 << 20)
                let got = buffer.withUnsafeMutableBytes { VSIFReadL($0.baseAddress, 1, 1 << 20, handle) }
                buffer.removeSubrange(Int(got)...)
                position = 0
                if got == 0 { return nil }
            }
            let take = min(n - out.count, buffer.count - position)
            out.append(contentsOf: buffer[position..<(position + take)])
            position += take
        }
        return out
    }
}

extension Array where Element == UInt8 {
    func bigInt32(_ at: Int) -> Int32 {
        Int32(bitPattern: UInt32(self[at]) << 24 | UInt32(self[at + 1]) << 16 | UInt32(self[at + 2]) << 8 | UInt32(self[at + 3]))
    }
    func littleUInt32(_ at: Int) -> UInt32 {
        UInt32(self[at]) | UInt32(self[at + 1]) << 8 | UInt32(self[at + 2]) << 16 | UInt32(self[at + 3]) << 24
    }
    func littleInt32(_ at: Int) -> Int32 { Int32(bitPattern: littleUInt32(at)) }
    func littleUInt16(_ at: Int) -> UInt16 { UInt16(self[at]) | UInt16(self[at + 1]) << 8 }
    func littleDouble(_ at: Int) -> Double {
        Double(bitPattern: UInt64(littleUInt32(at)) | UInt64(littleUInt32(at + 4)) << 32)
    }
}
