// The figures of the dashboards (Huế 2024 art. 18): for one quarter, each listed dataset's
// publication state, its update standing under the compliance rules, the feedback about it and
// its downloads; then the same added up by agency, theme or district. `PortalService.dashboard`
// reads the store; grouping and filtering are pure, so the pages, the CSV and the tests agree.
import Foundation
import GeoStore
import PublicErrors

/// What the dashboards add up by.
public enum DashboardDimension: String, Sendable, CaseIterable, Codable {
    case agency, theme, district
}

/// One listed dataset in one quarter.
public struct DashboardRow: Sendable, Equatable, Codable {
    public var dataset: String
    public var title: String
    public var agency: String
    public var agencyName: String
    public var theme: String
    /// The area the dataset covers, as its metadata names it (a district, the province…); empty when not said.
    public var district: String
    /// It has a published version today.
    public var published: Bool
    public var update: ComplianceStatus
    public var feedbackReceived: Int
    /// Received in the quarter and answered within its 10 days.
    public var feedbackAnsweredOnTime: Int
    /// Received in the quarter and answered late, or still unanswered past its 10 days.
    public var feedbackOverdue: Int
    /// Downloads counted on the quarter's days.
    public var downloads: Int

    public func value(_ dimension: DashboardDimension) -> String {
        switch dimension {
        case .agency: agency
        case .theme: theme
        case .district: district
        }
    }

    /// A deadline fell in the quarter (not a publication nobody asked for).
    public var updateWasDue: Bool
    /// An update was due and its deadline has passed: it counts in "updates on time".
    public var updateDue: Bool { updateWasDue && [.onTime, .late, .missing].contains(update) }

    public init(dataset: String, title: String, agency: String, agencyName: String, theme: String, district: String,
                published: Bool, update: ComplianceStatus, updateWasDue: Bool = true, feedbackReceived: Int = 0,
                feedbackAnsweredOnTime: Int = 0, feedbackOverdue: Int = 0, downloads: Int = 0) {
        self.dataset = dataset; self.title = title; self.agency = agency; self.agencyName = agencyName; self.theme = theme
        self.district = district; self.published = published; self.update = update; self.updateWasDue = updateWasDue
        self.feedbackReceived = feedbackReceived; self.feedbackAnsweredOnTime = feedbackAnsweredOnTime
        self.feedbackOverdue = feedbackOverdue; self.downloads = downloads
    }
}

/// The rows of one agency, theme or district added up.
public struct DashboardGroup: Sendable, Equatable {
    /// The value grouped on (the agency's slug, the theme, the district); empty: not given.
    public var key: String
    /// What people read: the agency's name, else the key.
    public var label: String
    public var datasets = 0
    public var published = 0
    public var updatesDue = 0
    public var updatesOnTime = 0
    public var feedbackReceived = 0
    public var feedbackAnsweredOnTime = 0
    public var feedbackOverdue = 0
    public var downloads = 0

    public init(key: String, label: String) { self.key = key; self.label = label }

    mutating func add(_ r: DashboardRow) {
        datasets += 1
        if r.published { published += 1 }
        if r.updateDue { updatesDue += 1; if r.update == .onTime { updatesOnTime += 1 } }
        feedbackReceived += r.feedbackReceived; feedbackAnsweredOnTime += r.feedbackAnsweredOnTime
        feedbackOverdue += r.feedbackOverdue; downloads += r.downloads
    }

    /// Share of due updates made on time, 0…100; nil when none was due.
    public var updatesOnTimePercent: Int? { updatesDue == 0 ? nil : Int((Double(updatesOnTime) * 100 / Double(updatesDue)).rounded()) }
    /// Share of feedback answered on time among that received, 0…100; nil when none came.
    public var feedbackOnTimePercent: Int? {
        feedbackReceived == 0 ? nil : Int((Double(feedbackAnsweredOnTime) * 100 / Double(feedbackReceived)).rounded())
    }
}

/// Use of the data by channel (downloads, API, tiles…). Filled once the operations issue's
/// usage statistics exist; until then the dashboards show downloads only and say so.
public struct ChannelUse: Sendable, Equatable {
    public var channel: String
    public var count: Int
    public init(channel: String, count: Int) { self.channel = channel; self.count = count }
}

/// The rows a dashboard shows: filtered by agency, theme or district (the drill-down links).
public struct DashboardFilter: Sendable, Equatable {
    public var values: [DashboardDimension: String]
    public init(_ values: [DashboardDimension: String] = [:]) { self.values = values }
    public func admits(_ row: DashboardRow) -> Bool { values.allSatisfy { row.value($0.key) == $0.value } }
}

public struct Dashboard: Sendable, Equatable {
    public var quarter: Quarter
    /// Every row of the quarter the person may see, before filtering.
    public var rows: [DashboardRow]
    public var filter: DashboardFilter
    /// nil: usage by channel is not counted yet (see `ChannelUse`).
    public var usageByChannel: [ChannelUse]?

    public init(quarter: Quarter, rows: [DashboardRow], filter: DashboardFilter = .init(), usageByChannel: [ChannelUse]? = nil) {
        self.quarter = quarter; self.rows = rows; self.filter = filter; self.usageByChannel = usageByChannel
    }

    /// The rows the filter admits, by dataset.
    public var shown: [DashboardRow] { rows.filter(filter.admits).sorted { $0.dataset < $1.dataset } }

    /// The shown rows added up by `dimension`, largest first (then by label).
    public func groups(by dimension: DashboardDimension) -> [DashboardGroup] {
        var out: [String: DashboardGroup] = [:]
        for r in shown {
            let key = r.value(dimension)
            out[key, default: DashboardGroup(key: key, label: dimension == .agency ? r.agencyName : key)].add(r)
        }
        return out.values.sorted { ($1.datasets, $0.label) < ($0.datasets, $1.label) }
    }

    /// Every shown row added up.
    public var totals: DashboardGroup {
        var t = DashboardGroup(key: "", label: "")
        for r in shown { t.add(r) }
        return t
    }

    /// One row per shown dataset, RFC 4180, the same numbers as the page.
    public func csv() -> String {
        var out = "quarter,dataset,title,agency,agency_name,theme,district,published,update,feedback_received,feedback_answered_on_time,feedback_overdue,downloads\n"
        for r in shown {
            out += CSV.row([quarter.description, r.dataset, r.title, r.agency, r.agencyName, r.theme, r.district,
                            r.published ? "yes" : "no", r.update.rawValue, String(r.feedbackReceived),
                            String(r.feedbackAnsweredOnTime), String(r.feedbackOverdue), String(r.downloads)])
        }
        return out
    }
}

extension PortalService {
    /// The dashboard of `quarter` for `actor`: every agency for an administrator, the agency's
    /// own for its leader (approver). `downloads`: each dataset's downloads on the quarter's
    /// days, by slug (the store's counters, `Store.downloadTotals(fromDay:toDay:)`).
    public func dashboard(_ quarter: Quarter, filter: DashboardFilter = .init(), downloads: [String: Int],
                          usageByChannel: [ChannelUse]? = nil, by actor: Actor) throws -> Dashboard {
        var only: Int64? = nil
        if actor.role == .administrator {
            try Permissions.authorize(actor, .readReports)
        } else {
            guard let agency = actor.agencyID else { throw PortalError.forbidden("portal.role.administratorOnly", ["user": actor.username, "role": actor.role.rawValue]) }
            try Permissions.authorize(actor, .readAgencyReports(agencyID: agency))
            only = agency
        }
        let t = now()
        return try records.read { tx in
            let inputs = try complianceInputs(tx, agency: only)
            let agencies = Dictionary(uniqueKeysWithValues: inputs.agencies.map { ($0.id, $0) })
            var details: [String: ListedDatasetDetailRecord] = [:]
            for r in try tx.listedDatasetDetails() { details[r.slug] = r }
            var feedback: [Int64: (received: Int, onTime: Int, overdue: Int)] = [:]
            for r in try tx.datasetFeedbackTimes() {
                guard quarter.contains(r.receivedAt) else { continue }
                let late = FeedbackDeadline.isOverdue(receivedAt: r.receivedAt, answeredAt: r.answeredAt, now: t)
                var f = feedback[r.datasetID, default: (0, 0, 0)]
                f.received += 1
                if late { f.overdue += 1 } else if r.answeredAt != nil { f.onTime += 1 }
                feedback[r.datasetID] = f
            }
            let rows = inputs.datasets.compactMap { d -> DashboardRow? in
                guard let agency = agencies[d.agencyID], d.addedAt < quarter.end, let detail = details[d.datasetSlug] else { return nil }
                let f = feedback[detail.datasetID] ?? (0, 0, 0)
                return DashboardRow(dataset: d.datasetSlug, title: d.title, agency: agency.slug, agencyName: agency.name,
                                    theme: detail.theme, district: detail.spatialLabel ?? "",
                                    published: detail.published,
                                    update: ComplianceCalculator.status(of: d, in: quarter, now: t),
                                    updateWasDue: ComplianceCalculator.deadline(for: d, in: quarter) != nil,
                                    feedbackReceived: f.received, feedbackAnsweredOnTime: f.onTime, feedbackOverdue: f.overdue,
                                    downloads: downloads[d.datasetSlug] ?? 0)
            }
            return Dashboard(quarter: quarter, rows: rows, filter: filter, usageByChannel: usageByChannel)
        }
    }
}
