/// TCVN 5712:1993 ("TCVN3", the ABC fonts), the full VN1 repertoire.
///
/// Source: the standard TCVN 5712:1993 "Công nghệ thông tin — Bộ mã chuẩn 8-bit kí tự Việt
/// dùng trong trao đổi thông tin", table VN1. The ABC fonts (`.VnTime`, `.VnArial`) use its VN3
/// subset: lower-case letters in 0xA8–0xFE with capitals of the toned letters missing (their
/// upper-case fonts `.VnTimeH` draw the lower-case code points as capitals, which is why text
/// typed in them decodes to lower case). VN1 puts those missing capitals in 0x80–0x9F, in a few
/// free places of the upper half, and in C0 positions that DBF text never uses for controls;
/// decoding the whole of VN1 reads VN3 files identically and VN1 files too.
/// 0xB0–0xB4 are the combining tone marks (grave, hook, tilde, acute, dot below).
enum TCVN3 {
    static func scalar(_ byte: UInt8) -> Unicode.Scalar {
        if byte >= 0x80 { return upper[Int(byte) - 0x80] }
        if let s = lowControls[byte] { return s }
        return Unicode.Scalar(byte)
    }

    /// Capitals placed by VN1 in C0 control positions.
    static let lowControls: [UInt8: Unicode.Scalar] = [
        0x01: "Ú", 0x02: "Ụ", 0x04: "Ừ", 0x05: "Ử", 0x06: "Ữ",
        0x11: "Ứ", 0x12: "Ự", 0x13: "Ỳ", 0x14: "Ỷ", 0x15: "Ỹ", 0x16: "Ý", 0x17: "Ỵ",
    ]

    /// 0x80–0xFF, one row of 16 per line.
    static let upper: [Unicode.Scalar] = {
        let rows = [
            "ÀẢÃÁẠẶẬÈẺẼÉẸỆÌỈĨ",                                   // 0x80
            "ÍỊÒỎÕÓỌỘỜỞỠỚỢÙỦŨ",                                   // 0x90
            "\u{00A0}ĂÂÊÔƠƯĐăâêôơưđẰ",                             // 0xA0
            "\u{0300}\u{0309}\u{0303}\u{0301}\u{0323}àảãáạẲằẳẵắẴ", // 0xB0
            "ẮẦẨẪẤỀặầẩẫấậèỂẻẽ",                                   // 0xC0
            "éẹềểễếệìỉỄẾỒĩíịò",                                   // 0xD0
            "Ổỏõóọồổỗốộờởỡớợù",                                   // 0xE0
            "ỖủũúụừửữứựỳỷỹýỵỐ",                                   // 0xF0
        ]
        let table = rows.flatMap { Array($0.unicodeScalars) }
        precondition(table.count == 128, "TCVN3 table must have 128 entries")
        return table
    }()
}
