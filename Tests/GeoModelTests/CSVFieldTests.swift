import Testing
import GeoModel

@Suite struct CSVFieldTests {
    @Test(arguments: [("=1+2", "'=1+2"), ("+1+2", "'+1+2"), ("-1+2", "'-1+2"), ("@SUM(A1)", "'@SUM(A1)"),
                      ("\t=1", "'\t=1"), ("\r=1", "\"'\r=1\""), ("=HYPERLINK(\"u\")", "\"'=HYPERLINK(\"\"u\"\")\"")])
    func formulasAreMadeInert(input: String, written: String) {
        #expect(CSVField.text(input) == written)
    }

    @Test(arguments: ["-5", "+84", "-0.5", "plain", "Huế", "a=b"])
    func numbersAndPlainTextAreLeftAlone(input: String) {
        #expect(CSVField.text(input) == input)
    }

    @Test func quotingFollowsRFC4180() {
        #expect(CSVField.text("a, b") == "\"a, b\"")
        #expect(CSVField.text(" edge") == "\" edge\"")
        #expect(CSVField.text("line\nbreak") == "\"line\nbreak\"")
    }
}
