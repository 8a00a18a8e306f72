// The values of the open-data list's administration (`admin-catalogue.mustache`), the audit log
// (`admin-audit.mustache`), the harvest sources (`harvest.mustache`), the metadata form
// (`metadata.mustache`) and the proposal form (`propose.mustache`).
public import Portal
public import PublicErrors
public import Catalogue
import Foundation

extension StaffViews {
    // MARK: - /admin/catalogue

    /// A form of the open-data list's administration (a proposal's accept or decline, an entry's
    /// review) sent back with the reason it was refused and the comment as it was typed.
    public struct OpenDataListFormRefusal: Sendable {
        public enum Target: Sendable, Equatable { case accept(Int64), decline(Int64), review(String) }
        public var target: Target
        public var comment: String
        public var error: String
        public init(target: Target, comment: String, error: String) { self.target = target; self.comment = comment; self.error = error }
    }

    public static func adminOpenDataList(entries: [ListedDatasetReview], proposals: [DatasetProposal],
                                      refused: OpenDataListFormRefusal? = nil, language l: Language) -> [String: Any] {
        let pending = proposals.filter { $0.status == "pending" }
        return [
            "pending": pending.map { p -> [String: Any] in
                var v: [String: Any] = ["id": p.id, "title": p.title, "slug": p.slug, "agency": p.agency,
                                        "theme": p.theme.isEmpty ? "—" : p.theme, "frequency": frequencyText(p.frequency, l),
                                        "accept_action": link("/admin/catalogue/proposals/\(p.id)/accept", l),
                                        "decline_action": link("/admin/catalogue/proposals/\(p.id)/decline", l)]
                if !p.description.isEmpty { v["description"] = p.description }
                if let r = refused, r.target == .accept(p.id) || r.target == .decline(p.id) {
                    v["form_error"] = r.error
                    v[r.target == .accept(p.id) ? "accept_comment" : "decline_comment"] = r.comment
                }
                return v
            },
            "has_pending": !pending.isEmpty,
            "decided": proposals.filter { $0.status != "pending" }.reversed().map { p -> [String: Any] in
                var v: [String: Any] = ["title": p.title, "slug": p.slug, "agency": p.agency,
                                        "status": texts.text("ac_status_" + p.status, l)]
                if let c = p.decisionComment, !c.isEmpty { v["comment"] = c }
                return v
            },
            "has_decided": proposals.contains { $0.status != "pending" },
            "entries": entries.map { e -> [String: Any] in
                var v: [String: Any] = ["title": e.title, "slug": e.slug, "agency": e.agencyName ?? e.agency ?? "—", "theme": e.theme.isEmpty ? "—" : e.theme,
                 "frequency": frequencyText(e.frequency, l), "added": day(e.addedAt, l),
                 "version": e.currentVersion.map(String.init) ?? "—",
                 "reviewed": e.reviewedAt.map { texts.text("ac_reviewed_by", l, ["day": day($0, l), "who": e.reviewedBy ?? "—"]) }
                    ?? texts.text("ac_never_reviewed", l),
                 "due": day(e.reviewDue, l), "overdue": e.reviewOverdue,
                 "review_action": link("/admin/catalogue/\(e.slug)/review", l)]
                if let r = refused, r.target == .review(e.slug) { v["form_error"] = r.error; v["typed_comment"] = r.comment }
                return v
            },
            "has_entries": !entries.isEmpty,
            "overdue_count": texts.text("ac_overdue_count", l, ["count": String(entries.filter(\.reviewOverdue).count)]),
        ]
    }

    // MARK: - /admin/audit

    public static func auditLog(_ page: AuditPage, query: AuditQuery, actions: [String], language l: Language) -> [String: Any] {
        func url(page p: Int?, csv: Bool = false) -> String {
            var parts: [(String, String)] = []
            for (k, v) in [("dataset", query.dataset), ("user", query.user), ("action", query.action), ("from", query.from), ("to", query.to)] {
                if let v { parts.append((k, v)) }
            }
            if let p { parts.append(("page", String(p))) }
            if csv { parts.append(("format", "csv")) }
            let q = parts.map { "\($0.0)=\(escape($0.1))" }.joined(separator: "&")
            return link("/admin/audit" + (q.isEmpty ? "" : "?" + q), l)
        }
        var v: [String: Any] = [
            "dataset": query.dataset ?? "", "user": query.user ?? "", "from": query.from ?? "", "to": query.to ?? "",
            "actions": actions.map { ["value": $0, "selected": $0 == query.action] },
            "any_action_selected": query.action == nil,
            "summary": texts.text("au_summary", l, ["count": String(page.total)]),
            "csv_url": url(page: nil, csv: true),
            "entries": page.entries.map { e -> [String: Any] in
                var r: [String: Any] = ["id": e.id, "at": instant(e.at, l), "user": e.username,
                                        "role": texts.all(l)["role_" + e.role.replacingOccurrences(of: "-", with: "_")] ?? e.role,
                                        "action": e.action, "agency": e.agency ?? "", "dataset": e.dataset ?? "",
                                        "version": e.versionNumber.map(String.init) ?? ""]
                let note = [e.comment, e.detail].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " — ")
                if !note.isEmpty { r["note"] = note }
                return r
            },
            "empty": page.entries.isEmpty,
            "clear_url": link("/admin/audit", l),
        ]
        if page.pageCount > 1 {
            var pager: [String: Any] = ["text": texts.text("page_of", l, ["page": String(page.page), "pages": String(page.pageCount)])]
            if page.page > 1 { pager["prev"] = url(page: page.page - 1) }
            if page.page < page.pageCount { pager["next"] = url(page: page.page + 1) }
            v["pager"] = pager
        }
        return v
    }

    // MARK: - harvest sources

    /// `/workspace/harvest` (`datasets`: the agency's listed datasets, which a source may be
    /// set for) and `/admin/harvest` (every agency's, `datasets` empty: administrators only read).
    /// What the harvest source form was sent with, shown again beside the reason it was refused.
    public struct HarvestForm: Sendable {
        public var dataset: String, url: String, kind: String, hours: String
        public init(dataset: String = "", url: String = "", kind: String = "", hours: String = "24") {
            self.dataset = dataset; self.url = url; self.kind = kind; self.hours = hours
        }
    }

    public static func harvest(_ sources: [HarvestSourceInfo], datasets: [(slug: String, title: String)], base: String,
                               form: HarvestForm = HarvestForm(), language l: Language) -> [String: Any] {
        [
            "sources": sources.map { s -> [String: Any] in
                var v: [String: Any] = ["dataset": s.dataset, "url": s.url, "kind": texts.text("hv_kind_" + s.kind.rawValue.replacingOccurrences(of: "-", with: "_"), l),
                                        "interval": interval(s.intervalSeconds, l),
                                        "status": harvestStatus(s, l), "last_run": s.lastRunAt.map { instant($0, l) } ?? texts.text("hv_never", l),
                                        "next_run": s.nextRunAt.map { instant($0, l) } ?? texts.text("hv_next_soon", l),
                                        "failed": s.lastError != nil,
                                        "run_action": link("\(base)/\(s.dataset)/run", l)]
                if let e = harvestError(s, l) { v["error"] = e }
                return v
            },
            "has_sources": !sources.isEmpty,
            // Setting and pulling are for the agency's own staff (the administrator reads every agency's).
            "can_set": !datasets.isEmpty,
            "can_run": !datasets.isEmpty,
            "datasets": datasets.map { ["slug": $0.slug, "title": $0.title, "selected": $0.slug == form.dataset] },
            "set_action": link(base, l),
            "kinds": HarvestKind.allCases.map { ["value": $0.rawValue, "label": texts.text("hv_kind_" + $0.rawValue.replacingOccurrences(of: "-", with: "_"), l),
                                                 "selected": $0.rawValue == form.kind] },
            "typed_url": form.url, "typed_hours": form.hours,
        ]
    }

    /// "every 6 hours", "every 30 minutes", "every 2 days".
    static func interval(_ seconds: Int, _ l: Language) -> String {
        if seconds % 86_400 == 0 { return texts.text("hv_every_days", l, ["count": String(seconds / 86_400)]) }
        if seconds % 3600 == 0 { return texts.text("hv_every_hours", l, ["count": String(seconds / 3600)]) }
        return texts.text("hv_every_minutes", l, ["count": String(max(1, seconds / 60))])
    }

    /// The last pull in plain words.
    static func harvestStatus(_ s: HarvestSourceInfo, _ l: Language) -> String {
        guard let status = s.lastStatus else { return texts.text("hv_status_never", l) }
        if s.lastError != nil { return texts.text("hv_status_failed", l, ["count": String(s.failures)]) }
        if status == "unchanged" { return texts.text("hv_status_unchanged", l) }
        if let n = status.split(separator: " ").last.flatMap({ Int($0) }) { return texts.text("hv_status_submitted", l, ["version": String(n)]) }
        return status
    }

    /// The last error in the reader's language: the message kept with it, else a general one.
    static func harvestError(_ s: HarvestSourceInfo, _ l: Language) -> String? {
        guard s.lastError != nil else { return nil }
        guard let key = s.lastErrorKey else { return SafeMessage("portal.harvest.unreadable").text(in: l) }
        return SafeMessage(key, s.lastErrorArguments ?? [:]).text(in: l)
    }

    // MARK: - metadata and proposals

    /// The metadata form of one dataset: its English title and description, keywords, contact,
    /// coverage, each field's description; for an "on change" dataset, the declared changes.
    public static func metadata(slug: String, title: String, patch m: MetadataPatch, fields: [String], frequency: UpdateFrequency?,
                                changes: [DataChange], language l: Language) -> [String: Any] {
        var v: [String: Any] = [
            "slug": slug, "title": title, "heading": texts.text("md_heading", l, ["title": title]),
            "action": link("/workspace/datasets/\(slug)/metadata", l),
            "title_en": m.titleEN ?? "", "description_en": m.descriptionEN ?? "", "keywords": (m.keywords ?? []).joined(separator: ", "),
            "contact_name": m.contactName ?? "", "contact_email": m.contactEmail ?? "",
            "temporal_start": m.temporalStart ?? "", "temporal_end": m.temporalEnd ?? "", "spatial_label": m.spatialLabel ?? "",
            "identity_choices": [["value": "", "label": texts.text("md_identity_auto", l), "selected": (m.identityField ?? "").isEmpty]]
                + fields.map { ["value": $0, "label": $0, "selected": $0 == m.identityField] },
            "fields": fields.enumerated().map { i, f -> [String: Any] in
                ["name": f, "input": "field-\(i)", "value": m.fieldDescriptions?[f] ?? ""]
            },
            "has_fields": !fields.isEmpty,
        ]
        if frequency == .onChange {
            v["on_change"] = ["action": link("/workspace/datasets/\(slug)/changes", l),
                              "changes": changes.map { ["day": day($0.changedOn, l), "due": day($0.dueDay, l), "note": $0.note] },
                              "has_changes": !changes.isEmpty]
        }
        return v
    }

    /// What the proposal form shows: the agencies it may be for (an editor: their own), what was typed.
    public struct ProposalForm: Sendable {
        public var agency = "", slug = "", title = "", theme = "", frequency = UpdateFrequency.quarterly.rawValue, description = ""
        public init(agency: String = "", slug: String = "", title: String = "", theme: String = "",
                    frequency: String = UpdateFrequency.quarterly.rawValue, description: String = "") {
            self.agency = agency; self.slug = slug; self.title = title; self.theme = theme
            self.frequency = frequency; self.description = description
        }
    }

    public static func propose(_ form: ProposalForm, own: [DatasetProposal], language l: Language) -> [String: Any] {
        [
            "action": link("/workspace/propose", l), "agency": form.agency, "slug": form.slug, "title": form.title,
            "theme": form.theme, "description": form.description,
            "frequencies": UpdateFrequency.allCases.map { ["value": $0.rawValue, "label": frequencyText($0, l), "selected": $0.rawValue == form.frequency] },
            "proposals": own.reversed().map { p -> [String: Any] in
                var v: [String: Any] = ["title": p.title, "slug": p.slug, "status": texts.text("ac_status_" + p.status, l)]
                if let c = p.decisionComment, !c.isEmpty { v["comment"] = c }
                return v
            },
            "has_proposals": !own.isEmpty,
        ]
    }
}
