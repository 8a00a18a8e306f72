// Calendar quarters and their update deadlines (Huế 2021 art. 12.1; Sơn La art. 8.4): datasets
// are updated within 15 days of the first day of the quarter, counting that first day, so the
// deadline of the quarter starting 1 January is the end of 15 January. All days are civil days in
// Vietnam (Asia/Ho_Chi_Minh, UTC+7 with no daylight saving): a version published at 23:30 on
// 15 January in Huế is on time even though it is already 16:30 UTC.
public import Foundation
import PublicErrors

/// The province's calendar: Gregorian, in Asia/Ho_Chi_Minh.
public enum PortalCalendar {
    public static let timeZone: TimeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh") ?? TimeZone(secondsFromGMT: 7 * 3600)!

    public static let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = timeZone
        return c
    }()

    /// The instant a civil day starts in Vietnam.
    public static func startOfDay(year: Int, month: Int, day: Int) -> Date {
        calendar.date(from: DateComponents(year: year, month: month, day: day))!
    }

    /// The civil day `date` falls on in Vietnam, as `yyyy-MM-dd`.
    public static func dayString(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    /// `date` + `days` civil days, at the start of that day.
    public static func startOfDay(_ date: Date, plusDays days: Int) -> Date {
        calendar.date(byAdding: .day, value: days, to: calendar.startOfDay(for: date))!
    }

    /// An instant as ISO 8601 with Vietnam's offset (`2026-07-15T23:30:00+07:00`).
    public static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = timeZone
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }
}

/// A calendar quarter, written `2026Q3`.
public struct Quarter: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    /// 1...4
    public let number: Int

    /// Days from the quarter's first day to its deadline day, counting both (the regulations' 15).
    public static let deadlineDays = 15

    public init(year: Int, number: Int) throws(PortalError) {
        guard (1...4).contains(number) else { throw .invalid("portal.quarter.number", ["value": String(number)]) }
        guard (1970...9999).contains(year) else { throw .invalid("portal.quarter.year", ["value": String(year)]) }
        self.year = year; self.number = number
    }

    /// Parses `2026Q3` (also `2026-Q3` and lower-case `q`).
    public init(parsing text: String) throws(PortalError) {
        let t = text.trimmingCharacters(in: .whitespaces).uppercased().replacingOccurrences(of: "-", with: "")
        let parts = t.split(separator: "Q", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, let y = Int(parts[0]), parts[1].count == 1, let n = Int(parts[1]) else {
            throw .invalid("portal.quarter.format", ["value": text])
        }
        try self.init(year: y, number: n)
    }

    /// The quarter a given instant falls in, in Vietnam.
    public init(containing date: Date) {
        let c = PortalCalendar.calendar.dateComponents([.year, .month], from: date)
        year = c.year!
        number = (c.month! - 1) / 3 + 1
    }

    public var description: String { "\(year)Q\(number)" }

    /// The first instant of the quarter (00:00 on its first day in Vietnam).
    public var start: Date { PortalCalendar.startOfDay(year: year, month: (number - 1) * 3 + 1, day: 1) }
    /// The first instant after the quarter (the next quarter's start).
    public var end: Date { next.start }
    /// The quarter's deadline day as `yyyy-MM-dd` (the 15th day, counting the first).
    public var deadlineDay: String { PortalCalendar.dayString(PortalCalendar.startOfDay(start, plusDays: Self.deadlineDays - 1)) }
    /// The first instant after the deadline day: a publication before it is on time.
    public var deadline: Date { PortalCalendar.startOfDay(start, plusDays: Self.deadlineDays) }

    public var next: Quarter { number == 4 ? try! Quarter(year: year + 1, number: 1) : try! Quarter(year: year, number: number + 1) }
    public var previous: Quarter { number == 1 ? try! Quarter(year: year - 1, number: 4) : try! Quarter(year: year, number: number - 1) }

    public func contains(_ date: Date) -> Bool { date >= start && date < end }

    public static func < (a: Quarter, b: Quarter) -> Bool { (a.year, a.number) < (b.year, b.number) }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message.description))
        }
    }
}

/// How often a dataset must be updated. Quarterly is the regulations' default; the others are
/// for listed datasets whose content changes less often (a yearly land-use plan) or only on
/// events (administrative boundaries), which are due in fewer quarters or never.
public enum UpdateFrequency: String, Sendable, Codable, CaseIterable {
    case quarterly
    case halfYearly = "half-yearly"
    case annual
    case onChange = "on-change"

    /// Whether an update is due in `quarter`: every quarter, the first of each half, the first of
    /// the year, or never (on-change datasets are updated when the data changes).
    public func isDue(in quarter: Quarter) -> Bool {
        switch self {
        case .quarterly: true
        case .halfYearly: quarter.number == 1 || quarter.number == 3
        case .annual: quarter.number == 1
        case .onChange: false
        }
    }

    public init(parsing text: String) throws(PortalError) {
        guard let f = UpdateFrequency(rawValue: text.lowercased()) else {
            throw .invalid("portal.frequency.unknown", ["value": text, "choices": UpdateFrequency.allCases.map(\.rawValue).joined(separator: ", ")])
        }
        self = f
    }
}
