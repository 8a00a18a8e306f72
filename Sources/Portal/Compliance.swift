// The quarterly compliance report (Huế 2021 art. 13.3; Sơn La art. 12.3): per agency, each
// listed dataset's status for the quarter — on time, late, missing — and the totals that
// count in the agency's annual rating. Pure computation over plain values so that the CLI, the
// API and the tests agree; `PortalService` gathers the inputs from the store.
public import Foundation
import GeoModel

/// A dataset's standing in one quarter.
public enum ComplianceStatus: String, Sendable, Codable, CaseIterable {
    /// A version was published between the quarter's start and the deadline.
    case onTime = "on-time"
    /// The first version of the quarter was published after the deadline.
    case late
    /// Nothing was published in the quarter and the deadline has passed.
    case missing
    /// Nothing published yet, but the deadline is still ahead (the report is for the current quarter).
    case pending
    /// No update is required this quarter (its frequency, or it entered the list too late
    /// in the quarter to have its 15 days before the quarter ends).
    case notDue = "not-due"
}

/// One listed dataset, as the report needs it.
public struct ComplianceDataset: Sendable {
    public struct Publication: Sendable {
        public var versionNumber: Int
        public var publishedAt: Date
        public var featureCount: Int
        public init(versionNumber: Int, publishedAt: Date, featureCount: Int) {
            self.versionNumber = versionNumber; self.publishedAt = publishedAt; self.featureCount = featureCount
        }
    }
    public var agencyID: Int64
    public var datasetSlug: String
    public var title: String
    public var frequency: UpdateFrequency
    /// When the dataset entered the open-data list.
    public var addedAt: Date
    public var publications: [Publication]
    /// For datasets updated "on change": when the data changed, as the agency declared it. Each
    /// change must be published within 15 days of it, counting its day (Sơn La art. 8.4).
    public var changes: [Date]

    public init(agencyID: Int64, datasetSlug: String, title: String, frequency: UpdateFrequency,
                addedAt: Date, publications: [Publication], changes: [Date] = []) {
        self.agencyID = agencyID; self.datasetSlug = datasetSlug; self.title = title
        self.frequency = frequency; self.addedAt = addedAt; self.publications = publications; self.changes = changes
    }
}

public struct ComplianceAgency: Sendable {
    public var id: Int64
    public var slug: String
    public var name: String
    public init(id: Int64, slug: String, name: String) { self.id = id; self.slug = slug; self.name = name }
}

/// A feedback item as the report counts it.
public struct ComplianceFeedback: Sendable {
    /// nil: addressed to the Department (a request for new data).
    public var agencyID: Int64?
    public var receivedAt: Date
    public var answeredAt: Date?
    public init(agencyID: Int64?, receivedAt: Date, answeredAt: Date?) {
        self.agencyID = agencyID; self.receivedAt = receivedAt; self.answeredAt = answeredAt
    }
}

public struct QuarterlyComplianceReport: Sendable, Codable, Equatable {
    public struct DatasetLine: Sendable, Codable, Equatable {
        public var slug: String
        public var title: String
        public var frequency: UpdateFrequency
        /// The day by which it had to be published (`yyyy-MM-dd`, Vietnam), nil when not due.
        public var deadline: String?
        public var status: ComplianceStatus
        public var firstPublishedAt: String?
        public var lastPublishedAt: String?
        public var versionsPublished: Int
        /// Features in the last version published in the quarter.
        public var featuresPublished: Int
    }
    public struct Totals: Sendable, Codable, Equatable {
        public var onTime = 0, late = 0, missing = 0, pending = 0, notDue = 0
        public var featuresPublished = 0
        public var feedbackReceived = 0
        /// Feedback received in the quarter answered after its 10 days, or unanswered past them.
        public var feedbackOverdue = 0
    }
    public struct AgencySection: Sendable, Codable, Equatable {
        public var slug: String
        public var name: String
        public var datasets: [DatasetLine]
        public var totals: Totals
    }
    /// A dataset whose deadline in the current quarter is near or gone with nothing published.
    public struct Reminder: Sendable, Codable, Equatable {
        public var agency: String
        public var dataset: String
        public var deadline: String
    }

    public var quarter: Quarter
    public var start: String
    public var end: String
    public var deadline: String
    /// When the report was computed: statuses of the current quarter are as of this instant.
    public var generatedAt: String
    public var agencies: [AgencySection]
    public var totals: Totals
    /// Nothing published yet in the current quarter, deadline within the next 15 days.
    public var dueSoon: [Reminder]
    /// Nothing published in the current quarter and its deadline has passed.
    public var overdueNow: [Reminder]
}

public enum ComplianceCalculator {
    /// The window for "due soon".
    public static let dueSoonDays = 15

    /// The end (exclusive) of a dataset's update window in `quarter`, or nil when it is not due.
    /// A dataset that enters the list mid-quarter gets its own 15 days counting the day it
    /// was added; if those run past the quarter's end it is not due until the next quarter.
    public static func deadline(for dataset: ComplianceDataset, in quarter: Quarter) -> Date? {
        if dataset.frequency == .onChange { return changeDeadlines(of: dataset, in: quarter).last?.deadline }
        guard dataset.frequency.isDue(in: quarter), dataset.addedAt < quarter.end else { return nil }
        guard dataset.addedAt > quarter.start else { return quarter.deadline }
        let own = PortalCalendar.startOfDay(dataset.addedAt, plusDays: Quarter.deadlineDays)
        let d = max(quarter.deadline, own)
        return d <= quarter.end ? d : nil
    }

    /// Days an "on change" dataset has to publish a change, counting the day of the change.
    public static let changeDeadlineDays = 15

    /// The changes of an "on change" dataset that fall in `quarter`, each with the first instant
    /// after its 15 days. The window may run into the next quarter: the change is reported in
    /// the quarter it happened.
    public static func changeDeadlines(of dataset: ComplianceDataset, in quarter: Quarter) -> [(change: Date, deadline: Date)] {
        dataset.changes.filter { quarter.contains($0) }.sorted().map {
            ($0, PortalCalendar.startOfDay($0, plusDays: changeDeadlineDays))
        }
    }

    /// One change's standing: the first publication on or after the change's day answers it.
    static func status(ofChange change: Date, deadline: Date, publications: [Date], now: Date) -> ComplianceStatus {
        let from = PortalCalendar.startOfDay(change, plusDays: 0)
        if let first = publications.filter({ $0 >= from && $0 <= now }).min() { return first < deadline ? .onTime : .late }
        return now < deadline ? .pending : .missing
    }

    public static func status(of dataset: ComplianceDataset, in quarter: Quarter, now: Date) -> ComplianceStatus {
        if dataset.frequency == .onChange, !dataset.changes.isEmpty {
            let windows = changeDeadlines(of: dataset, in: quarter)
            guard !windows.isEmpty else {
                return dataset.publications.contains { quarter.contains($0.publishedAt) && $0.publishedAt <= now } ? .onTime : .notDue
            }
            // The worst change decides: one missed change is not made good by another published in time.
            let each = windows.map { status(ofChange: $0.change, deadline: $0.deadline, publications: dataset.publications.map(\.publishedAt), now: now) }
            for s in [ComplianceStatus.missing, .late, .pending] where each.contains(s) { return s }
            return .onTime
        }
        let inQuarter = dataset.publications.filter { quarter.contains($0.publishedAt) && $0.publishedAt <= now }
        let first = inQuarter.map(\.publishedAt).min()
        guard let deadline = deadline(for: dataset, in: quarter) else {
            return first == nil ? .notDue : .onTime
        }
        if let first { return first < deadline ? .onTime : .late }
        return now < deadline ? .pending : .missing
    }

    public static func report(quarter: Quarter, agencies: [ComplianceAgency], datasets: [ComplianceDataset],
                              feedback: [ComplianceFeedback], now: Date) -> QuarterlyComplianceReport {
        var sections: [QuarterlyComplianceReport.AgencySection] = []
        var grand = QuarterlyComplianceReport.Totals()
        var dueSoon: [QuarterlyComplianceReport.Reminder] = []
        var overdue: [QuarterlyComplianceReport.Reminder] = []
        let current = Quarter(containing: now)
        let soonLimit = PortalCalendar.startOfDay(now, plusDays: dueSoonDays + 1)

        for agency in agencies.sorted(by: { $0.slug < $1.slug }) {
            var totals = QuarterlyComplianceReport.Totals()
            var lines: [QuarterlyComplianceReport.DatasetLine] = []
            for d in datasets.filter({ $0.agencyID == agency.id && $0.addedAt < quarter.end }).sorted(by: { $0.datasetSlug < $1.datasetSlug }) {
                let st = status(of: d, in: quarter, now: now)
                let pubs = d.publications.filter { quarter.contains($0.publishedAt) && $0.publishedAt <= now }
                    .sorted { $0.publishedAt < $1.publishedAt }
                let dl = deadline(for: d, in: quarter)
                let features = pubs.last?.featureCount ?? 0
                lines.append(.init(slug: d.datasetSlug, title: d.title, frequency: d.frequency,
                                   deadline: dl.map { PortalCalendar.dayString($0.addingTimeInterval(-1)) },
                                   status: st,
                                   firstPublishedAt: pubs.first.map { PortalCalendar.timestamp($0.publishedAt) },
                                   lastPublishedAt: pubs.last.map { PortalCalendar.timestamp($0.publishedAt) },
                                   versionsPublished: pubs.count, featuresPublished: features))
                switch st {
                case .onTime: totals.onTime += 1
                case .late: totals.late += 1
                case .missing: totals.missing += 1
                case .pending: totals.pending += 1
                case .notDue: totals.notDue += 1
                }
                totals.featuresPublished += features

                // Reminders concern the quarter we are in, whatever quarter is reported.
                if d.frequency == .onChange {
                    // Each change still waiting for its publication, whichever quarter it happened in.
                    for q in [current.previous, current] {
                        for w in changeDeadlines(of: d, in: q)
                        where [.pending, .missing].contains(status(ofChange: w.change, deadline: w.deadline,
                                                                    publications: d.publications.map(\.publishedAt), now: now)) {
                            let r = QuarterlyComplianceReport.Reminder(agency: agency.slug, dataset: d.datasetSlug,
                                                                       deadline: PortalCalendar.dayString(w.deadline.addingTimeInterval(-1)))
                            if w.deadline <= now { overdue.append(r) } else if w.deadline <= soonLimit { dueSoon.append(r) }
                        }
                    }
                } else if let cdl = deadline(for: d, in: current), !d.publications.contains(where: { current.contains($0.publishedAt) && $0.publishedAt <= now }) {
                    let r = QuarterlyComplianceReport.Reminder(agency: agency.slug, dataset: d.datasetSlug,
                                                               deadline: PortalCalendar.dayString(cdl.addingTimeInterval(-1)))
                    if cdl <= now { overdue.append(r) } else if cdl <= soonLimit { dueSoon.append(r) }
                }
            }
            for f in feedback where f.agencyID == agency.id && quarter.contains(f.receivedAt) {
                totals.feedbackReceived += 1
                if FeedbackDeadline.isOverdue(receivedAt: f.receivedAt, answeredAt: f.answeredAt, now: now) {
                    totals.feedbackOverdue += 1
                }
            }
            grand.add(totals)
            sections.append(.init(slug: agency.slug, name: agency.name, datasets: lines, totals: totals))
        }
        return QuarterlyComplianceReport(
            quarter: quarter, start: PortalCalendar.dayString(quarter.start),
            end: PortalCalendar.dayString(quarter.end.addingTimeInterval(-1)), deadline: quarter.deadlineDay,
            generatedAt: PortalCalendar.timestamp(now), agencies: sections, totals: grand,
            dueSoon: dueSoon, overdueNow: overdue)
    }
}

extension QuarterlyComplianceReport.Totals {
    mutating func add(_ o: Self) {
        onTime += o.onTime; late += o.late; missing += o.missing; pending += o.pending; notDue += o.notDue
        featuresPublished += o.featuresPublished; feedbackReceived += o.feedbackReceived; feedbackOverdue += o.feedbackOverdue
    }
}

extension QuarterlyComplianceReport {
    /// One row per dataset, then one totals row per agency (dataset column `*`), RFC 4180 quoting.
    public func csv() -> String {
        var out = "quarter,agency,agency_name,dataset,title,frequency,deadline,status,first_published_at,last_published_at,versions_published,features_published\n"
        for a in agencies {
            for d in a.datasets {
                out += CSV.row([quarter.description, a.slug, a.name, d.slug, d.title, d.frequency.rawValue,
                                d.deadline ?? "", d.status.rawValue, d.firstPublishedAt ?? "", d.lastPublishedAt ?? "",
                                String(d.versionsPublished), String(d.featuresPublished)])
            }
            let t = a.totals
            out += CSV.row([quarter.description, a.slug, a.name, "*",
                            "on-time \(t.onTime); late \(t.late); missing \(t.missing); pending \(t.pending); feedback overdue \(t.feedbackOverdue)",
                            "", deadline, "total", "", "", "", String(t.featuresPublished)])
        }
        return out
    }

    public func json() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try e.encode(self)
    }
}

/// RFC 4180 rows, shared by the report and the audit-log export; each field through
/// `CSVField`, the one rule for every CSV Bando writes.
public enum CSV {
    public static func field(_ s: String) -> String { CSVField.text(s) }
    public static func row(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") + "\n" }
}
