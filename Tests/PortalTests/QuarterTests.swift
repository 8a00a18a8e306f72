import Foundation
import Testing
@testable import Portal

/// An instant given as a wall-clock time in Vietnam.
func vn(_ y: Int, _ m: Int, _ d: Int, _ h: Int = 0, _ min: Int = 0) -> Date {
    PortalCalendar.calendar.date(from: DateComponents(year: y, month: m, day: d, hour: h, minute: min))!
}

@Suite struct QuarterTests {
    @Test func parsesTheWrittenForms() throws {
        #expect(try Quarter(parsing: "2026Q3") == Quarter(year: 2026, number: 3))
        #expect(try Quarter(parsing: "2026-q1") == Quarter(year: 2026, number: 1))
        #expect(try Quarter(parsing: "2026Q3").description == "2026Q3")
        for bad in ["2026Q5", "2026Q0", "26Q1", "2026", "Q3", "2026Q", "2026Q3x", ""] {
            #expect(throws: PortalError.self, "\(bad)") { try Quarter(parsing: bad) }
        }
    }

    @Test func deadlineIsTheFifteenthDayCountingTheFirst() throws {
        #expect(try Quarter(parsing: "2026Q1").deadlineDay == "2026-01-15")
        #expect(try Quarter(parsing: "2026Q2").deadlineDay == "2026-04-15")
        #expect(try Quarter(parsing: "2026Q3").deadlineDay == "2026-07-15")
        #expect(try Quarter(parsing: "2026Q4").deadlineDay == "2026-10-15")
        let q3 = try Quarter(parsing: "2026Q3")
        // The last minute of the deadline day in Huế is inside; the first minute after is not.
        #expect(vn(2026, 7, 15, 23, 59) < q3.deadline)
        #expect(vn(2026, 7, 16, 0, 0) == q3.deadline)
    }

    @Test func boundariesAreVietnameseCivilDays() throws {
        let q1 = try Quarter(parsing: "2026Q1")
        // 31 Dec 2025 at 18:00 UTC is already 1 Jan 2026, 01:00 in Huế.
        let utc = ISO8601DateFormatter().date(from: "2025-12-31T18:00:00Z")!
        #expect(Quarter(containing: utc) == q1)
        #expect(q1.contains(utc))
        // 31 Mar 23:59 in Huế is Q1; 1 Apr 00:00 in Huế (31 Mar 17:00 UTC) is Q2.
        #expect(Quarter(containing: vn(2026, 3, 31, 23, 59)) == q1)
        #expect(Quarter(containing: vn(2026, 4, 1)) == q1.next)
        #expect(q1.start == ISO8601DateFormatter().date(from: "2025-12-31T17:00:00Z"))
        #expect(q1.previous.description == "2025Q4")
        #expect(q1.previous.next == q1)
        #expect(try Quarter(parsing: "2026Q4").next.description == "2027Q1")
    }
}

@Suite struct ComplianceTests {
    let q3 = try! Quarter(parsing: "2026Q3")
    let agency = ComplianceAgency(id: 1, slug: "so-tnmt", name: "Sở Tài nguyên và Môi trường")

    func dataset(_ slug: String, added: Date = vn(2025, 1, 1), frequency: UpdateFrequency = .quarterly,
                 published: [Date] = []) -> ComplianceDataset {
        ComplianceDataset(agencyID: 1, datasetSlug: slug, title: slug, frequency: frequency, addedAt: added,
                          publications: published.enumerated().map { .init(versionNumber: $0.offset + 1, publishedAt: $0.element, featureCount: 10 * ($0.offset + 1)) })
    }

    @Test func onTimeLateMissingAroundTheDeadlineDay() {
        let after = vn(2026, 10, 5)
        #expect(ComplianceCalculator.status(of: dataset("a", published: [vn(2026, 7, 1, 0, 0)]), in: q3, now: after) == .onTime)
        #expect(ComplianceCalculator.status(of: dataset("b", published: [vn(2026, 7, 15, 23, 59)]), in: q3, now: after) == .onTime)
        #expect(ComplianceCalculator.status(of: dataset("c", published: [vn(2026, 7, 16, 0, 0)]), in: q3, now: after) == .late)
        #expect(ComplianceCalculator.status(of: dataset("d", published: [vn(2026, 9, 30, 23, 59)]), in: q3, now: after) == .late)
        // Published the previous quarter, or the next: nothing in Q3.
        #expect(ComplianceCalculator.status(of: dataset("e", published: [vn(2026, 6, 30, 23, 59), vn(2026, 10, 1)]), in: q3, now: after) == .missing)
        // A later, late version does not spoil an on-time one.
        #expect(ComplianceCalculator.status(of: dataset("f", published: [vn(2026, 7, 3), vn(2026, 8, 20)]), in: q3, now: after) == .onTime)
    }

    @Test func currentQuarterIsPendingUntilTheDeadlinePasses() {
        #expect(ComplianceCalculator.status(of: dataset("a"), in: q3, now: vn(2026, 7, 10)) == .pending)
        #expect(ComplianceCalculator.status(of: dataset("a"), in: q3, now: vn(2026, 7, 16, 0, 1)) == .missing)
    }

    @Test func datasetAddedMidQuarterGetsItsOwnFifteenDays() {
        let now = vn(2026, 10, 2)
        // Added 10 Aug: due by the end of 24 Aug.
        let added = vn(2026, 8, 10, 9)
        #expect(ComplianceCalculator.status(of: dataset("a", added: added, published: [vn(2026, 8, 24, 22)]), in: q3, now: now) == .onTime)
        #expect(ComplianceCalculator.status(of: dataset("b", added: added, published: [vn(2026, 8, 25, 1)]), in: q3, now: now) == .late)
        #expect(ComplianceCalculator.status(of: dataset("c", added: added), in: q3, now: now) == .missing)
        // Added 5 Jul, before the quarter's own deadline: the quarter's deadline still applies... and 5 Jul + 14 days is later.
        #expect(ComplianceCalculator.deadline(for: dataset("d", added: vn(2026, 7, 5)), in: q3) == vn(2026, 7, 20))
        // Added 25 Sep: its 15 days run into Q4, so nothing is due in Q3.
        #expect(ComplianceCalculator.status(of: dataset("e", added: vn(2026, 9, 25)), in: q3, now: now) == .notDue)
        // Added after the quarter: not in the report at all.
        let r = ComplianceCalculator.report(quarter: q3, agencies: [agency], datasets: [dataset("f", added: vn(2026, 10, 1))], feedback: [], now: now)
        #expect(r.agencies[0].datasets.isEmpty)
    }

    @Test func frequencyDecidesWhichQuartersAreDue() {
        let now = vn(2026, 12, 1)
        #expect(ComplianceCalculator.status(of: dataset("a", frequency: .annual), in: q3, now: now) == .notDue)
        #expect(ComplianceCalculator.status(of: dataset("b", frequency: .halfYearly), in: q3, now: now) == .missing)
        #expect(ComplianceCalculator.status(of: dataset("c", frequency: .onChange, published: [vn(2026, 8, 1)]), in: q3, now: now) == .onTime)
    }

    @Test func reportTotalsRemindersAndCSV() throws {
        let now = vn(2026, 7, 20)
        let other = ComplianceAgency(id: 2, slug: "ubnd-phu-vang", name: "UBND huyện Phú Vang, \"Huế\"")
        var late = dataset("late", published: [vn(2026, 7, 18)])
        late.agencyID = 2
        let datasets = [dataset("ok", published: [vn(2026, 7, 2), vn(2026, 7, 9)]), dataset("gone"),
                        dataset("new", added: vn(2026, 7, 10)), late]
        let feedback = [ComplianceFeedback(agencyID: 1, receivedAt: vn(2026, 7, 1), answeredAt: nil),
                        ComplianceFeedback(agencyID: 1, receivedAt: vn(2026, 7, 2), answeredAt: vn(2026, 7, 5)),
                        ComplianceFeedback(agencyID: 1, receivedAt: vn(2026, 7, 15), answeredAt: nil)]
        let r = ComplianceCalculator.report(quarter: q3, agencies: [agency, other], datasets: datasets, feedback: feedback, now: now)
        #expect(r.agencies.map(\.slug) == ["so-tnmt", "ubnd-phu-vang"])
        let t = r.agencies[0].totals
        #expect((t.onTime, t.late, t.missing, t.pending) == (1, 0, 1, 1))
        #expect(t.featuresPublished == 20) // the last version of the quarter, v2 with 20 features
        #expect((t.feedbackReceived, t.feedbackOverdue) == (3, 1))
        #expect(r.agencies[1].totals.late == 1)
        #expect(r.totals.onTime == 1 && r.totals.late == 1 && r.totals.missing == 1)
        #expect(r.overdueNow == [.init(agency: "so-tnmt", dataset: "gone", deadline: "2026-07-15")])
        #expect(r.dueSoon == [.init(agency: "so-tnmt", dataset: "new", deadline: "2026-07-24")])
        #expect(r.deadline == "2026-07-15" && r.start == "2026-07-01" && r.end == "2026-09-30")

        let csv = r.csv()
        let lines = csv.split(separator: "\n")
        #expect(lines.first?.hasPrefix("quarter,agency,agency_name,dataset,") == true)
        #expect(lines.contains { $0.hasPrefix("2026Q3,so-tnmt,Sở Tài nguyên và Môi trường,gone,gone,quarterly,2026-07-15,missing,") })
        #expect(csv.contains("\"UBND huyện Phú Vang, \"\"Huế\"\"\""))
        let decoded = try JSONDecoder().decode(QuarterlyComplianceReport.self, from: r.json())
        #expect(decoded == r)
    }
}

@Suite struct FeedbackDeadlineTests {
    @Test func tenDaysFromTheDayAfterReceiptAcrossMonthEnds() {
        #expect(FeedbackDeadline.dueDay(receivedAt: vn(2026, 1, 25, 14)) == "2026-02-04")
        #expect(FeedbackDeadline.dueDay(receivedAt: vn(2026, 2, 25)) == "2026-03-07") // 2026 is not a leap year
        #expect(FeedbackDeadline.dueDay(receivedAt: vn(2028, 2, 25)) == "2028-03-06") // 2028 is
        #expect(FeedbackDeadline.dueDay(receivedAt: vn(2026, 12, 28, 23, 50)) == "2027-01-07")
        #expect(FeedbackDeadline.dueDay(receivedAt: vn(2026, 4, 30, 8)) == "2026-05-10")
    }

    @Test func receiptTimeIsReadInVietnam() {
        // 30 Apr 20:00 UTC is 1 May 03:00 in Huế: received on 1 May, due 11 May.
        let utc = ISO8601DateFormatter().date(from: "2026-04-30T20:00:00Z")!
        #expect(FeedbackDeadline.dueDay(receivedAt: utc) == "2026-05-11")
    }

    @Test func overdueWhenUnansweredPastTheDueDayOrAnsweredLate() {
        let got = vn(2026, 1, 25, 14)
        #expect(!FeedbackDeadline.isOverdue(receivedAt: got, answeredAt: nil, now: vn(2026, 2, 4, 23, 59)))
        #expect(FeedbackDeadline.isOverdue(receivedAt: got, answeredAt: nil, now: vn(2026, 2, 5)))
        #expect(!FeedbackDeadline.isOverdue(receivedAt: got, answeredAt: vn(2026, 2, 4, 22), now: vn(2026, 3, 1)))
        #expect(FeedbackDeadline.isOverdue(receivedAt: got, answeredAt: vn(2026, 2, 5, 8), now: vn(2026, 3, 1)))
    }

    @Test func submissionsAreValidated() throws {
        let ok = try FeedbackSubmission(datasetSlug: "roads", category: .quality, message: "  broken  ", contactEmail: " a@b.vn ").validated()
        #expect(ok.message == "broken" && ok.contactEmail == "a@b.vn")
        #expect(try FeedbackSubmission(datasetSlug: nil, category: .requestData, message: "please publish schools", contactEmail: "").validated().contactEmail == nil)
        #expect(throws: PortalError.self) { try FeedbackSubmission(datasetSlug: "r", category: .quality, message: "  ", contactEmail: nil).validated() }
        #expect(throws: PortalError.self) { try FeedbackSubmission(datasetSlug: "r", category: .quality, message: "x", contactEmail: "not an email").validated() }
        #expect(throws: PortalError.self) { try FeedbackSubmission(datasetSlug: nil, category: .format, message: "x", contactEmail: nil).validated() }
    }
}
