// The approved catalogue (Sơn La art. 7): the administrator lists each open dataset an agency
// must keep up to date, with its theme and update frequency; an agency may propose one, which
// an administrator accepts (it enters the catalogue) or declines.
import Foundation
import GRDB
import GeoStore
import PublicErrors

public struct CatalogueEntry: Sendable, Codable, Equatable {
    public var slug: String
    public var title: String
    public var agency: String?
    public var theme: String
    public var frequency: UpdateFrequency
    public var addedAt: String
    public var currentVersion: Int?
}

public struct DatasetProposal: Sendable, Codable, Equatable {
    public var id: Int64
    public var agency: String
    public var slug: String
    public var title: String
    public var theme: String
    public var frequency: UpdateFrequency
    public var description: String
    public var status: String
    public var decisionComment: String?
}

extension PortalService {
    @discardableResult
    public func addToCatalogue(agency: String, slug: String, title: String, theme: String = "",
                               frequency: UpdateFrequency = .quarterly, description: String = "",
                               by actor: Actor) throws -> CatalogueEntry {
        try Permissions.authorize(actor, .manageCatalogue)
        return try db.write { db in try insertEntry(db, agency: agency, slug: slug, title: title, theme: theme,
                                                    frequency: frequency, description: description, actor: actor) }
    }

    func insertEntry(_ db: Database, agency: String, slug: String, title: String, theme: String,
                     frequency: UpdateFrequency, description: String, actor: Actor) throws -> CatalogueEntry {
        try Self.checkSlug(slug, what: "dataset")
        let title = title.trimmingCharacters(in: .whitespaces)
        guard !title.isEmpty else { throw PortalError.invalid("portal.dataset.title") }
        let agencyID = try self.agencyID(db, slug: agency)
        let t = now()
        var datasetID: Int64
        if let r = try Row.fetchOne(db, sql: "SELECT id, agency_id FROM datasets WHERE slug = ?", arguments: [slug]) {
            // A dataset loaded before it was catalogued (the demo data, `bando ingest`) is adopted.
            datasetID = r["id"]
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM catalogue_entries WHERE dataset_id = ?", arguments: [datasetID]) != nil {
                throw PortalError.conflict("portal.dataset.inCatalogue", ["dataset": slug])
            }
            if let owner = r["agency_id"] as Int64?, owner != agencyID {
                throw PortalError.conflict("portal.dataset.otherAgency", ["dataset": slug])
            }
            try db.execute(sql: "UPDATE datasets SET agency_id = ?, updated_at = ? WHERE id = ?", arguments: [agencyID, stamp(t), datasetID])
        } else {
            try db.execute(sql: """
                INSERT INTO datasets (slug, title, agency_id, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [slug, title, agencyID, description, stamp(t), stamp(t)])
            datasetID = db.lastInsertedRowID
        }
        try db.execute(sql: "INSERT INTO catalogue_entries (dataset_id, theme, update_frequency, added_at, added_by) VALUES (?, ?, ?, ?, ?)",
                       arguments: [datasetID, theme, frequency.rawValue, stamp(t), actor.userID == 0 ? nil : actor.userID])
        try audit(db, actor, "catalogue.add", agencyID: agencyID, dataset: slug, detail: "\(title) (\(frequency.rawValue))")
        return CatalogueEntry(slug: slug, title: title, agency: agency, theme: theme, frequency: frequency,
                              addedAt: PortalCalendar.timestamp(t), currentVersion: nil)
    }

    /// The approved catalogue: public, as the national portal harvests it.
    public func catalogue(agency: String? = nil) throws -> [CatalogueEntry] {
        try db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT d.slug, d.title, a.slug AS agency_slug, c.theme, c.update_frequency, c.added_at, v.number
                FROM catalogue_entries c JOIN datasets d ON d.id = c.dataset_id
                LEFT JOIN agencies a ON a.id = d.agency_id
                LEFT JOIN dataset_versions v ON v.id = d.current_version_id
                WHERE (? IS NULL OR a.slug = ?) ORDER BY d.slug
                """, arguments: [agency, agency]).map {
                CatalogueEntry(slug: $0["slug"], title: $0["title"], agency: $0["agency_slug"], theme: $0["theme"],
                               frequency: UpdateFrequency(rawValue: $0["update_frequency"]) ?? .quarterly,
                               addedAt: PortalCalendar.timestamp($0["added_at"] as Date), currentVersion: $0["number"])
            }
        }
    }

    public func propose(agency: String, slug: String, title: String, theme: String = "", frequency: UpdateFrequency = .quarterly,
                        description: String = "", by actor: Actor) throws -> DatasetProposal {
        try Self.checkSlug(slug, what: "dataset")
        return try db.write { db in
            let agencyID = try self.agencyID(db, slug: agency)
            try Permissions.authorize(actor, .proposeDataset(agencyID: agencyID))
            if try Int64.fetchOne(db, sql: "SELECT id FROM datasets WHERE slug = ?", arguments: [slug]) != nil {
                throw PortalError.conflict("portal.dataset.exists", ["dataset": slug])
            }
            try db.execute(sql: """
                INSERT INTO dataset_proposals (agency_id, slug, title, theme, update_frequency, description, proposed_by, proposed_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [agencyID, slug, title, theme, frequency.rawValue, description, actor.userID, stamp(now())])
            let id = db.lastInsertedRowID
            try audit(db, actor, "catalogue.propose", agencyID: agencyID, dataset: slug, detail: title)
            return DatasetProposal(id: id, agency: agency, slug: slug, title: title, theme: theme, frequency: frequency,
                                   description: description, status: "pending", decisionComment: nil)
        }
    }

    /// Administrators see every proposal; agency users their own agency's.
    public func proposals(by actor: Actor) throws -> [DatasetProposal] {
        try db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT p.*, a.slug AS agency_slug FROM dataset_proposals p JOIN agencies a ON a.id = p.agency_id
                WHERE ? OR p.agency_id = ? ORDER BY p.id
                """, arguments: [actor.role == .administrator, actor.agencyID]).map(Self.proposal)
        }
    }

    static func proposal(_ r: Row) -> DatasetProposal {
        DatasetProposal(id: r["id"], agency: r["agency_slug"], slug: r["slug"], title: r["title"], theme: r["theme"],
                        frequency: UpdateFrequency(rawValue: r["update_frequency"]) ?? .quarterly,
                        description: r["description"], status: r["status"], decisionComment: r["decision_comment"])
    }

    /// Accepting puts the proposed dataset into the catalogue in the same transaction.
    public func decideProposal(id: Int64, accept: Bool, comment: String?, by actor: Actor) throws -> DatasetProposal {
        try Permissions.authorize(actor, .manageCatalogue)
        return try db.write { db in
            guard let r = try Row.fetchOne(db, sql: """
                SELECT p.*, a.slug AS agency_slug FROM dataset_proposals p JOIN agencies a ON a.id = p.agency_id WHERE p.id = ?
                """, arguments: [id]) else { throw PortalError.notFound("portal.proposal.notFound", ["id": String(id)]) }
            var p = Self.proposal(r)
            guard p.status == "pending" else { throw PortalError.conflict("portal.proposal.decided", ["id": String(id), "status": p.status]) }
            // The agency reads why its proposal was declined: a decline without a reason tells it nothing.
            guard accept || comment?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty == false else {
                throw PortalError.invalid("portal.proposal.reasonRequired")
            }
            if accept {
                _ = try insertEntry(db, agency: p.agency, slug: p.slug, title: p.title, theme: p.theme,
                                    frequency: p.frequency, description: p.description, actor: actor)
            }
            p.status = accept ? "accepted" : "declined"
            p.decisionComment = comment
            try db.execute(sql: "UPDATE dataset_proposals SET status = ?, decided_by = ?, decided_at = ?, decision_comment = ? WHERE id = ?",
                           arguments: [p.status, actor.userID == 0 ? nil : actor.userID, stamp(now()), comment, id])
            try audit(db, actor, accept ? "proposal.accept" : "proposal.decline", agencyID: r["agency_id"], dataset: p.slug, comment: comment)
            return p
        }
    }
}

extension PortalService {
    /// Edits `dataset`'s catalogue metadata for `actor`: allowed to those who may upload its
    /// drafts (the owning agency's editors). `apply` writes the metadata (the Catalogue module
    /// checks it); once it has succeeded, the edit and the names of the fields it set are logged.
    public func editMetadata(dataset: String, fields: [String], by actor: Actor, apply: () throws -> Void) throws {
        try authorizeUpload(dataset: dataset, by: actor)
        try apply()
        try db.write { db in
            let ref = try self.dataset(db, slug: dataset)
            try audit(db, actor, "metadata.edit", agencyID: ref.agencyID, dataset: dataset,
                      detail: fields.isEmpty ? "nothing changed" : "set " + fields.joined(separator: ", "))
        }
    }
}
