import Foundation
import Testing
@testable import GeoModel

/// CASEI and ACCENTI as a reader of Vietnamese expects them: every tone mark, circumflex, breve
/// and horn goes, and so does the stroke of đ/Đ (which Unicode does not decompose).
@Suite struct TextFoldingTests {
    @Test func vietnameseLettersFoldToTheirBaseLetters() {
        let both: TextFolding.Options = [.caseInsensitive, .accentInsensitive]
        #expect(TextFolding.fold("Quận Bình Thạnh", both) == "quan binh thanh")
        #expect(TextFolding.fold("ĐÔNG HÀ", both) == "dong ha")
        #expect(TextFolding.fold("Hương Trà", .accentInsensitive) == "Huong Tra")
        #expect(TextFolding.fold("Ương Đức", .accentInsensitive) == "Uong Duc")
        #expect(TextFolding.fold("Thừa Thiên Huế", .caseInsensitive) == "thừa thiên huế")
        // Decomposed input (as some legacy shapefiles decode) folds the same as composed.
        let decomposed = "Bình Điền".decomposedStringWithCanonicalMapping
        #expect(decomposed.unicodeScalars.count > "Bình Điền".unicodeScalars.count)
        #expect(TextFolding.fold(decomposed, both) == "binh dien")
        // Nothing to fold: unchanged.
        #expect(TextFolding.fold("ma_xa 4110101", both) == "ma_xa 4110101")
        #expect(TextFolding.fold("Bình", []) == "Bình")
    }
}
