/// What went wrong deciding or using a VN-2000 system, worded for the person running the ingest.
public enum VN2000Error: Error, CustomStringConvertible, Sendable {
    case ambiguousCoordinates([VN2000Candidate])
    case coordinatesFitNoZone(String)
    case unknownProvince(String)
    case provinceWithoutZone(VN2000Province)
    case unknownCRS(String)
    case proj(String)

    public var description: String {
        switch self {
        case .ambiguousCoordinates(let candidates):
            return "The file has no .prj and its coordinates fit more than one system:\n"
                + candidates.map { "  - \($0)" }.joined(separator: "\n")
                + "\nChoose one with --crs EPSG:… or --province NAME (that province's TM-3 zone)."
        case .coordinatesFitNoZone(let why):
            return "Cannot infer the coordinate system: \(why). Pass it with --crs EPSG:… (e.g. EPSG:9214 for "
                + "VN-2000 / TM-3 107°00′) or --province NAME."
        case .unknownProvince(let name):
            return "No province called \"\(name)\". Use a name as on official maps (with or without tone marks), "
                + "e.g. --province \"Thừa Thiên Huế\" or --province \"Soc Trang\"."
        case .provinceWithoutZone(let p):
            let former = p.formerProvinces.compactMap { f in VN2000.provinces.first { $0.name == f } }
                .map { "\"\($0.name)\" (\(VN2000CRS.degreesMinutes($0.centralMeridian!)))" }.joined(separator: ", ")
            return "\(p.name) was formed in 2025 from provinces with different TM-3 zones and no zone is set for it: "
                + "pass the former province the data was surveyed in, one of \(former)."
        case .unknownCRS(let text):
            return "The coordinate system \"\(text.prefix(200))\" is not one PROJ or the VN-2000 table knows. "
                + "Pass it with --crs EPSG:… or --province NAME."
        case .proj(let message):
            return "PROJ: \(message)"
        }
    }
}
