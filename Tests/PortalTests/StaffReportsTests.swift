import Foundation
import Testing
import Catalogue
@testable import Portal

/// What the staff pages of issue 19 read: the on-change rule of the compliance report, the
/// report of one agency for its leader, the audit-log search, the catalogue's yearly review and
/// the dashboards' figures.
@Suite struct OnChangeComplianceTests {
    let q3 = try! Quarter(parsing: "2026Q3")

    func dataset(changes: [Date], published: [Date]) -> ComplianceDataset {
        ComplianceDataset(agencyID: 1, datasetSlug: "ranh-gioi", title: "Ranh giới", frequency: .onChange, addedAt: vn(2025, 1, 1),
                          publications: published.enumerated().map { .init(versionNumber: $0.offset + 1, publishedAt: $0.element, featureCount: 5) },
                          changes: changes)
    }

    /// Sơn La art. 8.4: a dataset updated "on change" is due 15 days after the change, counting
    /// its day. Before this rule such datasets were never due, so a change left unpublished
    /// counted as "not due" instead of "missing".
    @Test func aChangeIsDueFifteenDaysLaterCountingItsDay() {
        let change = vn(2026, 8, 10, 14)
        let after = vn(2026, 10, 5)
        #expect(ComplianceCalculator.deadline(for: dataset(changes: [change], published: []), in: q3) == vn(2026, 8, 25))
        #expect(ComplianceCalculator.status(of: dataset(changes: [change], published: [vn(2026, 8, 24, 23, 59)]), in: q3, now: after) == .onTime)
        #expect(ComplianceCalculator.status(of: dataset(changes: [change], published: [vn(2026, 8, 25, 0, 1)]), in: q3, now: after) == .late)
        #expect(ComplianceCalculator.status(of: dataset(changes: [change], published: []), in: q3, now: after) == .missing)
        #expect(ComplianceCalculator.status(of: dataset(changes: [change], published: []), in: q3, now: vn(2026, 8, 20)) == .pending)
        // A publication before the change does not answer it.
        #expect(ComplianceCalculator.status(of: dataset(changes: [change], published: [vn(2026, 8, 1)]), in: q3, now: after) == .missing)
        // A change late in September is published in October, within its 15 days: on time, in Q3's report.
        #expect(ComplianceCalculator.status(of: dataset(changes: [vn(2026, 9, 28)], published: [vn(2026, 10, 6)]), in: q3, now: vn(2026, 10, 20)) == .onTime)
        // Two changes: one missed is not made good by the other.
        #expect(ComplianceCalculator.status(of: dataset(changes: [vn(2026, 7, 2), vn(2026, 9, 1)], published: [vn(2026, 9, 3)]),
                                            in: q3, now: after) == .late)
        // No change in the quarter: not due.
        #expect(ComplianceCalculator.status(of: dataset(changes: [vn(2026, 5, 1)], published: [vn(2026, 5, 3)]), in: q3, now: after) == .notDue)
    }

    @Test func anUnpublishedChangeIsRemindedAndCountedMissing() {
        let agency = ComplianceAgency(id: 1, slug: "so-tnmt", name: "Sở TNMT")
        let soon = ComplianceCalculator.report(quarter: q3, agencies: [agency], datasets: [dataset(changes: [vn(2026, 8, 10)], published: [])],
                                               feedback: [], now: vn(2026, 8, 12))
        #expect(soon.dueSoon == [.init(agency: "so-tnmt", dataset: "ranh-gioi", deadline: "2026-08-24")])
        #expect(soon.agencies[0].datasets[0].deadline == "2026-08-24" && soon.agencies[0].totals.pending == 1)
        let gone = ComplianceCalculator.report(quarter: q3, agencies: [agency], datasets: [dataset(changes: [vn(2026, 8, 10)], published: [])],
                                               feedback: [], now: vn(2026, 8, 30))
        #expect(gone.overdueNow.map(\.deadline) == ["2026-08-24"] && gone.agencies[0].totals.missing == 1)
    }
}

@Suite struct StaffReportsServiceTests {
    /// The declared change goes through the store into the report; only the agency's own staff
    /// declare it, only for "on change" datasets, not in the future, and it is audited.
    @Test(arguments: Engine.all) func aDeclaredChangeMakesTheDatasetDueInTheReport(_ engine: Engine) throws {
        let f = try ServiceFixture(engine, at: vn(2026, 8, 1))
        let p = f.portal
        try p.addToOpenDataList(agency: "so-tnmt", slug: "ranh-gioi", title: "Ranh giới", frequency: .onChange, by: f.admin)
        try p.addToOpenDataList(agency: "so-tnmt", slug: "gieng", title: "Giếng", by: f.admin)
        f.clock.set(vn(2026, 8, 12))
        let c = try p.recordDataChange(dataset: "ranh-gioi", on: "2026-08-10", note: "Nghị quyết sáp nhập xã", by: f.editorA)
        #expect(c.dueDay == "2026-08-24")
        #expect(throws: PortalError.self) { try p.recordDataChange(dataset: "ranh-gioi", on: "2026-08-10", note: "", by: f.editorB) }
        #expect(throws: PortalError.self) { try p.recordDataChange(dataset: "gieng", on: "2026-08-10", note: "", by: f.editorA) }
        #expect(throws: PortalError.self) { try p.recordDataChange(dataset: "ranh-gioi", on: "2026-08-30", note: "", by: f.editorA) }
        #expect(throws: PortalError.self) { try p.recordDataChange(dataset: "ranh-gioi", on: "2026-02-30", note: "", by: f.editorA) }
        #expect(try p.dataChanges(dataset: "ranh-gioi", by: f.approverA).map(\.changedOn) == ["2026-08-10"])
        f.clock.set(vn(2026, 9, 1))
        let r = try p.quarterlyReport(try Quarter(parsing: "2026Q3"), by: f.admin)
        let line = try #require(r.agencies.first { $0.slug == "so-tnmt" }?.datasets.first { $0.slug == "ranh-gioi" })
        #expect(line.status == .missing && line.deadline == "2026-08-24")
        #expect(try p.auditLog(by: f.admin).contains { $0.action == "dataset.change" && $0.comment == "Nghị quyết sáp nhập xã" })
    }

    /// An agency's leader reads the report of the agency, not of others; an editor reads none.
    @Test(arguments: Engine.all) func aLeaderReadsTheReportOfTheirAgencyOnly(_ engine: Engine) throws {
        let f = try ServiceFixture(engine, at: vn(2026, 7, 2))
        let p = f.portal
        try p.addToOpenDataList(agency: "so-tnmt", slug: "land-use", title: "Land use", by: f.admin)
        try p.addToOpenDataList(agency: "so-gtvt", slug: "roads", title: "Roads", by: f.admin)
        let q = try Quarter(parsing: "2026Q3")
        #expect(try p.quarterlyReport(q, by: f.admin).agencies.map(\.slug) == ["so-gtvt", "so-tnmt"])
        let own = try p.quarterlyReport(q, by: f.approverA)
        #expect(own.agencies.map(\.slug) == ["so-tnmt"] && own.totals.pending == 1)
        #expect(!own.csv().contains("roads"))
        #expect(throws: PortalError.self) { try p.quarterlyReport(q, by: f.editorA) }
    }

    @Test(arguments: Engine.all) func theAuditLogIsSearchedByDatasetUserActionAndDaysAPageAtATime(_ engine: Engine) throws {
        let f = try ServiceFixture(engine, at: vn(2026, 7, 1, 9))
        let p = f.portal
        try p.addToOpenDataList(agency: "so-tnmt", slug: "land-use", title: "Land use", by: f.admin)
        f.clock.set(vn(2026, 7, 10, 23, 30))   // late evening in Huế, already the 10th in UTC too
        let n = try f.ingestDraft("land-use")
        try p.submit(dataset: "land-use", number: n, by: f.editorA)
        f.clock.set(vn(2026, 7, 11, 6))        // the 11th in Huế, still the 10th in UTC
        try p.approve(dataset: "land-use", number: n, by: f.approverA)
        try p.addToOpenDataList(agency: "so-gtvt", slug: "roads", title: "Roads", by: f.admin)

        let all = try p.searchAuditLog(AuditQuery(), by: f.admin)
        #expect(all.total == all.entries.count && all.entries.first?.action == "catalogue.add" && all.entries.first?.dataset == "roads")
        #expect(try p.searchAuditLog(AuditQuery(dataset: "land-use"), by: f.admin).entries.map(\.action) == ["approve", "submit", "catalogue.add"])
        #expect(try p.searchAuditLog(AuditQuery(user: "LEADER-tnmt"), by: f.admin).entries.map(\.action) == ["approve"])
        // "catalogue" finds catalogue.add, not an action merely starting with those letters.
        #expect(try p.searchAuditLog(AuditQuery(action: "catalogue"), by: f.admin).entries.map(\.dataset) == ["roads", "land-use"])
        // Days are Vietnam's: the approval at 06:00 on the 11th is on the 11th.
        #expect(try p.searchAuditLog(AuditQuery(dataset: "land-use", from: "2026-07-11", to: "2026-07-11"), by: f.admin)
                    .entries.map(\.action) == ["approve"])
        #expect(try p.searchAuditLog(AuditQuery(dataset: "land-use", from: "2026-07-02", to: "2026-07-10"), by: f.admin)
                    .entries.map(\.action) == ["submit"])
        let page2 = try p.searchAuditLog(AuditQuery(page: 2, pageSize: 2), by: f.admin)
        #expect(page2.total == all.total && page2.entries.map(\.id) == Array(all.entries.dropFirst(2).prefix(2)).map(\.id))
        #expect(page2.pageCount == (all.total + 1) / 2)
        #expect(try p.exportAuditLog(AuditQuery(dataset: "land-use"), by: f.admin).map(\.action) == ["catalogue.add", "submit", "approve"])
        #expect(throws: PortalError.self) { try p.searchAuditLog(AuditQuery(from: "11/07/2026"), by: f.admin) }
        #expect(throws: PortalError.self) { try p.searchAuditLog(AuditQuery(), by: f.approverA) }
    }

    @Test(arguments: Engine.all) func catalogueEntriesAreDueForReviewAYearAfterTheLast(_ engine: Engine) throws {
        let f = try ServiceFixture(engine, at: vn(2025, 3, 1))
        let p = f.portal
        try p.addToOpenDataList(agency: "so-tnmt", slug: "old", title: "Old", by: f.admin)
        f.clock.set(vn(2026, 1, 10))
        try p.addToOpenDataList(agency: "so-tnmt", slug: "new", title: "New", by: f.admin)
        f.clock.set(vn(2026, 3, 5))
        let before = try p.yearlyReview(by: f.admin)
        #expect(before.map(\.slug) == ["old", "new"] && before.map(\.reviewOverdue) == [true, false])
        #expect(before[0].reviewDue == "2026-02-28" && before[1].reviewDue == "2027-01-09")
        let reviewed = try p.markReviewed(dataset: "old", comment: "Vẫn cần", by: f.admin)
        #expect(!reviewed.reviewOverdue && reviewed.reviewDue == "2027-03-04" && reviewed.reviewedBy == "admin")
        #expect(try p.yearlyReview(by: f.admin).map(\.slug) == ["new", "old"])
        #expect(throws: PortalError.self) { try p.markReviewed(dataset: "old", comment: nil, by: f.approverA) }
        #expect(try p.auditLog(by: f.admin).last?.action == "catalogue.review")
    }

    @Test(arguments: Engine.all) func dashboardFiguresByAgencyThemeAndDistrict(_ engine: Engine) throws {
        let f = try ServiceFixture(engine, at: vn(2026, 6, 1))
        let p = f.portal
        try p.addToOpenDataList(agency: "so-tnmt", slug: "land-use", title: "Land use", theme: "Đất đai", by: f.admin)
        try p.addToOpenDataList(agency: "so-tnmt", slug: "wells", title: "Wells", theme: "Nước", by: f.admin)
        try p.addToOpenDataList(agency: "so-gtvt", slug: "roads", title: "Roads", theme: "Giao thông", by: f.admin)
        // The district, as the metadata form records it.
        for slug in ["wells", "roads"] {
            try CatalogueReader(store: f.store).updateMetadata(slug, MetadataPatch(spatialLabel: "Phú Vang"))
        }
        f.clock.set(vn(2026, 7, 5))
        let n = try f.ingestDraft("land-use")
        try p.submit(dataset: "land-use", number: n, by: f.editorA)
        try p.approve(dataset: "land-use", number: n, by: f.approverA)
        let fb = try p.submitFeedback(FeedbackSubmission(datasetSlug: "land-use", category: .quality, message: "Sai ranh", contactEmail: nil), client: "a")
        _ = try p.answerFeedback(id: fb.id, answer: "Đã sửa", by: f.editorA)
        _ = try p.submitFeedback(FeedbackSubmission(datasetSlug: "roads", category: .quality, message: "Thiếu đường", contactEmail: nil), client: "b")
        f.clock.set(vn(2026, 8, 1))
        let q = try Quarter(parsing: "2026Q3")
        let d = try p.dashboard(q, downloads: ["land-use": 7, "roads": 2], by: f.admin)
        #expect(d.shown.map(\.dataset) == ["land-use", "roads", "wells"])
        let byAgency = d.groups(by: .agency)
        #expect(byAgency.map(\.label) == ["Sở Tài nguyên và Môi trường", "Sở Giao thông Vận tải"])
        let tnmt = byAgency[0]
        #expect((tnmt.datasets, tnmt.published, tnmt.updatesDue, tnmt.updatesOnTime) == (2, 1, 2, 1))
        #expect((tnmt.feedbackReceived, tnmt.feedbackAnsweredOnTime, tnmt.downloads) == (1, 1, 7))
        #expect(tnmt.updatesOnTimePercent == 50 && byAgency[1].feedbackOverdue == 1)
        #expect(d.groups(by: .district).map(\.key) == ["Phú Vang", ""])
        // Drill-down: the district's datasets only, and the CSV holds the same rows.
        let drilled = try p.dashboard(q, filter: DashboardFilter([.district: "Phú Vang"]), downloads: [:], by: f.admin)
        #expect(drilled.shown.map(\.dataset) == ["roads", "wells"] && drilled.totals.datasets == 2)
        #expect(drilled.csv().split(separator: "\n").count == 3)
        // A leader sees the agency's own datasets; an editor none.
        #expect(try p.dashboard(q, downloads: [:], by: f.approverB).shown.map(\.dataset) == ["roads"])
        #expect(throws: PortalError.self) { try p.dashboard(q, downloads: [:], by: f.editorA) }
    }
}
