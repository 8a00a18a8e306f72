import Foundation

/// A province and the central meridian of its TM-3 zone.
public struct VN2000Province: Sendable, Hashable {
    /// The name with diacritics, as in official documents ("Thừa Thiên Huế").
    public var name: String
    /// Central meridian of the province's TM-3 zone, decimal degrees; nil for a province formed
    /// in 2025 whose former provinces had different zones and for which no zone is set.
    public var centralMeridian: Double?
    /// For the provinces formed on 1 July 2025, the provinces merged into it.
    public var formerProvinces: [String]
    /// Other names people write ("Huế", "TP. Hồ Chí Minh", "Sài Gòn").
    public var aliases: [String]

    public var crs: VN2000CRS? { centralMeridian.map(VN2000CRS.tm3(centralMeridian:)) }
}

extension VN2000 {
    /// The 63 provinces before the 2025 merger and the central meridians of their TM-3 zones.
    ///
    /// Source: Circular 973/2001/TT-TCĐC of the General Department of Land Administration
    /// (20 June 2001), appendix "Kinh tuyến trục theo từng tỉnh, thành phố", with the provinces
    /// split or renamed since (Điện Biên from Lai Châu 2004: 103°00′; Đắk Nông from Đắk Lắk
    /// 2004: 108°30′; Hậu Giang from Cần Thơ 2004: 105°00′; Hà Tây into Hà Nội 2008: 105°00′),
    /// as the Ministry of Natural Resources and Environment lists them. Values checked against
    /// the examples (Huế 107°00′, Sơn La 104°00′, Quảng Ngãi 108°00′, Sóc Trăng 105°30′)
    /// and against EPSG's VN-2000 TM-3 zones, which cover every meridian used here.
    public static let provinces: [VN2000Province] = [
        p("Lai Châu", 103), p("Điện Biên", 103), p("Sơn La", 104), p("Lào Cai", 104.75),
        p("Yên Bái", 104.75), p("Hà Giang", 105.5), p("Tuyên Quang", 106), p("Phú Thọ", 104.75),
        p("Vĩnh Phúc", 105), p("Cao Bằng", 105.75), p("Lạng Sơn", 107.25), p("Bắc Kạn", 106.5, ["Bắc Cạn"]),
        p("Thái Nguyên", 106.5), p("Bắc Giang", 107), p("Bắc Ninh", 105.5), p("Quảng Ninh", 107.75),
        p("Hải Phòng", 105.75), p("Hải Dương", 105.5), p("Hưng Yên", 105.5), p("Hà Nội", 105),
        p("Hòa Bình", 106, ["Hoà Bình"]), p("Hà Nam", 105), p("Nam Định", 105.5), p("Thái Bình", 105.5),
        p("Ninh Bình", 105), p("Thanh Hóa", 105, ["Thanh Hoá"]), p("Nghệ An", 104.75), p("Hà Tĩnh", 105.5),
        p("Quảng Bình", 106), p("Quảng Trị", 106.25), p("Thừa Thiên Huế", 107, ["Huế", "Thừa Thiên - Huế", "TT Huế"]),
        p("Đà Nẵng", 107.75), p("Quảng Nam", 107.75), p("Quảng Ngãi", 108), p("Bình Định", 108.25),
        p("Kon Tum", 107.5), p("Gia Lai", 108.5), p("Đắk Lắk", 108.5, ["Đắc Lắc", "Dak Lak"]),
        p("Đắk Nông", 108.5, ["Đắc Nông", "Dak Nong"]), p("Phú Yên", 108.5), p("Khánh Hòa", 108.25, ["Khánh Hoà"]),
        p("Ninh Thuận", 108.25), p("Bình Thuận", 108.5), p("Lâm Đồng", 107.75), p("Bình Dương", 105.75),
        p("Bình Phước", 106.25), p("Đồng Nai", 107.75), p("Bà Rịa - Vũng Tàu", 107.75, ["Bà Rịa-Vũng Tàu", "Vũng Tàu"]),
        p("Tây Ninh", 105.5), p("Long An", 105.75), p("Tiền Giang", 105.75), p("Bến Tre", 105.75),
        p("Đồng Tháp", 105), p("Vĩnh Long", 105.5), p("Trà Vinh", 105.5), p("An Giang", 104.75),
        p("Kiên Giang", 104.5), p("Cần Thơ", 105), p("Hậu Giang", 105), p("Sóc Trăng", 105.5),
        p("Bạc Liêu", 105), p("Cà Mau", 104.5), p("Hồ Chí Minh", 105.75, ["TP. Hồ Chí Minh", "Sài Gòn", "HCM", "TPHCM"]),
    ]

    /// The 34 provinces from 1 July 2025 (Resolution 202/2025/QH15) and the provinces merged
    /// into each. The ministry had not published TM-3 zones for the merged provinces when this
    /// table was written: a merged province gets a zone here only when all its former provinces
    /// shared one; otherwise `centralMeridian` is nil and `--province` asks for the former
    /// province the data was surveyed in (its zone is the one the survey used).
    public static let provinces2025: [VN2000Province] = [
        m("Hà Nội", ["Hà Nội"]), m("Huế", ["Thừa Thiên Huế"]), m("Lai Châu", ["Lai Châu"]),
        m("Điện Biên", ["Điện Biên"]), m("Sơn La", ["Sơn La"]), m("Lạng Sơn", ["Lạng Sơn"]),
        m("Quảng Ninh", ["Quảng Ninh"]), m("Thanh Hóa", ["Thanh Hóa"]), m("Nghệ An", ["Nghệ An"]),
        m("Hà Tĩnh", ["Hà Tĩnh"]), m("Cao Bằng", ["Cao Bằng"]),
        m("Tuyên Quang", ["Tuyên Quang", "Hà Giang"]), m("Lào Cai", ["Lào Cai", "Yên Bái"]),
        m("Thái Nguyên", ["Thái Nguyên", "Bắc Kạn"]), m("Phú Thọ", ["Phú Thọ", "Vĩnh Phúc", "Hòa Bình"]),
        m("Bắc Ninh", ["Bắc Ninh", "Bắc Giang"]), m("Hưng Yên", ["Hưng Yên", "Thái Bình"]),
        m("Hải Phòng", ["Hải Phòng", "Hải Dương"]), m("Ninh Bình", ["Ninh Bình", "Hà Nam", "Nam Định"]),
        m("Quảng Trị", ["Quảng Trị", "Quảng Bình"]), m("Đà Nẵng", ["Đà Nẵng", "Quảng Nam"]),
        m("Quảng Ngãi", ["Quảng Ngãi", "Kon Tum"]), m("Gia Lai", ["Gia Lai", "Bình Định"]),
        m("Khánh Hòa", ["Khánh Hòa", "Ninh Thuận"]), m("Lâm Đồng", ["Lâm Đồng", "Đắk Nông", "Bình Thuận"]),
        m("Đắk Lắk", ["Đắk Lắk", "Phú Yên"]), m("Hồ Chí Minh", ["Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu"]),
        m("Đồng Nai", ["Đồng Nai", "Bình Phước"]), m("Tây Ninh", ["Tây Ninh", "Long An"]),
        m("Cần Thơ", ["Cần Thơ", "Sóc Trăng", "Hậu Giang"]), m("Vĩnh Long", ["Vĩnh Long", "Bến Tre", "Trà Vinh"]),
        m("Đồng Tháp", ["Đồng Tháp", "Tiền Giang"]), m("Cà Mau", ["Cà Mau", "Bạc Liêu"]),
        m("An Giang", ["An Giang", "Kiên Giang"]),
    ]

    private static func p(_ name: String, _ meridian: Double, _ aliases: [String] = []) -> VN2000Province {
        VN2000Province(name: name, centralMeridian: meridian, formerProvinces: [], aliases: aliases)
    }

    private static func m(_ name: String, _ former: [String]) -> VN2000Province {
        let meridians = Set(former.compactMap { f in provinces.first { $0.name == f }?.centralMeridian })
        return VN2000Province(name: name, centralMeridian: meridians.count == 1 ? meridians.first : nil,
                              formerProvinces: former, aliases: [])
    }

    /// Finds a province by any common spelling: with or without diacritics, "tỉnh"/"TP." in
    /// front, spaces or underscores ("thua_thien_hue", "Tinh Soc Trang", "Huế").
    /// Pre-merger provinces first (their zones are the ones surveys used), then the 2025 ones;
    /// "Cần Thơ (2025)" or "Cần Thơ 2025" asks for the province as merged in 2025.
    public static func province(named raw: String) -> VN2000Province? {
        var key = searchKey(raw)
        var lists = [provinces, provinces2025]
        if key.hasSuffix("2025") {
            key.removeLast(4)
            lists = [provinces2025]
        }
        guard !key.isEmpty else { return nil }
        for list in lists {
            if let hit = list.first(where: { ([$0.name] + $0.aliases).contains { searchKey($0) == key } }) { return hit }
        }
        return nil
    }

    /// Lower case, no diacritics (đ → d), letters and digits only, administrative prefixes removed.
    static func searchKey(_ raw: String) -> String {
        var s = raw.replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "D")
        s = s.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
        s = String(s.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) && $0.isASCII }.map(Character.init))
        for prefix in ["thanhpho", "tinh", "tp"] where s.hasPrefix(prefix) && s.count > prefix.count + 2 {
            s.removeFirst(prefix.count)
            break
        }
        return s
    }
}
