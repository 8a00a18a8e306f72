// The staff's administration pages: the open-data list at `/admin/catalogue` (proposals accepted
// or declined with a comment, the yearly review of entries), `/admin/audit` (the audit log searched,
// paged, exported as CSV), `/admin/harvest` (every agency's harvest sources) and, for an
// agency's editors and approvers, `/workspace/harvest` (their sources: set one, pull now),
// `/workspace/datasets/{dataset}/metadata` (metadata, field descriptions, the changes of an
// "on change" dataset) and `/workspace/propose`. Each action is the JSON API's service call
// (`decideProposal`, `setHarvestSource`, `harvest`, `editMetadata`, `propose`…): same rules,
// same audit entries.
import Foundation
import Hummingbird
import HTTPTypes
import Catalogue
import GeoStore
import Portal
import PublicErrors
import Web

struct HarvestSourceForm: Decodable { var dataset: String?; var url: String?; var kind: String?; var hours: String? }
struct DataChangeForm: Decodable { var changed_on: String?; var note: String? }
struct ProposalFormBody: Decodable {
    var title: String?; var slug: String?; var theme: String?; var frequency: String?; var description: String?
}

func addStaffAdministrationPages(to staff: RouterGroup<BandoRequestContext>, _ deps: StaffRouteDependencies) {
    let (portal, store) = (deps.portal, deps.store)
    let pages = StaffPages.shared
    @Sendable func administrator(_ a: Actor) -> Bool { a.role == .administrator }
    @Sendable func agencyStaff(_ a: Actor) -> Bool { a.role == .editor || a.role == .approver }

    // MARK: /admin/catalogue

    /// The open-data list's administration, or (a refused form) the page again with the reason
    /// beside that form and the comment as typed.
    @Sendable func openDataListPage(_ session: StaffSession, _ request: Request, refused: StaffViews.OpenDataListFormRefusal? = nil,
                                 status: HTTPResponse.Status = .ok) async throws -> Response {
        let frame = session.frame(request)
        let (entries, proposals) = try await blocking { (try portal.yearlyReview(by: session.actor), try portal.proposals(by: session.actor)) }
        return staffPage(pages.render("admin-catalogue", frame, title: pages.text("ac_title", frame.language), section: .admin,
                                      values: StaffViews.adminOpenDataList(entries: entries, proposals: proposals, refused: refused,
                                                                        language: frame.language)), frame, status: status)
    }
    /// Runs an administration form's call; a refusal the person can fix re-shows the page.
    @Sendable func attempt(_ session: StaffSession, _ request: Request, _ target: StaffViews.OpenDataListFormRefusal.Target, comment: String,
                           _ body: @escaping @Sendable () throws -> Void) async throws -> Response? {
        do {
            try await blocking(body)
            return nil
        } catch let refused as PortalError where refused.kind == .invalid || refused.kind == .conflict {
            let error = refused.message.text(in: session.frame(request).language)
            return try await openDataListPage(session, request, refused: .init(target: target, comment: comment, error: error),
                                           status: .init(code: refused.status))
        }
    }

    staff.get("admin/catalogue") { request, context -> Response in
        let session = try context.requireStaff(request, administrator)
        return try await openDataListPage(session, request)
    }
    for (verb, accept) in [("accept", true), ("decline", false)] {
        staff.post("admin/catalogue/proposals/:id/\(verb)") { request, context -> Response in
            let session = try context.requireStaff(request, administrator)
            let id = try context.parameters.require("id", as: Int64.self)
            let form = try await staffForm(CommentForm.self, request)
            let comment = form.comment?.trimmingCharacters(in: .whitespacesAndNewlines)
            if let again = try await attempt(session, request, accept ? .accept(id) : .decline(id), comment: form.comment ?? "", {
                _ = try portal.decideProposal(id: id, accept: accept, comment: comment?.isEmpty == false ? comment : nil, by: session.actor)
            }) { return again }
            return staffRedirect("/admin/catalogue", request, done: accept ? "proposal_accepted" : "proposal_declined")
        }
    }
    staff.post("admin/catalogue/:dataset/review") { request, context -> Response in
        let session = try context.requireStaff(request, administrator)
        let dataset = try context.parameters.require("dataset")
        let form = try await staffForm(CommentForm.self, request)
        if let again = try await attempt(session, request, .review(dataset), comment: form.comment ?? "", {
            _ = try portal.markReviewed(dataset: dataset, comment: form.comment, by: session.actor)
        }) { return again }
        return staffRedirect("/admin/catalogue", request, done: "reviewed")
    }

    // MARK: /admin/audit

    staff.get("admin/audit") { request, context -> Response in
        let session = try context.requireStaff(request, administrator)
        let frame = session.frame(request)
        let p = request.uri.queryParameters
        let query = AuditQuery(dataset: p.get("dataset"), user: p.get("user"), action: p.get("action"), from: p.get("from"), to: p.get("to"),
                               page: p.get("page").flatMap { Int($0) } ?? 1)
        if p.get("format") == "csv" {
            let entries = try await blocking { try portal.exportAuditLog(query, by: session.actor) }
            return staffCSV(PortalService.auditCSV(entries), filename: "audit-log.csv")
        }
        let (found, actions) = try await blocking { (try portal.searchAuditLog(query, by: session.actor), try portal.auditActions(by: session.actor)) }
        return staffPage(pages.render("admin-audit", frame, title: pages.text("au_title", frame.language), section: .admin,
                                      values: StaffViews.auditLog(found, query: query, actions: actions, language: frame.language)), frame)
    }

    // MARK: harvest sources

    staff.get("admin/harvest") { request, context -> Response in
        let session = try context.requireStaff(request, administrator)
        let frame = session.frame(request)
        let sources = try await blocking { try portal.harvestSources(by: session.actor) }
        var values = StaffViews.harvest(sources, datasets: [], base: "/workspace/harvest", language: frame.language)
        values["heading"] = pages.text("hv_title_all", frame.language)
        return staffPage(pages.render("harvest", frame, title: pages.text("hv_title_all", frame.language), section: .admin, values: values), frame)
    }
    /// The agency's harvest sources, or (a refused form) the page again with the reason and
    /// the source as typed.
    @Sendable func agencyHarvestPage(_ session: StaffSession, _ request: Request, form: StaffViews.HarvestForm = .init(),
                                     error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let frame = session.frame(request)
        let agency = session.profile.agency?.slug
        let (sources, datasets) = try await blocking {
            (try portal.harvestSources(by: session.actor), try agency.map { try portal.openDataList(agency: $0) } ?? [])
        }
        var values = StaffViews.harvest(sources, datasets: datasets.map { ($0.slug, $0.title) }, base: "/workspace/harvest",
                                        form: form, language: frame.language)
        values["heading"] = pages.text("hv_title", frame.language)
        if let error { values["form_error"] = error }
        return staffPage(pages.render("harvest", frame, title: pages.text("hv_title", frame.language), section: .workspace, values: values),
                         frame, status: status)
    }
    staff.get("workspace/harvest") { request, context -> Response in
        let session = try context.requireStaff(request, agencyStaff)
        return try await agencyHarvestPage(session, request)
    }
    staff.post("workspace/harvest") { request, context -> Response in
        let session = try context.requireStaff(request, agencyStaff)
        let form = try await staffForm(HarvestSourceForm.self, request)
        let typed = StaffViews.HarvestForm(dataset: form.dataset ?? "", url: form.url ?? "", kind: form.kind ?? "", hours: form.hours ?? "")
        do {
            guard let kind = HarvestKind(rawValue: form.kind ?? "") else { throw PortalError(.invalid, SafeMessage("portal.harvest.kind")) }
            guard let hours = Int(form.hours ?? ""), hours >= 1 else {
                throw PortalError(.invalid, SafeMessage("portal.harvest.hours", ["value": form.hours ?? ""]))
            }
            _ = try await blocking {
                try portal.setHarvestSource(dataset: form.dataset ?? "", url: form.url ?? "", kind: kind,
                                            intervalSeconds: hours * 3600, by: session.actor)
            }
        } catch let refused as PortalError where refused.kind == .invalid || refused.kind == .conflict {
            return try await agencyHarvestPage(session, request, form: typed, error: refused.message.text(in: session.frame(request).language),
                                               status: .init(code: refused.status))
        }
        return staffRedirect("/workspace/harvest", request, done: "harvest_set")
    }
    staff.post("workspace/harvest/:dataset/run") { request, context -> Response in
        let session = try context.requireStaff(request, agencyStaff)
        let dataset = try context.parameters.require("dataset")
        try await blocking { try portal.authorizeUpload(dataset: dataset, by: session.actor) }
        let api = deps.api
        let outcome = await portal.harvest(dataset: dataset, by: session.actor, fetcher: api.harvestFetcher,
                                           workDirectory: api.uploadDirectory, ingestDraft: api.ingestDraft)
        let done = switch outcome {
        case .submitted: "harvest_submitted"
        case .unchanged: "harvest_unchanged"
        case .failed: "harvest_failed"
        }
        return staffRedirect("/workspace/harvest#source-\(dataset)", request, done: done)
    }

    // MARK: metadata and data changes

    /// What the metadata page shows, read on the blocking pool.
    struct MetadataInputs: Sendable {
        var title: String, patch: MetadataPatch, fields: [String], frequency: UpdateFrequency?, changes: [DataChange]
    }
    @Sendable func metadataInputs(_ slug: String, _ session: StaffSession) throws -> MetadataInputs {
        try portal.authorizeUpload(dataset: slug, by: session.actor)
        let reader = CatalogueReader(store: store)
        guard let record = try store.dataset(slug: slug) else {
            throw PortalError(.notFound, SafeMessage("portal.dataset.notInCatalogue", ["dataset": slug]))
        }
        let fields = try record.currentVersionID.flatMap { try store.version(id: $0) }?.fields.map(\.name) ?? []
        let frequency = try portal.openDataList().first { $0.slug == slug }?.frequency
        return MetadataInputs(title: record.title, patch: try reader.metadataOf(slug), fields: fields, frequency: frequency,
                              changes: try portal.dataChanges(dataset: slug, by: session.actor))
    }
    @Sendable func metadataValues(_ slug: String, _ session: StaffSession, _ language: Language) async throws -> [String: Any] {
        let m = try await blocking { try metadataInputs(slug, session) }
        return StaffViews.metadata(slug: slug, title: m.title, patch: m.patch, fields: m.fields, frequency: m.frequency,
                                   changes: m.changes, language: language)
    }
    staff.get("workspace/datasets/:dataset/metadata") { request, context -> Response in
        let session = try context.requireStaff(request, agencyStaff)
        let frame = session.frame(request)
        let slug = try context.parameters.require("dataset")
        let values = try await metadataValues(slug, session, frame.language)
        return staffPage(pages.render("metadata", frame, title: pages.text("md_heading", frame.language, ["title": slug]),
                                      section: .workspace, values: values), frame)
    }
    staff.post("workspace/datasets/:dataset/metadata") { request, context -> Response in
        let session = try context.requireStaff(request, agencyStaff)
        let frame = session.frame(request)
        let slug = try context.parameters.require("dataset")
        var request = request
        let fields = formFields(String(buffer: try await request.collectBody(upTo: StaffSessionMiddleware.maxFormBytes)))
        func value(_ name: String) -> String { fields.first { $0.0 == name }?.1.trimmingCharacters(in: .whitespaces) ?? "" }
        var notes: [String: String] = [:]
        for (name, v) in fields where name.hasPrefix("field.") { notes[String(name.dropFirst(6))] = v.trimmingCharacters(in: .whitespaces) }
        let patch = MetadataPatch(titleEN: value("title_en"), descriptionEN: value("description_en"),
                                  keywords: value("keywords").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
                                  contactName: value("contact_name"), contactEmail: value("contact_email"),
                                  temporalStart: value("temporal_start"), temporalEnd: value("temporal_end"),
                                  spatialLabel: value("spatial_label"), identityField: value("identity_field"),
                                  fieldDescriptions: notes)
        do {
            try await blocking {
                try portal.editMetadata(dataset: slug, fields: patch.fieldsSet, by: session.actor) {
                    try CatalogueReader(store: store).updateMetadata(slug, patch)
                }
            }
        } catch let refused as CatalogueError {
            // What the person typed comes back with the reason.
            var values = try await metadataValues(slug, session, frame.language)
            for (k, v) in [("title_en", patch.titleEN), ("description_en", patch.descriptionEN), ("contact_name", patch.contactName),
                           ("contact_email", patch.contactEmail), ("temporal_start", patch.temporalStart),
                           ("temporal_end", patch.temporalEnd), ("spatial_label", patch.spatialLabel)] { values[k] = v ?? "" }
            values["keywords"] = value("keywords")
            values["error"] = refused.message.text(in: frame.language)
            return staffPage(pages.render("metadata", frame, title: pages.text("md_heading", frame.language, ["title": slug]),
                                          section: .workspace, values: values), frame, status: .init(code: refused.status))
        }
        return staffRedirect("/workspace/datasets/\(slug)/metadata", request, done: "metadata_saved")
    }
    staff.post("workspace/datasets/:dataset/changes") { request, context -> Response in
        let session = try context.requireStaff(request, agencyStaff)
        let slug = try context.parameters.require("dataset")
        let form = try await staffForm(DataChangeForm.self, request)
        _ = try await blocking { try portal.recordDataChange(dataset: slug, on: form.changed_on ?? "", note: form.note ?? "", by: session.actor) }
        return staffRedirect("/workspace/datasets/\(slug)/metadata", request, done: "change_recorded")
    }

    // MARK: proposing a dataset

    staff.get("workspace/propose") { request, context -> Response in
        let session = try context.requireStaff(request, agencyStaff)
        let frame = session.frame(request)
        let own = try await blocking { try portal.proposals(by: session.actor) }
        return staffPage(pages.render("propose", frame, title: pages.text("pr_title", frame.language), section: .workspace,
                                      values: StaffViews.propose(.init(), own: own, language: frame.language)), frame)
    }
    staff.post("workspace/propose") { request, context -> Response in
        let session = try context.requireStaff(request, agencyStaff)
        let frame = session.frame(request)
        let b = try await staffForm(ProposalFormBody.self, request)
        let form = StaffViews.ProposalForm(agency: session.profile.agency?.slug ?? "", slug: b.slug?.trimmingCharacters(in: .whitespaces) ?? "",
                                           title: b.title ?? "", theme: b.theme ?? "", frequency: b.frequency ?? "quarterly",
                                           description: b.description ?? "")
        do {
            let frequency = try UpdateFrequency(parsing: form.frequency)
            _ = try await blocking {
                try portal.propose(agency: form.agency, slug: form.slug, title: form.title, theme: form.theme, frequency: frequency,
                                   description: form.description, by: session.actor)
            }
        } catch let refused as PortalError where refused.kind == .invalid || refused.kind == .conflict {
            let own = try await blocking { try portal.proposals(by: session.actor) }
            var values = StaffViews.propose(form, own: own, language: frame.language)
            values["error"] = refused.message.text(in: frame.language)
            return staffPage(pages.render("propose", frame, title: pages.text("pr_title", frame.language), section: .workspace,
                                          values: values), frame, status: .init(code: refused.status))
        }
        return staffRedirect("/workspace/propose", request, done: "proposed")
    }
}

/// Every `name=value` pair of an urlencoded body, in order (`+` is a space, `%XX` a byte).
func formFields(_ body: String) -> [(String, String)] {
    body.split(separator: "&").compactMap { pair in
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let name = String(parts[0]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding,
              let value = String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding else { return nil }
        return (name, value)
    }
}
