// `GET /api/stats`: how much each dataset is used, by dataset, agency, channel and period, for
// the Department's statistics on data sharing (Sóc Trăng art. 17.1.đ) and anyone who asks: the
// counts name no one. JSON by default, CSV with `?format=csv`.
import Hummingbird
import GeoStore
import GeoModel
import PublicErrors
import Foundation

/// Adds `/api/stats`. Called from `buildRouter`.
func addStatsRoutes(to router: Router<BandoRequestContext>, store: any UsageCounting) {
    router.get("/api/stats") { request, _ -> Response in
        let params = request.uri.queryParameters
        let q = try StatsQuery.parse(params)
        let csv = try StatsQuery.wantsCSV(params.get("format"))
        let rows = try await blocking { try store.usage(q) }
        if csv {
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                                   .contentDisposition: "attachment; filename=\"bando-stats.csv\""],
                            body: .init(byteBuffer: ByteBuffer(string: StatsQuery.csv(rows, q))))
        }
        struct Document: Encodable {
            var period: String
            var from: String?
            var to: String?
            var by: [String]
            var channels: [String]
            var total: Int
            var rows: [UsageRow]
        }
        let doc = Document(period: q.grain.rawValue, from: q.from, to: q.to, by: q.by.map(\.rawValue),
                           channels: UsageChannel.allCases.map { $0 == .download ? "download:<format>" : $0.rawValue },
                           total: rows.reduce(0) { $0 + $1.uses }, rows: rows)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(doc))))
    }
}

/// The query string of `/api/stats`, checked.
enum StatsQuery {
    static func parse(_ params: Parameters) throws -> UsageQuery {
        var q = UsageQuery()
        for (name, value) in [("from", params.get("from")), ("to", params.get("to"))] {
            guard let value else { continue }
            guard isDay(value) else {
                throw APIError(.badRequest, code: "InvalidParameter", SafeMessage("stats.day", ["name": name, "value": value]))
            }
            if name == "from" { q.from = value } else { q.to = value }
        }
        if let p = params.get("period") {
            guard let grain = UsageQuery.Grain(rawValue: p) else {
                throw APIError(.badRequest, code: "InvalidParameter", SafeMessage("stats.period", ["value": p]))
            }
            q.grain = grain
        }
        if let by = params.get("by") {
            var dims: [UsageQuery.Dimension] = []
            for part in by.split(separator: ",", omittingEmptySubsequences: true) {
                guard let d = UsageQuery.Dimension(rawValue: part.trimmingCharacters(in: .whitespaces)) else {
                    throw APIError(.badRequest, code: "InvalidParameter", SafeMessage("stats.by", ["value": String(part)]))
                }
                if !dims.contains(d) { dims.append(d) }
            }
            q.by = dims
        }
        q.dataset = params.get("dataset")
        q.agency = params.get("agency")
        if let c = params.get("channel") {
            let known = UsageChannel(rawValue: c) != nil || (c.hasPrefix("download:") && c.count > 9)
            guard known else { throw APIError(.badRequest, code: "InvalidParameter", SafeMessage("stats.channel", ["value": c])) }
            q.channel = c
        }
        return q
    }

    static func wantsCSV(_ format: String?) throws -> Bool {
        switch format?.lowercased() {
        case nil, "json": return false
        case "csv": return true
        case let f?: throw APIError(.badRequest, code: "InvalidParameter", SafeMessage("stats.format", ["value": f]))
        }
    }

    /// `yyyy-MM-dd` with a real month and day.
    static func isDay(_ s: String) -> Bool {
        let parts = s.split(separator: "-")
        guard s.count == 10, parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              parts[0].count == 4, (1...12).contains(m), d >= 1 else { return false }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return d <= days
    }

    /// One row per line, the kept dimensions as columns (RFC 4180 quoting).
    static func csv(_ rows: [UsageRow], _ q: UsageQuery) -> String {
        let dims = UsageQuery.Dimension.allCases.filter(q.by.contains)
        var out = (["period"] + dims.map(\.rawValue) + ["uses"]).joined(separator: ",") + "\r\n"
        for r in rows {
            var cells = [r.period]
            for d in dims {
                switch d {
                case .dataset: cells.append(r.dataset ?? "")
                case .agency: cells.append(r.agency ?? "")
                case .channel: cells.append(r.channel ?? "")
                }
            }
            cells.append(String(r.uses))
            out += cells.map(CSVField.text).joined(separator: ",") + "\r\n"
        }
        return out
    }
}
