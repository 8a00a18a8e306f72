// `/reports` and `/dashboards`: the quarterly compliance report and the dashboards in a browser,
// for the Department's administrators (every agency) and each agency's leader (its approver:
// that agency). Thin handlers over `PortalService.quarterlyReport` (the JSON API's
// `/api/portal/reports/quarterly`, same rules) and `PortalService.dashboard`; the pages, their
// SVG charts and tables come from `Web.StaffViews`; `?format=csv` gives the same numbers as CSV.
import Foundation
import Hummingbird
import GeoStore
import Portal
import PublicErrors
import Web

func addReportPages(to staff: RouterGroup<BandoRequestContext>, _ deps: StaffRouteDependencies) {
    let (portal, store) = (deps.portal, deps.store)
    let pages = StaffPages.shared
    /// Those the report pages are for (the services check the agency again).
    @Sendable func readsReports(_ a: Actor) -> Bool { a.role == .administrator || a.role == .approver }
    @Sendable func quarter(_ request: Request) throws -> Quarter {
        try Quarter(parsing: request.uri.queryParameters.get("quarter") ?? Quarter(containing: portal.now()).description)
    }

    staff.get("reports") { request, context -> Response in
        let session = try context.requireStaff(request, readsReports)
        let frame = session.frame(request)
        let q = try quarter(request)
        let report = try await blocking { try portal.quarterlyReport(q, by: session.actor) }
        if request.uri.queryParameters.get("format") == "csv" {
            return staffCSV(report.csv(), filename: "compliance-\(q).csv")
        }
        let values = StaffViews.report(report, current: Quarter(containing: portal.now()), language: frame.language)
        return staffPage(pages.render("reports", frame, title: pages.text("rp_title", frame.language), section: .reports,
                                      values: values), frame)
    }

    staff.get("dashboards") { request, context -> Response in
        let session = try context.requireStaff(request, readsReports)
        let frame = session.frame(request)
        let q = try quarter(request)
        let parameters = request.uri.queryParameters
        let dimension = parameters.get("by").flatMap(DashboardDimension.init(rawValue:)) ?? .agency
        var filter: [DashboardDimension: String] = [:]
        for d in DashboardDimension.allCases { if let v = parameters.get(d.rawValue) { filter[d] = v } }
        let chosen = DashboardFilter(filter)
        let dashboard = try await blocking { () throws -> Dashboard in
            let downloads = try store.downloadTotals(fromDay: PortalCalendar.dayString(q.start),
                                                     toDay: PortalCalendar.dayString(q.end.addingTimeInterval(-1)))
            var dashboard = try portal.dashboard(q, filter: chosen, downloads: downloads, by: session.actor)
            // Use by channel in the quarter, over the datasets the dashboard shows (its agency,
            // theme or district filter, and only the leader's own agency), downloads as one channel.
            var query = UsageQuery()
            query.from = PortalCalendar.dayString(q.start)
            query.to = PortalCalendar.dayString(q.end.addingTimeInterval(-1))
            query.grain = .all
            query.by = [.dataset, .channel]
            let shown = Set(dashboard.shown.map(\.dataset))
            var byChannel: [String: Int] = [:]
            for row in try store.usage(query) where shown.contains(row.dataset ?? "") {
                let channel = (row.channel ?? "").hasPrefix("download:") ? UsageChannel.download.rawValue : row.channel ?? ""
                byChannel[channel, default: 0] += row.uses
            }
            dashboard.usageByChannel = UsageChannel.allCases.compactMap { c in byChannel[c.rawValue].map { ChannelUse(channel: c.rawValue, count: $0) } }
            return dashboard
        }
        if parameters.get("format") == "csv" {
            return staffCSV(dashboard.csv(), filename: "dashboard-\(q).csv")
        }
        let values = StaffViews.dashboard(dashboard, dimension: dimension, current: Quarter(containing: portal.now()),
                                          language: frame.language)
        return staffPage(pages.render("dashboards", frame, title: pages.text("db_title", frame.language), section: .dashboards,
                                      values: values), frame)
    }
}

/// A CSV download of a staff page's figures (never cached: the staff middleware says `no-store`).
func staffCSV(_ text: String, filename: String) -> Response {
    Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                    .contentDisposition: "attachment; filename=\"\(filename)\""],
             body: .init(byteBuffer: ByteBuffer(string: text)))
}
