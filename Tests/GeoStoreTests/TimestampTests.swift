import Foundation
@testable import GeoStore
import Testing

/// Stored timestamps are read without a date formatter (`Timestamp.parseStored`): every date
/// the store can hold must read back as the very `Date` the formatter gave before.
struct TimestampTests {
    private static func formatter(fraction: Bool) -> ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = fraction ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        return f
    }

    @Test func storedTimestampsReadAsTheFormatterReadThem() {
        let withFraction = Self.formatter(fraction: true), plain = Self.formatter(fraction: false)
        var generator = SystemRandomNumberGenerator()
        // Milliseconds from 1900 to 2200, and the days where calendars go wrong.
        var dates = (0..<5_000).map { _ in Date(timeIntervalSince1970: Double(Int64.random(in: -2_208_988_800_000...7_258_118_400_000, using: &generator)) / 1000) }
        for s in ["1970-01-01T00:00:00.000Z", "1969-12-31T23:59:59.999Z", "2000-02-29T12:00:00.500Z", "2100-02-28T23:59:59.001Z",
                  "2024-12-31T23:59:59.999Z", "2026-03-01T00:00:00.000Z", "1900-03-01T00:00:00.000Z"] {
            dates.append(withFraction.date(from: s)!)
        }
        var differ: [String] = []
        for d in dates {
            for (f, name) in [(withFraction, "fraction"), (plain, "seconds")] {
                let text = f.string(from: d)
                if Timestamp.parseStored(text) != f.date(from: text) || Timestamp.parse(text) != f.date(from: text) {
                    differ.append("\(name): \(text)")
                }
            }
        }
        let firstDiffering = Array(differ.prefix(5))
        #expect(firstDiffering.isEmpty)
        // What `format` writes is read back to the millisecond.
        let now = Date()
        #expect(abs(Timestamp.parse(Timestamp.format(now))!.timeIntervalSince(now)) < 0.001)
    }

    @Test func otherShapesAreLeftToTheFormatter() {
        for s in ["2026-02-30T10:00:00Z", "2026-13-01T10:00:00Z", "2026-12-02T24:00:00Z", "2026-12-02T16:37:00+07:00",
                  "2026-12-02T16:37:00.5Z", "2026-12-02 16:37:00Z", "2026-12-02", "", "garbage-garbage-garb"] {
            #expect(Timestamp.parseStored(s) == nil, "\(s)")
        }
        // Still read, by the formatter: an offset other than Z.
        #expect(Timestamp.parse("2026-12-02T16:37:00+07:00") == Timestamp.parse("2026-12-02T09:37:00Z"))
        #expect(Timestamp.parse("not a date") == nil)
    }
}
