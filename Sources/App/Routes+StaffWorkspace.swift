// The editors' and approvers' pages: `/workspace` (the agency's datasets; upload a new
// version), the review page of a version (`/workspace/{dataset}/versions/{n}`: the ingest's
// report, the fields against the published version's, the changes; submit), and `/approvals`
// (the submitted versions; approve or return with a comment; for the Department's
// administrator, the versions agencies approved while its second review is on: publish or
// return, and the switch of that review). Every step is the JSON API's call (`uploadDraft`,
// `submit`, `approve`, `returnToEditor`, `publish`) with the same rules and audit; what follows
// a publication is the store's announcement (`Store.publications`), as for every other path.
import Foundation
import Hummingbird
import GeoStore
import GeoModel
import Catalogue
import Portal
import PublicErrors
import Web

struct CommentForm: Decodable { var comment: String? }
struct DepartmentReviewForm: Decodable { var review: String? }

func addWorkspacePages(to staff: RouterGroup<BandoRequestContext>, _ deps: StaffRouteDependencies) {
    let portal = deps.portal
    let store = deps.store
    let api = PortalHTTP(deps: deps.api)

    /// The agency's listed datasets with their versions (an agency's users only).
    @Sendable func agencyDatasets(_ actor: Actor) throws -> [(entry: ListedDataset, versions: [VersionSummary])] {
        guard let agency = try portal.profile(of: actor).agency else { return [] }
        return try portal.openDataList(agency: agency.slug).map { ($0, try portal.versions(dataset: $0.slug, by: actor)) }
    }

    staff.get("workspace") { request, context -> Response in
        let session = try context.requireStaff(request) { $0.role == .editor || $0.role == .approver }
        let frame = session.frame(request)
        let today = portal.now()
        let datasets = try await blocking {
            try agencyDatasets(session.actor).map { entry, versions -> WorkspaceDataset in
                WorkspaceDataset(slug: entry.slug, title: entry.title, frequency: entry.frequency, versions: versions,
                                 dueDay: dueDay(entry.frequency, versions, today: today))
            }
        }
        return staffPage(StaffPages.shared.workspace(datasets, frame: frame), frame)
    }

    staff.post("workspace/:dataset/upload") { request, context -> Response in
        let session = try context.requireStaff(request)
        let dataset = try context.parameters.require("dataset")
        let version = try await api.uploadDraft(request, dataset: dataset, by: session.actor)
        return staffRedirect("/workspace/\(dataset)/versions/\(version.number)", request, done: "uploaded")
    }

    staff.get("workspace/:dataset/versions/:number") { request, context -> Response in
        let session = try context.requireStaff(request)
        let frame = session.frame(request)
        let slug = try context.parameters.require("dataset"), number = try context.parameters.require("number", as: Int.self)
        let review = try await blocking { () throws -> VersionReview in
            // The service first: it refuses those who may not see the agency's unpublished versions.
            let summary = try portal.version(dataset: slug, number: number, by: session.actor)
            let history = try portal.versionHistory(dataset: slug, number: number, by: session.actor)
            guard let dataset = try store.dataset(slug: slug),
                  let record = try store.versions(datasetID: dataset.id).first(where: { $0.number == number }) else {
                throw PortalError(.notFound, SafeMessage("store.versionNotFound", ["dataset": slug, "version": String(number)]))
            }
            let current = try dataset.currentVersionID.flatMap { try store.version(id: $0) }
            let draftLike = current?.id != record.id
            let identity = try CatalogueReader(store: store).metadataOf(slug).identityField
            let changes = try store.draftChanges(record, against: draftLike ? current : nil, identityField: identity)
            return VersionReview(slug: slug, title: dataset.title, version: summary, facts: IngestFacts.from(json: record.reportJSON),
                                 fields: record.fields, current: draftLike ? current.map { ($0.number, $0.fields) } : nil,
                                 changes: changes, history: history,
                                 canSubmit: Permissions.allows(session.actor, .submit(agencyID: dataset.agencyID ?? -1)),
                                 canDecide: Permissions.allows(session.actor, .returnToEditor(agencyID: dataset.agencyID ?? -1)),
                                 canPublish: Permissions.allows(session.actor, .departmentReview),
                                 departmentReview: try portal.departmentReviewIsOn())
        }
        return staffPage(StaffPages.shared.review(review, frame: frame), frame)
    }

    // The features of a version for the review page's map: a draft has no public tiles.
    staff.get("workspace/:dataset/versions/:number/features.geojson") { request, context -> Response in
        let session = try context.requireStaff(request)
        let slug = try context.parameters.require("dataset"), number = try context.parameters.require("number", as: Int.self)
        let body = try await blocking { () throws -> [UInt8] in
            _ = try portal.version(dataset: slug, number: number, by: session.actor)
            guard let dataset = try store.dataset(slug: slug),
                  let record = try store.versions(datasetID: dataset.id).first(where: { $0.number == number }) else {
                throw PortalError(.notFound, SafeMessage("store.versionNotFound", ["dataset": slug, "version": String(number)]))
            }
            var out = Array(#"{"type":"FeatureCollection","#.utf8)
            if let raw = record.bbox, let b = BoundingBox.lonLatExtent(minX: raw.minX, minY: raw.minY, maxX: raw.maxX, maxY: raw.maxY) {
                out += Array("\"bbox\":[\(b.minX),\(b.minY),\(b.maxX),\(b.maxY)],".utf8)
            }
            out += Array(#""features":["#.utf8)
            for (i, feature) in try store.featurePage(of: record, bbox: nil, after: 0, limit: StaffPages.reviewMapLimit).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                GeoJSON.writeFeature(feature, fields: record.fields, into: &out)
            }
            out += Array("]}".utf8)
            return out
        }
        return Response(status: .ok, headers: [.contentType: "application/geo+json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    staff.post("workspace/:dataset/versions/:number/submit") { request, context -> Response in
        let session = try context.requireStaff(request)
        let slug = try context.parameters.require("dataset"), number = try context.parameters.require("number", as: Int.self)
        try await blocking { _ = try portal.submit(dataset: slug, number: number, by: session.actor) }
        return staffRedirect("/workspace", request, done: "submitted")
    }

    staff.get("approvals") { request, context -> Response in
        let session = try context.requireStaff(request) { $0.role == .approver || $0.role == .administrator }
        let frame = session.frame(request)
        if session.actor.role == .administrator {
            // The Department's queue: what the agencies approved, waiting for its second review.
            let (on, waiting) = try await blocking { (try portal.departmentReviewIsOn(), try portal.departmentQueue(by: session.actor)) }
            return staffPage(StaffPages.shared.departmentReviews(waiting, reviewOn: on, frame: frame), frame)
        }
        let queue = try await blocking {
            try agencyDatasets(session.actor).flatMap { entry, versions in
                versions.filter { $0.status == .submitted }.map { (title: entry.title, version: $0) }
            }
        }
        return staffPage(StaffPages.shared.approvals(queue, frame: frame), frame)
    }

    staff.post("approvals/:dataset/versions/:number/approve") { request, context -> Response in
        let session = try context.requireStaff(request)
        let slug = try context.parameters.require("dataset"), number = try context.parameters.require("number", as: Int.self)
        let approved = try await blocking { try portal.approve(dataset: slug, number: number, by: session.actor) }
        // With the Department's second review on, the version waits for it: nothing is published yet.
        guard approved.status == .published else { return staffRedirect("/approvals", request, done: "approved_department") }
        return staffRedirect("/approvals", request, done: "approved")
    }

    // The Department publishes a version its agency approved (a return is the form below).
    staff.post("approvals/:dataset/versions/:number/publish") { request, context -> Response in
        let session = try context.requireStaff(request) { $0.role == .administrator }
        let slug = try context.parameters.require("dataset"), number = try context.parameters.require("number", as: Int.self)
        try await blocking { _ = try portal.publish(dataset: slug, number: number, by: session.actor) }
        return staffRedirect("/approvals", request, done: "published")
    }

    staff.post("approvals/department-review") { request, context -> Response in
        let session = try context.requireStaff(request) { $0.role == .administrator }
        let form = try await staffForm(DepartmentReviewForm.self, request)
        let on = form.review == "on"
        try await blocking { try portal.setDepartmentReview(on, by: session.actor) }
        return staffRedirect("/approvals", request, done: on ? "department_review_on" : "department_review_off")
    }

    staff.post("approvals/:dataset/versions/:number/return") { request, context -> Response in
        let session = try context.requireStaff(request)
        let slug = try context.parameters.require("dataset"), number = try context.parameters.require("number", as: Int.self)
        let form = try await staffForm(CommentForm.self, request)
        try await blocking { _ = try portal.returnToEditor(dataset: slug, number: number, comment: form.comment ?? "", by: session.actor) }
        return staffRedirect("/approvals", request, done: "returned")
    }
}

/// The last day of this quarter's update (`yyyy-MM-dd`) when one is due and nothing was
/// published in the quarter yet; else next due quarter's.
func dueDay(_ frequency: UpdateFrequency, _ versions: [VersionSummary], today: Date) -> String? {
    var quarter = Quarter(containing: today)
    let stamps = versions.compactMap { $0.publishedAt.flatMap { ISO8601DateFormatter().date(from: $0) } }
    for _ in 0..<4 {
        if frequency.isDue(in: quarter), !stamps.contains(where: quarter.contains) { return quarter.deadlineDay }
        quarter = quarter.next
    }
    return nil
}
