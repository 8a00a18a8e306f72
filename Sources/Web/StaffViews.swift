// The values of the Department's and leaders' report pages (issue 19): the quarterly compliance
// report (`reports.mustache`) and the dashboards (`dashboards.mustache`), each chart a
// `BarChart` drawn by `chart.mustache` with its numbers in a table beside it. Values in, values
// out: App reads through `PortalService` and renders with `StaffPages`; the words are page texts.
public import Portal
public import PublicErrors
import Foundation

/// Builds what the staff report pages show. Every URL keeps the page's language.
public enum StaffViews {
    static let texts = PageTexts.shared

    /// `path` with `lang=` added.
    static func link(_ path: String, _ l: Language) -> String {
        path + (path.contains("?") ? "&" : "?") + "lang=\(l.rawValue)"
    }

    /// A `yyyy-MM-dd` day as people of `l` write it.
    static func day(_ text: String?, _ l: Language) -> String {
        guard let text else { return "" }
        let p = text.prefix(10).split(separator: "-")
        guard p.count == 3 else { return text }
        return texts.text("fmt_date", l) == "dd/MM/yyyy" ? "\(p[2])/\(p[1])/\(p[0])" : String(text.prefix(10))
    }

    /// An ISO 8601 instant (Vietnam's offset) as day and time.
    static func instant(_ text: String?, _ l: Language) -> String {
        guard let text else { return "" }
        let time = text.count >= 16 ? " " + text.dropFirst(11).prefix(5) : ""
        return day(text, l) + time
    }

    static func statusText(_ s: ComplianceStatus, _ l: Language) -> String {
        texts.text("status_" + s.rawValue.replacingOccurrences(of: "-", with: "_"), l)
    }

    static func frequencyText(_ f: UpdateFrequency, _ l: Language) -> String {
        texts.text("freq_" + f.rawValue.replacingOccurrences(of: "-", with: "_"), l)
    }

    /// The quarters a picker offers: the current one and the seven before it, newest first.
    static func quarterChoices(current: Quarter, selected: Quarter) -> [[String: Any]] {
        var q = current
        var out: [Quarter] = []
        for _ in 0..<8 { out.append(q); q = q.previous }
        if !out.contains(selected) { out.append(selected) }
        return out.map { ["value": $0.description, "label": $0.description, "selected": $0 == selected] }
    }

    /// The chart and table values of `chart`: `{"chart": …, "caption": …}`.
    static func chart(_ c: BarChart) -> [String: Any] { c.context() }

    static let statusOrder: [ComplianceStatus] = [.onTime, .late, .missing, .pending, .notDue]

    // MARK: - /reports

    /// The quarterly compliance report page. `current`: the quarter we are in (for the picker).
    public static func report(_ r: QuarterlyComplianceReport, current: Quarter, language l: Language) -> [String: Any] {
        let q = r.quarter.description
        let bars = r.agencies.map { a in
            ChartBar(label: a.name, segments: statusOrder.map { s in
                let n = count(a.totals, s)
                return .init(value: Double(n), style: "seg-" + s.rawValue, tip: "\(statusText(s, l)): \(n)")
            }, valueText: String(a.datasets.count))
        }
        let chart = BarChart(label: texts.text("rp_chart_label", l, ["quarter": q]), bars: bars)
        func totalsRow(_ name: String, _ t: QuarterlyComplianceReport.Totals, datasets: Int) -> [String: Any] {
            ["name": name, "datasets": datasets, "on_time": t.onTime, "late": t.late, "missing": t.missing, "pending": t.pending,
             "not_due": t.notDue, "features": t.featuresPublished, "feedback": t.feedbackReceived, "feedback_overdue": t.feedbackOverdue]
        }
        return [
            "quarter": q,
            "heading": texts.text("rp_heading", l, ["quarter": q]),
            "period": texts.text("rp_period", l, ["start": day(r.start, l), "end": day(r.end, l), "deadline": day(r.deadline, l)]),
            "generated": texts.text("rp_generated", l, ["at": instant(r.generatedAt, l)]),
            "quarters": quarterChoices(current: current, selected: r.quarter),
            "picker_action": "/reports",
            "csv_url": link("/reports?quarter=\(q)&format=csv", l),
            "legend": statusOrder.map { ["style": "seg-" + $0.rawValue, "label": statusText($0, l)] },
            "chart": chart.context(),
            "has_agencies": !r.agencies.isEmpty,
            "agency_totals": r.agencies.map { totalsRow($0.name, $0.totals, datasets: $0.datasets.count) },
            "grand_total": totalsRow(texts.text("rp_all_agencies", l), r.totals, datasets: r.agencies.reduce(0) { $0 + $1.datasets.count }),
            "agencies": r.agencies.map { a -> [String: Any] in
                ["id": "agency-" + a.slug, "name": a.name,
                 "datasets": a.datasets.map { d -> [String: Any] in
                     ["title": d.title, "slug": d.slug, "frequency": frequencyText(d.frequency, l),
                      "deadline": d.deadline.map { day($0, l) } ?? "—", "status": statusText(d.status, l),
                      "status_class": "st-" + d.status.rawValue,
                      "first": instant(d.firstPublishedAt, l), "last": instant(d.lastPublishedAt, l),
                      "versions": d.versionsPublished, "features": d.featuresPublished]
                 },
                 "empty": a.datasets.isEmpty]
            },
            "due_soon": r.dueSoon.map { ["agency": $0.agency, "dataset": $0.dataset, "deadline": day($0.deadline, l)] },
            "overdue_now": r.overdueNow.map { ["agency": $0.agency, "dataset": $0.dataset, "deadline": day($0.deadline, l)] },
            "has_due_soon": !r.dueSoon.isEmpty, "has_overdue_now": !r.overdueNow.isEmpty,
        ]
    }

    static func count(_ t: QuarterlyComplianceReport.Totals, _ s: ComplianceStatus) -> Int {
        switch s {
        case .onTime: t.onTime
        case .late: t.late
        case .missing: t.missing
        case .pending: t.pending
        case .notDue: t.notDue
        }
    }

    // MARK: - /dashboards

    /// The dashboards page: figures of the shown rows, four charts by `dimension` (each with
    /// its table, whose first column links to the drill-down), and the rows themselves.
    public static func dashboard(_ d: Dashboard, dimension: DashboardDimension, current: Quarter, language l: Language) -> [String: Any] {
        let q = d.quarter.description
        /// The page's URL with `change` applied to its parameters.
        func url(_ change: (inout [String: String]) -> Void) -> String {
            var p: [String: String] = ["quarter": q, "by": dimension.rawValue]
            for (k, v) in d.filter.values { p[k.rawValue] = v }
            change(&p)
            let query = p.sorted { $0.key < $1.key }.map { "\($0.key)=\(escape($0.value))" }.joined(separator: "&")
            return link("/dashboards?" + query, l)
        }
        let groups = d.groups(by: dimension)
        func label(_ g: DashboardGroup) -> String { g.label.isEmpty ? texts.text("db_not_given", l) : g.label }
        func drill(_ g: DashboardGroup) -> String {
            url { p in
                p[dimension.rawValue] = g.key
                // Drilling into one agency, theme or district: show the next dimension down.
                if let next = DashboardDimension.allCases.first(where: { $0 != dimension && d.filter.values[$0] == nil }) {
                    p["by"] = next.rawValue
                }
            }
        }
        let t = d.totals
        func percent(_ v: Int?) -> String { v.map { "\($0)%" } ?? "—" }
        typealias Column = (key: String, value: (DashboardGroup) -> String)
        func chart(_ id: String, _ segments: @escaping (DashboardGroup) -> [ChartBar.Segment], value: @escaping (DashboardGroup) -> String,
                   columns: [Column]) -> [String: Any] {
            let c = BarChart(label: texts.text("db_chart_\(id)", l, ["by": texts.text("db_by_\(dimension.rawValue)", l), "quarter": q]),
                             bars: groups.map { ChartBar(label: label($0), segments: segments($0), valueText: value($0)) })
            return ["id": "chart-" + id, "title": texts.text("db_title_\(id)", l), "chart": c.context(),
                    "columns": columns.map { texts.text($0.key, l) },
                    "rows": groups.map { g in ["label": label(g), "url": drill(g), "cells": columns.map { $0.value(g) }] }]
        }
        let charts: [[String: Any]] = [
            chart("published", { g in
                [.init(value: Double(g.published), style: "seg-on-time", tip: texts.text("db_col_published", l) + ": \(g.published)"),
                 .init(value: Double(g.datasets - g.published), style: "seg-pending",
                       tip: texts.text("db_col_unpublished", l) + ": \(g.datasets - g.published)")]
            }, value: { "\($0.published)/\($0.datasets)" },
                  columns: [("db_col_datasets", { String($0.datasets) }), ("db_col_published", { String($0.published) })]),
            chart("updates", { g in
                [.init(value: Double(g.updatesOnTime), style: "seg-on-time", tip: texts.text("db_col_on_time", l) + ": \(g.updatesOnTime)"),
                 .init(value: Double(g.updatesDue - g.updatesOnTime), style: "seg-missing",
                       tip: texts.text("db_col_not_on_time", l) + ": \(g.updatesDue - g.updatesOnTime)")]
            }, value: { percent($0.updatesOnTimePercent) },
                  columns: [("db_col_due", { String($0.updatesDue) }), ("db_col_on_time", { String($0.updatesOnTime) }),
                            ("db_col_percent", { percent($0.updatesOnTimePercent) })]),
            chart("feedback", { g in
                [.init(value: Double(g.feedbackAnsweredOnTime), style: "seg-on-time",
                       tip: texts.text("db_col_answered_on_time", l) + ": \(g.feedbackAnsweredOnTime)"),
                 .init(value: Double(g.feedbackOverdue), style: "seg-missing", tip: texts.text("db_col_overdue", l) + ": \(g.feedbackOverdue)"),
                 .init(value: Double(g.feedbackReceived - g.feedbackAnsweredOnTime - g.feedbackOverdue), style: "seg-pending",
                       tip: texts.text("db_col_waiting", l) + ": \(g.feedbackReceived - g.feedbackAnsweredOnTime - g.feedbackOverdue)")]
            }, value: { percent($0.feedbackOnTimePercent) },
                  columns: [("db_col_received", { String($0.feedbackReceived) }),
                            ("db_col_answered_on_time", { String($0.feedbackAnsweredOnTime) }),
                            ("db_col_overdue", { String($0.feedbackOverdue) })]),
            chart("downloads", { g in
                [.init(value: Double(g.downloads), style: "seg-count", tip: texts.text("db_col_downloads", l) + ": \(g.downloads)")]
            }, value: { String($0.downloads) }, columns: [("db_col_downloads", { String($0.downloads) })]),
        ]
        var values: [String: Any] = [
            "quarter": q,
            "heading": texts.text("db_heading", l, ["quarter": q]),
            "quarters": quarterChoices(current: current, selected: d.quarter),
            "by": dimension.rawValue,
            "dimensions": DashboardDimension.allCases.map { dim -> [String: Any] in
                ["label": texts.text("db_by_\(dim.rawValue)", l), "url": url { $0["by"] = dim.rawValue }, "current": dim == dimension]
            },
            "hidden": d.filter.values.sorted { $0.key.rawValue < $1.key.rawValue }.map { ["name": $0.key.rawValue, "value": $0.value] },
            "filters": d.filter.values.sorted { $0.key.rawValue < $1.key.rawValue }.map { k, v -> [String: Any] in
                let shown = k == .agency ? d.rows.first { $0.agency == v }?.agencyName ?? v : (v.isEmpty ? texts.text("db_not_given", l) : v)
                return ["label": texts.text("db_by_\(k.rawValue)", l) + ": " + shown, "remove_url": url { $0[k.rawValue] = nil },
                        "remove_label": texts.text("db_remove_filter", l, ["filter": shown])]
            },
            "has_filters": !d.filter.values.isEmpty,
            "clear_url": link("/dashboards?quarter=\(q)&by=\(dimension.rawValue)", l),
            "csv_url": url { $0["format"] = "csv" },
            "figures": [
                ["value": "\(t.published)/\(t.datasets)", "label": texts.text("db_fig_published", l)],
                ["value": percent(t.updatesOnTimePercent), "label": texts.text("db_fig_updates", l)],
                ["value": percent(t.feedbackOnTimePercent), "label": texts.text("db_fig_feedback", l)],
                ["value": String(t.downloads), "label": texts.text("db_fig_downloads", l)],
            ],
            "charts": charts,
            "has_groups": !groups.isEmpty,
            "datasets": d.shown.map { r -> [String: Any] in
                ["title": r.title, "slug": r.dataset, "agency": r.agencyName, "theme": r.theme.isEmpty ? "—" : r.theme,
                 "district": r.district.isEmpty ? "—" : r.district,
                 "published": texts.text(r.published ? "db_yes" : "db_no", l), "update": statusText(r.update, l),
                 "feedback": r.feedbackReceived, "downloads": r.downloads]
            },
        ]
        // The seam for use by channel: shown when the operations statistics provide it.
        if d.usageByChannel?.isEmpty == true { values["channels_none"] = true }
        if let channels = d.usageByChannel, !channels.isEmpty {
            let c = BarChart(label: texts.text("db_chart_channels", l, ["quarter": q]), bars: channels.map {
                ChartBar(label: texts.all(l)["channel_\($0.channel)"] ?? $0.channel,
                         segments: [.init(value: Double($0.count), style: "seg-count", tip: "\($0.count)")], valueText: String($0.count))
            })
            values["channels"] = ["chart": c.context(),
                                  "rows": channels.map { ["label": texts.all(l)["channel_\($0.channel)"] ?? $0.channel, "count": $0.count] }]
        }
        return values
    }

    static func escape(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? s
    }
}
