import Foundation

/// What a `.prj` (or a `--crs` value) turned out to be.
public struct VN2000Recognition: Sendable, Hashable {
    public var crs: VN2000CRS
    /// How it was recognised, for the report: "EPSG code 9214", "ESRI WKT without the datum shift"…
    public var evidence: String
    /// True when the text carried the VN-2000 → WGS 84 shift itself (EPSG code, TOWGS84, +towgs84).
    public var hadDatumShift: Bool
}

extension VN2000 {
    /// Recognises a VN-2000 system in the text of a `.prj` or a `--crs` value: EPSG codes
    /// ("EPSG:9214", `AUTHORITY["EPSG","3405"]`, `ID["EPSG",5897]`), EPSG-style and ESRI WKT
    /// (with or without TOWGS84), PROJ strings, and the loose names agencies type
    /// ("VN_2000_Hue", "VN2000 mui 3 KTT 107", "VN-2000 TM3 105-45", "VN2000 UTM 48").
    /// Also a transverse Mercator with scale 0.9999, false easting 500 000 m and a TM-3
    /// meridian, whatever datum it names: no one else uses those parameters in Vietnam, and
    /// such files are VN-2000 whose datum was lost.
    ///
    /// Returns nil when the text describes some other system (WGS 84, WGS 84 / UTM…), which
    /// the caller then uses as declared.
    public static func recognise(_ text: String) -> VN2000Recognition? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        if let code = epsgCode(in: trimmed) {
            if let crs = VN2000CRS(epsg: code) {
                return VN2000Recognition(crs: crs, evidence: "EPSG code \(code)", hadDatumShift: true)
            }
            if !mentionsVN2000(trimmed) { return nil }
        }
        if trimmed.contains("+proj=") { return fromPROJString(trimmed) }
        if trimmed.range(of: #"^\s*(PROJCS|GEOGCS|PROJCRS|GEOGCRS|GEODCRS|BOUNDCRS)\s*\["#, options: .regularExpression) != nil {
            return fromWKT(trimmed)
        }
        return fromLooseName(trimmed)
    }

    static func mentionsVN2000(_ text: String) -> Bool {
        text.range(of: #"(?i)(vn[-_ ]?2000|vietnam[-_ ]?2000|viet[-_ ]?nam[-_ ]?2000)"#, options: .regularExpression) != nil
    }

    /// The code of the whole CRS: a bare "EPSG:n", or the last AUTHORITY/ID at the top level of WKT.
    static func epsgCode(in text: String) -> Int? {
        if let m = text.firstMatch(of: /^(?i)EPSG:{1,2}(\d+)$/) { return Int(m.1) }
        guard text.hasSuffix("]") else { return nil }
        // The outermost object's authority is the last one before the final bracket.
        let pattern = /(?i)(?:AUTHORITY\["EPSG",\s*"?(\d+)"?\]|ID\["EPSG",\s*"?(\d+)"?\])\s*\]\s*$/
        if let m = text.firstMatch(of: pattern) { return Int(m.1 ?? m.2 ?? "") }
        return nil
    }

    static func fromPROJString(_ text: String) -> VN2000Recognition? {
        var params: [String: String] = [:]
        for token in text.split(whereSeparator: \.isWhitespace) where token.hasPrefix("+") {
            let parts = token.dropFirst().split(separator: "=", maxSplits: 1)
            params[String(parts[0]).lowercased()] = parts.count > 1 ? String(parts[1]) : ""
        }
        let shift = params["towgs84"].map(isVN2000Shift) ?? false
        let wgs84Datum = params["datum"]?.uppercased() == "WGS84" || params["towgs84"].map { $0.split(separator: ",").allSatisfy { Double($0) == 0 } } == true
        let named = mentionsVN2000(text)
        switch params["proj"] {
        case "longlat", "latlong":
            guard shift || named else { return nil }
            return VN2000Recognition(crs: .geographic, evidence: "PROJ string", hadDatumShift: shift)
        case "utm":
            guard let zone = params["zone"].flatMap(Int.init), (48...49).contains(zone), shift || named else { return nil }
            return VN2000Recognition(crs: .utm(zone: zone), evidence: "PROJ string", hadDatumShift: shift)
        case "tmerc":
            let crs = VN2000CRS(kind: .transverseMercator(
                centralMeridian: params["lon_0"].flatMap(Double.init) ?? 0,
                scaleFactor: (params["k"] ?? params["k_0"]).flatMap(Double.init) ?? 1,
                falseEasting: params["x_0"].flatMap(Double.init) ?? 0,
                falseNorthing: params["y_0"].flatMap(Double.init) ?? 0))
            if shift || named {
                return VN2000Recognition(crs: crs, evidence: "PROJ string", hadDatumShift: shift)
            }
            if crs.tm3CentralMeridian != nil && VN2000CRS.tm3EPSG[crs.tm3CentralMeridian!] != nil && !(wgs84Datum && params["towgs84"] != nil) {
                return VN2000Recognition(crs: crs, evidence: "PROJ string with TM-3 parameters but no VN-2000 datum", hadDatumShift: false)
            }
            return nil
        default:
            return nil
        }
    }

    static func isVN2000Shift(_ value: String) -> Bool {
        let v = value.split(separator: ",").compactMap { Double($0) }
        return v.count >= 3 && abs(v[0] + 191.9) < 1 && abs(v[1] + 39.3) < 1 && abs(v[2] + 111.45) < 1
    }

    static func fromWKT(_ text: String) -> VN2000Recognition? {
        let named = mentionsVN2000(text)
        let shift = text.firstMatch(of: /(?i)TOWGS84\[([^\]]*)\]/).map { isVN2000Shift(String($0.1).replacingOccurrences(of: " ", with: "")) } ?? false
        let isProjected = text.range(of: #"^\s*(PROJCS|PROJCRS)"#, options: .regularExpression) != nil
            || (text.hasPrefix("BOUNDCRS") && text.contains("PROJCRS"))
        guard isProjected else {
            guard named || shift else { return nil }
            return VN2000Recognition(crs: .geographic, evidence: evidence(named: named, shift: shift), hadDatumShift: shift)
        }
        let projection = (text.firstMatch(of: /(?i)(?:PROJECTION|METHOD)\["([^"]+)"/)?.1).map(String.init)?.lowercased() ?? ""
        guard projection.contains("transverse") || projection.contains("gauss") || projection.contains("tmerc") else { return nil }
        func parameter(_ names: [String]) -> Double? {
            for name in names {
                let pattern = try! Regex("(?i)PARAMETER\\[\"\(name)\",\\s*([-0-9.eE+]+)")
                if let m = text.firstMatch(of: pattern), let value = m.output[1].substring.flatMap({ Double($0) }) { return value }
            }
            return nil
        }
        let crs = VN2000CRS(kind: .transverseMercator(
            centralMeridian: parameter(["central_meridian", "Longitude of natural origin", "longitude_of_center"]) ?? 0,
            scaleFactor: parameter(["scale_factor", "Scale factor at natural origin"]) ?? 1,
            falseEasting: parameter(["false_easting", "False easting"]) ?? 0,
            falseNorthing: parameter(["false_northing", "False northing"]) ?? 0))
        if named || shift {
            return VN2000Recognition(crs: crs, evidence: evidence(named: named, shift: shift), hadDatumShift: shift)
        }
        if let cm = crs.tm3CentralMeridian, VN2000CRS.tm3EPSG[cm] != nil {
            return VN2000Recognition(crs: crs, evidence: "WKT with TM-3 parameters but another datum", hadDatumShift: false)
        }
        return nil
    }

    private static func evidence(named: Bool, shift: Bool) -> String {
        shift ? "WKT with the VN-2000 datum shift" : "WKT naming VN-2000 without the datum shift"
    }

    /// "VN2000 mui 3 KTT 107", "VN_2000_Hue", "VN-2000 TM3 105-45", "VN2000 UTM 48N", "VN2000 kinh tuyen truc 107 do 45".
    static func fromLooseName(_ text: String) -> VN2000Recognition? {
        guard mentionsVN2000(text) else { return nil }
        let folded = searchKeyKeepingSpaces(text)
        if let m = folded.firstMatch(of: /(?:utm|mui 6|mui6)\D{0,6}(4[89])/) {
            return VN2000Recognition(crs: .utm(zone: Int(m.1)!), evidence: "name \"\(text)\"", hadDatumShift: false)
        }
        // A meridian written 107, 107.75, 107-45, 107°45′, 107 do 45, 10745.
        let afterDatum = folded.replacingOccurrences(of: #"(vn|vietnam|viet nam) ?2000"#, with: " ", options: .regularExpression)
        if let m = afterDatum.firstMatch(of: /(10[2-9])(?:(?:\.(\d+))|(?:\s*(?:-|do|d|deg|°|_)?\s*([0-5]\d)(?!\d)))?/) {
            let degrees = Double(m.1)!
            var value = degrees
            if let decimals = m.2 { value += Double("0." + decimals)! }
            if let minutes = m.3 { value += Double(minutes)! / 60 }
            if VN2000CRS.tm3EPSG[value] != nil {
                return VN2000Recognition(crs: .tm3(centralMeridian: value), evidence: "name \"\(text)\"", hadDatumShift: false)
            }
        }
        // A province name: the longest one found, so "Quảng Nam" does not match inside "Quảng Ngãi".
        let compact = searchKey(text)
        let hits = provinces.flatMap { p in ([p.name] + p.aliases).map { (p, searchKey($0)) } }
            .filter { compact.contains($0.1) && $0.1.count >= 3 }
            .sorted { $0.1.count > $1.1.count }
        if let province = hits.first?.0, let crs = province.crs {
            return VN2000Recognition(crs: crs, evidence: "name \"\(text)\" (\(province.name))", hadDatumShift: false)
        }
        if folded.contains("geographic") || folded.contains("gcs") || folded.contains("kinh vi") {
            return VN2000Recognition(crs: .geographic, evidence: "name \"\(text)\"", hadDatumShift: false)
        }
        return nil
    }

    static func searchKeyKeepingSpaces(_ raw: String) -> String {
        var s = raw.replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "D")
        s = s.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
        s = s.replacingOccurrences(of: "_", with: " ")
        return s
    }
}
