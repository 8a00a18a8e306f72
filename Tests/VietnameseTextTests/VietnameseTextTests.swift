// Tests for VietnameseText: every letter with every tone mark decodes right in each encoding
// (against independent encoders), and detection picks the encoding of real place names.
import Foundation
import Testing
import TestSupport
import VietnameseText

/// Real commune names of Thừa Thiên Huế and Đắk Lắk (censusVN2009), all tones and shapes.
let placeNames = [
    "Thừa Thiên Huế", "Phường Phú Hội", "Xã Hương Vinh", "Thị trấn Phong Điền", "Xã Quảng Ngạn",
    "Phường Thuận Lộc", "Xã Lộc Bổn", "Xã Vinh Hiền", "Thị xã Hương Thủy", "Xã Phú Mỹ",
    "Đắk Lắk", "Xã Ea Kao", "Phường Tự An", "Xã Hòa Thắng", "Huyện Krông Pắc", "Xã Ủng Hòa",
]

@Suite("Decoding every letter")
struct LetterTests {
    @Test("TCVN3: every letter and tone, as glibc's TCVN5712-1 encodes it")
    func tcvn3Letters() throws {
        for letter in Reference.allLetters {
            let bytes = try Reference.tcvn3(letter)
            #expect(VietnameseTextDecoder.decode(bytes, as: .tcvn3) == letter, "\(letter) ← \(bytes)")
        }
        #expect(VietnameseTextDecoder.decode(try Reference.tcvn3("đ Đ"), as: .tcvn3) == "đ Đ")
    }

    @Test("TCVN3: every byte of the upper half reads as glibc reads it")
    func tcvn3Bytes() throws {
        for byte in UInt8(0x80)...UInt8(0xFF) {
            let expected = try Reference.iconvDecode([0x61, byte], from: "TCVN5712-1").precomposedStringWithCanonicalMapping
            #expect(VietnameseTextDecoder.decode([0x61, byte], as: .tcvn3) == expected, "byte \(byte)")
        }
    }

    @Test("TCVN3 as it looks in a Latin-1 viewer: \"Thõa Thiªn HuÕ\"")
    func tcvn3KnownText() {
        let bytes = Array("Thõa Thiªn HuÕ".unicodeScalars.map { UInt8($0.value) })
        #expect(VietnameseTextDecoder.decode(bytes, as: .tcvn3) == "Thừa Thiên Huế")
    }

    @Test("Windows-1258 with decomposed tone marks: every letter, output NFC")
    func cp1258Letters() throws {
        let letters = Reference.allLetters + ["đ", "Đ"]
        let encoded = try Reference.cp1258(letters)
        for (letter, bytes) in try zipNonEmpty(letters, encoded, "letters and their Windows-1258 bytes") {
            let decoded = VietnameseTextDecoder.decode(bytes, as: .windows1258)
            #expect(decoded == letter, "\(letter) ← \(bytes)")
            #expect(decoded.unicodeScalars.elementsEqual(letter.precomposedStringWithCanonicalMapping.unicodeScalars))
        }
    }

    @Test("Windows-1258: every byte of the upper half reads as Python's cp1258 codec reads it")
    func cp1258Bytes() throws {
        for byte in UInt8(0x80)...UInt8(0xFF) {
            let expected = try Reference.pythonCP1258Decode(byte).map { ("a" + $0).precomposedStringWithCanonicalMapping }
            let decoded = VietnameseTextDecoder.decode([0x61, byte], as: .windows1258)
            #expect(decoded == (expected ?? "a\u{FFFD}"), "byte \(byte)")
        }
    }

    @Test("VNI-Windows: every letter and tone, lower and upper case, from the published chart")
    func vniLetters() {
        for letter in Reference.allLetters {
            let bytes = Reference.vni(letter)
            #expect(VietnameseTextDecoder.decode(bytes, as: .vni) == letter, "\(letter) ← \(bytes)")
        }
        #expect(VietnameseTextDecoder.decode([0xF1, 0x20, 0xD1], as: .vni) == "đ Đ")
    }

    @Test("VNI as it looks in a Latin-1 viewer: \"Thöøa Thieân Hueá\"")
    func vniKnownText() {
        let bytes = Array("Thöøa Thieân Hueá".unicodeScalars.map { UInt8($0.value) })
        #expect(VietnameseTextDecoder.decode(bytes, as: .vni) == "Thừa Thiên Huế")
        let capitals = Array("THÖØA THIEÂN HUEÁ".unicodeScalars.map { UInt8($0.value) })
        #expect(VietnameseTextDecoder.decode(capitals, as: .vni) == "THỪA THIÊN HUẾ")
    }

    @Test("UTF-8 in decomposed form comes out NFC; a byte-order mark is dropped")
    func utf8() {
        let nfd = "Thừa Thiên Huế".decomposedStringWithCanonicalMapping
        let decoded = VietnameseTextDecoder.decode([0xEF, 0xBB, 0xBF] + Array(nfd.utf8), as: .utf8)
        #expect(decoded == "Thừa Thiên Huế")
        #expect(Array(decoded.utf8) == Array("Thừa Thiên Huế".precomposedStringWithCanonicalMapping.utf8))
    }

    @Test("Names of the encodings as .cpg files and --encoding write them")
    func names() {
        #expect(LegacyEncoding(name: "UTF-8\n") == .utf8)
        #expect(LegacyEncoding(name: "65001") == .utf8)
        #expect(LegacyEncoding(name: "1258") == .windows1258)
        #expect(LegacyEncoding(name: "windows-1258") == .windows1258)
        #expect(LegacyEncoding(name: "tcvn3") == .tcvn3)
        #expect(LegacyEncoding(name: "VNI-Windows") == .vni)
        #expect(LegacyEncoding(name: "ANSI 1252") == nil)
    }
}

@Suite("Detecting the encoding")
struct DetectionTests {
    func samples(_ encoding: LegacyEncoding) throws -> [[UInt8]] {
        switch encoding {
        case .utf8: return placeNames.map { Array($0.utf8) }
        case .windows1258: return try Reference.cp1258(placeNames)
        case .tcvn3: return try placeNames.map { try Reference.tcvn3($0.lowercased()) }
        case .vni: return placeNames.map(Reference.vni)
        }
    }

    @Test("Place names in each encoding are detected as that encoding, with confidence",
          arguments: LegacyEncoding.allCases)
    func detectsEach(_ encoding: LegacyEncoding) throws {
        let guess = VietnameseTextDecoder.detect(samples: try samples(encoding))
        #expect(guess.encoding == encoding, "\(guess.ranking)")
        #expect(guess.confidence >= 0.6, "\(guess.ranking)")
    }

    @Test("TCVN3 as typed in the ABC fonts (capitals of toned letters only in VN1) is detected")
    func tcvn3WithCapitals() throws {
        let guess = VietnameseTextDecoder.detect(samples: try placeNames.map(Reference.tcvn3))
        #expect(guess.encoding == .tcvn3, "\(guess.ranking)")
    }

    @Test("One name is enough when it has toned letters")
    func singleName() throws {
        let guess = VietnameseTextDecoder.detect(samples: [Reference.vni("Phường Phú Hội")])
        #expect(guess.encoding == .vni)
        #expect(guess.confidence >= 0.6)
    }

    @Test("Plain ASCII reads the same in all encodings and is accepted as UTF-8")
    func ascii() throws {
        let decision = try VietnameseTextDecoder.decide(samples: [Array("Xa Huong Vinh".utf8)])
        #expect(decision.source == .ascii)
        #expect(decision.encoding == .utf8)
    }

    @Test("A .cpg that agrees with the text is used; one that contradicts it is overruled")
    func declared() throws {
        let tcvn = try samples(.tcvn3)
        let agreed = try VietnameseTextDecoder.decide(samples: tcvn, declared: .tcvn3)
        #expect(agreed.source == .declared && agreed.encoding == .tcvn3)
        let overruled = try VietnameseTextDecoder.decide(samples: tcvn, declared: .utf8)
        #expect(overruled.source == .detected && overruled.encoding == .tcvn3)
        #expect(overruled.note?.contains("UTF-8") == true)
    }

    @Test("--encoding wins over detection")
    func given() throws {
        let decision = try VietnameseTextDecoder.decide(samples: try samples(.vni), given: .windows1258)
        #expect(decision.encoding == .windows1258 && decision.source == .given)
        #expect(decision.confidence < 0.6)
    }

    @Test("Bytes that read as Vietnamese in no encoding stop with the candidates and the flag to pass")
    func undecidable() throws {
        let junk: [[UInt8]] = [[0x41, 0x8D, 0x8F, 0x9D], [0x42, 0x81, 0x90]]
        #expect {
            _ = try VietnameseTextDecoder.decide(samples: junk)
        } throws: { error in
            let message = "\(error)"
            return message.contains("--encoding") && message.contains("TCVN3") && message.contains("VNI")
        }
    }
}

/// The text columns of a fixture's .dbf as raw bytes (trailing padding removed), by field name.
func dbfTextColumns(_ name: String) throws -> (columns: [String: [[UInt8]]], languageDriver: UInt8) {
    let bytes = try [UInt8](Data(contentsOf: TestPaths.fixture("vn2000/\(name).dbf")))
    let records = Int(bytes[4]) | Int(bytes[5]) << 8 | Int(bytes[6]) << 16 | Int(bytes[7]) << 24
    let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8, recordLength = Int(bytes[10]) | Int(bytes[11]) << 8
    var fields: [(name: String, type: UInt8, offset: Int, width: Int)] = []
    var pos = 32, offset = 1
    while bytes[pos] != 0x0D {
        let name = String(decoding: bytes[pos..<pos + 11].prefix { $0 != 0 }, as: UTF8.self)
        fields.append((name, bytes[pos + 11], offset, Int(bytes[pos + 16])))
        offset += Int(bytes[pos + 16]); pos += 32
    }
    var columns: [String: [[UInt8]]] = [:]
    for r in 0..<records {
        let base = headerLength + r * recordLength
        for f in fields where f.type == UInt8(ascii: "C") {
            var value = Array(bytes[base + f.offset..<base + f.offset + f.width])
            while value.last == 0x20 || value.last == 0 { value.removeLast() }
            columns[f.name, default: []].append(value)
        }
    }
    return (columns, bytes[29])
}

/// The original Unicode names, by DBF field name, in feature order.
func originalNames(_ key: String) throws -> [String: [String]] {
    let data = try Data(contentsOf: TestPaths.fixture("vn2000/originals/\(key).geojson"))
    let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    var out: [String: [String]] = [:]
    for f in json["features"] as! [[String: Any]] {
        for (k, v) in f["properties"] as! [String: Any] { if let s = v as? String { out[k, default: []].append(s) } }
    }
    return out
}

@Suite("Agency attribute tables")
struct FixtureTextTests {
    @Test("Each fixture's text is detected in its encoding and decodes exactly to the originals (NFC)", arguments: [
        ("hue_tm3_esri", "hue", LegacyEncoding.utf8, EncodingSource.declared),
        ("soctrang_tm3_proj", "soctrang", .windows1258, .declared),
        ("quangngai_tm3_epsg", "quangngai", .tcvn3, .detected),
        ("hue_tm3_loose", "hue", .vni, .detected),
        ("hue_utm48_noprj", "hue", .windows1258, .detected),
        ("soctrang_tm3_noprj", "soctrang", .tcvn3, .detected),
        ("quangngai_tm3_vni", "quangngai", .vni, .detected),
    ])
    func decode(_ name: String, _ original: String, _ encoding: LegacyEncoding, _ source: EncodingSource) throws {
        let (columns, ldid) = try dbfTextColumns(name)
        let cpg = try? String(contentsOf: TestPaths.fixture("vn2000/\(name).cpg"), encoding: .utf8)
        let declared = cpg.flatMap(LegacyEncoding.init(name:)) ?? VietnameseTextDecoder.encoding(dbfLanguageDriver: ldid)
        let samples = columns.values.flatMap { $0 }
        let decision = try VietnameseTextDecoder.decide(samples: samples, declared: declared)
        #expect(decision.encoding == encoding, "\(decision)")
        #expect(decision.source == source, "\(decision)")
        #expect(decision.confidence >= 0.6, "\(decision)")
        let expected = try originalNames(original)
        for field in ["province", "district", "commune", "name_ascii"] {
            let decoded = columns[field, default: []].map { VietnameseTextDecoder.decode($0, as: decision.encoding) }
            #expect(decoded == expected[field], "\(name).\(field)")
            #expect(decoded.allSatisfy { Array($0.utf8) == Array($0.precomposedStringWithCanonicalMapping.utf8) })
        }
    }
}
