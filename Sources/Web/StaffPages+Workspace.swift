// `/workspace` (the agency's datasets, their state and due dates, uploading a new version),
// the review page of one version (what the ingest read, repaired and skipped, the CRS and text
// encoding it decided, the fields against the current version's, what would change; who did
// what; submit, approve or return), and `/approvals` (the versions waiting for the approver).
public import Portal
public import GeoModel
public import Catalogue
public import PublicErrors
import Foundation

/// One dataset of the agency on `/workspace`.
public struct WorkspaceDataset: Sendable {
    public var slug: String
    public var title: String
    public var frequency: UpdateFrequency
    /// Newest first.
    public var versions: [VersionSummary]
    /// The last day to publish this quarter's update (`yyyy-MM-dd`), when one is due.
    public var dueDay: String?
    public init(slug: String, title: String, frequency: UpdateFrequency, versions: [VersionSummary], dueDay: String?) {
        self.slug = slug; self.title = title; self.frequency = frequency; self.versions = versions; self.dueDay = dueDay
    }
}

/// What the ingest wrote in a version's report (`dataset_versions.report_json`), as the review
/// page shows it; every member optional, so an older report still reads.
public struct IngestFacts: Sendable, Decodable {
    public var featuresRead: Int?
    public var featuresWritten: Int?
    public var repaired: Int?
    public var skipped: [String: Int]?
    public var withoutGeometry: Int?
    public var crs: String?
    public var crsDecision: String?
    public var encoding: String?
    public var encodingConfidence: Double?
    public var encodingDecision: String?

    /// The report in `json`; nil when there is none.
    public static func from(json: String) -> IngestFacts? {
        guard let facts = try? JSONDecoder().decode(IngestFacts.self, from: Data(json.utf8)), facts.featuresRead != nil else { return nil }
        return facts
    }
}

/// Everything the review page of one version shows.
public struct VersionReview: Sendable {
    public var slug: String
    public var title: String
    public var version: VersionSummary
    public var facts: IngestFacts?
    public var fields: [FieldDefinition]
    /// The published version it would replace (its number and fields), if any.
    public var current: (number: Int, fields: [FieldDefinition])?
    public var changes: ChangeSummary?
    public var history: [PortalService.AuditEntry]
    public var canSubmit: Bool
    public var canDecide: Bool
    /// The Department's administrator: publishes or returns a version its agency approved.
    public var canPublish: Bool
    /// Whether the Department's second review is on (an approval then waits for it).
    public var departmentReview: Bool
    public init(slug: String, title: String, version: VersionSummary, facts: IngestFacts?, fields: [FieldDefinition],
                current: (number: Int, fields: [FieldDefinition])?, changes: ChangeSummary?, history: [PortalService.AuditEntry],
                canSubmit: Bool, canDecide: Bool, canPublish: Bool = false, departmentReview: Bool = false) {
        self.slug = slug; self.title = title; self.version = version; self.facts = facts; self.fields = fields
        self.current = current; self.changes = changes; self.history = history; self.canSubmit = canSubmit; self.canDecide = canDecide
        self.canPublish = canPublish; self.departmentReview = departmentReview
    }
}

extension StaffPages {
    /// `/workspace`.
    public func workspace(_ datasets: [WorkspaceDataset], frame: StaffFrame) -> String {
        let l = frame.language
        let rows = datasets.map { d -> [String: Any] in
            var row: [String: Any] = ["slug": d.slug, "title": d.title,
                                      "frequency": texts.text("freq_" + d.frequency.rawValue.replacingOccurrences(of: "-", with: "_"), l),
                                      "upload_action": frame.url("/workspace/\(d.slug)/upload") + "&csrf=\(frame.formToken)",
                                      "public_url": "/datasets/\(d.slug)?lang=\(l.rawValue)"]
            if let published = d.versions.first(where: { $0.status == .published }) { row["published"] = published.number }
            if let latest = d.versions.first, latest.status != .published, latest.status != .superseded {
                var v: [String: Any] = ["number": latest.number, "state": stateName(latest.status, l),
                                        "url": frame.url("/workspace/\(d.slug)/versions/\(latest.number)")]
                if latest.status == .returned, let comment = latest.returnComment { v["comment"] = comment }
                row["pending"] = v
            }
            if let due = d.dueDay { row["due"] = day(due, l) }
            return row
        }
        return render("workspace", frame, title: texts.text("ws_title", l), section: .workspace,
                      values: ["datasets": rows, "none": datasets.isEmpty])
    }

    /// `/approvals`: `queue` holds (dataset title, submitted version).
    public func approvals(_ queue: [(title: String, version: VersionSummary)], frame: StaffFrame) -> String {
        let l = frame.language
        return render("approvals", frame, title: texts.text("ap_title", l), section: .approvals, values: [
            "items": queue.map { item -> [String: Any] in
                var row: [String: Any] = ["title": item.title, "number": item.version.number,
                                          "url": frame.url("/workspace/\(item.version.dataset)/versions/\(item.version.number)")]
                if let n = item.version.featureCount { row["features"] = n }
                if let by = item.version.submittedBy { row["by"] = by }
                return row
            },
            "none": queue.isEmpty,
        ])
    }

    /// `/approvals` for the Department's administrator: the switch of its second review and the
    /// versions agencies approved, waiting for it.
    public func departmentReviews(_ waiting: [DepartmentReviewItem], reviewOn: Bool, frame: StaffFrame) -> String {
        let l = frame.language
        return render("approvals", frame, title: texts.text("dr_title", l), section: .approvals, values: [
            "department": true, "review_on": reviewOn, "setting_action": frame.url("/approvals/department-review"),
            "items": waiting.map { item -> [String: Any] in
                var row: [String: Any] = ["title": item.title, "agency": item.agencyName, "number": item.version.number,
                                          "url": frame.url("/workspace/\(item.version.dataset)/versions/\(item.version.number)")]
                if let n = item.version.featureCount { row["features"] = n }
                if let by = item.approvedBy { row["by"] = by }
                if let at = item.approvedAt { row["when"] = timestampDay(at, l) }
                return row
            },
            "none": waiting.isEmpty,
        ])
    }

    /// The review page of one version.
    public func review(_ r: VersionReview, frame: StaffFrame) -> String {
        let l = frame.language
        let v = r.version
        var values: [String: Any] = [
            "title": r.title, "number": v.number, "state": stateName(v.status, l),
            "heading": texts.text("rv_heading", l, ["title": r.title, "version": String(v.number)]),
            "back_url": frame.url(frame.profile.role == .approver || frame.profile.role == .administrator ? "/approvals" : "/workspace"),
        ]
        if v.status == .returned, let comment = v.returnComment { values["returned_comment"] = comment }
        if let f = r.facts {
            // The ingest writes its reasons in English (GDAL's and GEOS's words included): a
            // Vietnamese page names the kind of problem and how the CRS was decided in its own words.
            var reasons: [String: Int] = [:]
            for (reason, n) in f.skipped ?? [:] {
                let key = reason.hasPrefix("unreadable geometry") ? "rv_skip_unreadable" : reason.hasPrefix("invalid geometry") ? "rv_skip_invalid" : "rv_skip_other"
                reasons[l == .en ? reason : texts.text(key, l), default: 0] += n
            }
            let skipped = reasons.sorted { $0.value > $1.value }
            let crsParts = (f.crsDecision ?? "").split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let crsHow = texts.all(l)["rv_crs_" + (crsParts.first ?? "")] ?? ""
            let crsDecision = l == .en && crsParts.count > 1 ? crsHow + " — " + crsParts[1] : crsHow
            values["report"] = [
                "read": f.featuresRead ?? 0, "written": f.featuresWritten ?? 0, "repaired": f.repaired ?? 0,
                "skipped_total": skipped.reduce(0) { $0 + $1.value }, "without_geometry": f.withoutGeometry ?? 0,
                "skipped": skipped.map { ["reason": $0.key, "count": $0.value] },
                "crs": f.crs ?? "", "crs_decision": crsDecision,
                "encoding": f.encoding ?? "", "encoding_decision": l == .en ? f.encodingDecision ?? "" : "",
                "encoding_confidence": f.encodingConfidence.map { String(format: "%.0f%%", $0 * 100) } ?? "",
            ] as [String: Any]
        }
        let oldNames = Set(r.current?.fields.map(\.name) ?? [])
        let newNames = Set(r.fields.map(\.name))
        values["fields"] = r.fields.map { f -> [String: Any] in
            ["name": f.name, "type": texts.all(l)["type_\(f.type)"] ?? "\(f.type)", "added": r.current != nil && !oldNames.contains(f.name)]
        }
        if let current = r.current {
            values["current_number"] = current.number
            let added = r.fields.map(\.name).filter { !oldNames.contains($0) }
            let dropped = current.fields.map(\.name).filter { !newNames.contains($0) }
            if !added.isEmpty || !dropped.isEmpty {
                values["field_warning"] = texts.text("rv_fields_warning", l, [
                    "version": String(current.number),
                    "added": added.isEmpty ? "—" : added.joined(separator: ", "),
                    "dropped": dropped.isEmpty ? "—" : dropped.joined(separator: ", "),
                ])
            }
        }
        if let c = r.changes {
            values["changes"] = c.previousVersion == nil
                ? texts.text("rv_changes_first", l, ["added": String(c.added)])
                : texts.text("rv_changes", l, ["previous": String(c.previousVersion ?? 0), "added": String(c.added),
                                                "removed": String(c.removed), "changed": String(c.changed),
                                                "unchanged": String(c.unchanged)])
        }
        values["history"] = r.history.map { e -> [String: Any] in
            var row: [String: Any] = ["when": timestampDay(e.at, l) + " " + timeOfDay(e.at),
                                      "who": e.username, "what": texts.all(l)["rv_action_" + e.action] ?? e.action]
            if let c = e.comment, !c.isEmpty { row["comment"] = c }
            return row
        }
        let base = "/workspace/\(r.slug)/versions/\(v.number)"
        var map: [String: Any] = ["draft_url": base + "/features.geojson",
                                  "draft_label": texts.text("rv_map_draft", l, ["version": String(v.number)]),
                                  "limit": texts.text("rv_map_limit", l, ["count": String(Self.reviewMapLimit)])]
        if let current = r.current {
            map["current"] = ["tilejson": "/tiles/\(r.slug).json",
                              "label": texts.text("rv_map_current", l, ["version": String(current.number)])]
        }
        values["map"] = map
        if r.canSubmit && (v.status == .draft || v.status == .returned) { values["submit_action"] = frame.url(base + "/submit") }
        if r.canDecide && v.status == .submitted {
            values["approve_action"] = frame.url("/approvals/\(r.slug)/versions/\(v.number)/approve")
            values["approve_label"] = texts.text(r.departmentReview ? "rv_approve_department" : "rv_approve", l)
            values["return_action"] = frame.url("/approvals/\(r.slug)/versions/\(v.number)/return")
        }
        if v.status == .approved { values["department_waiting"] = true }
        if r.canPublish && v.status == .approved {
            values["publish_action"] = frame.url("/approvals/\(r.slug)/versions/\(v.number)/publish")
            values["return_action"] = frame.url("/approvals/\(r.slug)/versions/\(v.number)/return")
        }
        let role = frame.profile.role
        return render("review", frame, title: values["heading"] as? String ?? r.title,
                      section: role == .approver || role == .administrator ? .approvals : .workspace, values: values)
    }

    /// The most features the review page's map of a version draws.
    public static let reviewMapLimit = 10_000

    /// A version's state as people of `l` call it.
    public func stateName(_ status: VersionStatus, _ l: Language) -> String {
        texts.text("state_" + status.rawValue, l)
    }

    /// `HH:mm` of an ISO 8601 instant, in Vietnam.
    func timeOfDay(_ s: String) -> String {
        guard let d = ISO8601DateFormatter().date(from: s) else { return "" }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")
        f.dateFormat = "HH:mm"
        return f.string(from: d)
    }
}
