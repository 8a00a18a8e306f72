// The open-data list ("danh mục dữ liệu mở", Sơn La art. 7): the administrator lists each open
// dataset an agency must keep up to date, with its theme and update frequency; an agency may
// propose one, which an administrator accepts (it enters the list) or declines.
import Foundation
import GeoStore
import PublicErrors

public struct ListedDataset: Sendable, Codable, Equatable {
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
    public func addToOpenDataList(agency: String, slug: String, title: String, theme: String = "",
                               frequency: UpdateFrequency = .quarterly, description: String = "",
                               by actor: Actor) throws -> ListedDataset {
        try Permissions.authorize(actor, .manageOpenDataList)
        return try records.write { tx in try insertEntry(tx, agency: agency, slug: slug, title: title, theme: theme,
                                                         frequency: frequency, description: description, actor: actor) }
    }

    func insertEntry(_ tx: any PortalTransaction, agency: String, slug: String, title: String, theme: String,
                     frequency: UpdateFrequency, description: String, actor: Actor) throws -> ListedDataset {
        try Self.checkSlug(slug, what: "dataset")
        let title = title.trimmingCharacters(in: .whitespaces)
        guard !title.isEmpty else { throw PortalError.invalid("portal.dataset.title") }
        let agencyID = try self.agencyID(tx, slug: agency)
        let t = now()
        let datasetID: Int64
        if let existing = try tx.dataset(slug: slug) {
            // A dataset loaded before it was listed (the demo data, `bando ingest`) is adopted.
            datasetID = existing.id
            if try tx.isListed(datasetID: datasetID) {
                throw PortalError.conflict("portal.dataset.inCatalogue", ["dataset": slug])
            }
            if let owner = existing.agencyID, owner != agencyID {
                throw PortalError.conflict("portal.dataset.otherAgency", ["dataset": slug])
            }
            try tx.setDatasetAgency(datasetID: datasetID, agencyID: agencyID, at: t)
        } else {
            datasetID = try tx.insertDataset(slug: slug, title: title, agencyID: agencyID, description: description, at: t)
        }
        try tx.insertListedDataset(datasetID: datasetID, theme: theme, updateFrequency: frequency.rawValue, at: t,
                                    addedBy: actor.userID == 0 ? nil : actor.userID)
        try audit(tx, actor, "catalogue.add", agencyID: agencyID, dataset: slug, detail: "\(title) (\(frequency.rawValue))")
        return ListedDataset(slug: slug, title: title, agency: agency, theme: theme, frequency: frequency,
                              addedAt: PortalCalendar.timestamp(t), currentVersion: nil)
    }

    /// The open-data list: public, as the national portal harvests it.
    public func openDataList(agency: String? = nil) throws -> [ListedDataset] {
        try records.read { tx in
            try tx.listedDatasets(agencySlug: agency).map {
                ListedDataset(slug: $0.slug, title: $0.title, agency: $0.agencySlug, theme: $0.theme,
                               frequency: UpdateFrequency(rawValue: $0.updateFrequency) ?? .quarterly,
                               addedAt: PortalCalendar.timestamp($0.addedAt), currentVersion: $0.currentVersion)
            }
        }
    }

    public func propose(agency: String, slug: String, title: String, theme: String = "", frequency: UpdateFrequency = .quarterly,
                        description: String = "", by actor: Actor) throws -> DatasetProposal {
        try Self.checkSlug(slug, what: "dataset")
        return try records.write { tx in
            let agencyID = try self.agencyID(tx, slug: agency)
            try Permissions.authorize(actor, .proposeDataset(agencyID: agencyID))
            if try tx.dataset(slug: slug) != nil {
                throw PortalError.conflict("portal.dataset.exists", ["dataset": slug])
            }
            let id = try tx.insertProposal(NewProposal(agencyID: agencyID, slug: slug, title: title, theme: theme,
                                                       updateFrequency: frequency.rawValue, description: description,
                                                       proposedBy: actor.userID, at: now()))
            try audit(tx, actor, "catalogue.propose", agencyID: agencyID, dataset: slug, detail: title)
            return DatasetProposal(id: id, agency: agency, slug: slug, title: title, theme: theme, frequency: frequency,
                                   description: description, status: "pending", decisionComment: nil)
        }
    }

    /// Administrators see every proposal; agency users their own agency's.
    public func proposals(by actor: Actor) throws -> [DatasetProposal] {
        try records.read { tx in
            if actor.role == .administrator { return try tx.proposals(agencyID: nil).map(Self.proposal) }
            guard let agencyID = actor.agencyID else { return [] }
            return try tx.proposals(agencyID: agencyID).map(Self.proposal)
        }
    }

    static func proposal(_ r: ProposalRecord) -> DatasetProposal {
        DatasetProposal(id: r.id, agency: r.agencySlug, slug: r.slug, title: r.title, theme: r.theme,
                        frequency: UpdateFrequency(rawValue: r.updateFrequency) ?? .quarterly,
                        description: r.description, status: r.status, decisionComment: r.decisionComment)
    }

    /// Accepting puts the proposed dataset onto the open-data list in the same transaction.
    public func decideProposal(id: Int64, accept: Bool, comment: String?, by actor: Actor) throws -> DatasetProposal {
        try Permissions.authorize(actor, .manageOpenDataList)
        return try records.write { tx in
            guard let r = try tx.proposal(id: id) else { throw PortalError.notFound("portal.proposal.notFound", ["id": String(id)]) }
            var p = Self.proposal(r)
            guard p.status == "pending" else { throw PortalError.conflict("portal.proposal.decided", ["id": String(id), "status": p.status]) }
            // The agency reads why its proposal was declined: a decline without a reason tells it nothing.
            guard accept || comment?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty == false else {
                throw PortalError.invalid("portal.proposal.reasonRequired")
            }
            if accept {
                _ = try insertEntry(tx, agency: p.agency, slug: p.slug, title: p.title, theme: p.theme,
                                    frequency: p.frequency, description: p.description, actor: actor)
            }
            p.status = accept ? "accepted" : "declined"
            p.decisionComment = comment
            try tx.decideProposal(id: id, status: p.status, comment: comment, at: now(), decidedBy: actor.userID == 0 ? nil : actor.userID)
            try audit(tx, actor, accept ? "proposal.accept" : "proposal.decline", agencyID: r.agencyID, dataset: p.slug, comment: comment)
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
        try records.write { tx in
            let ref = try self.dataset(tx, slug: dataset)
            try audit(tx, actor, "metadata.edit", agencyID: ref.agencyID, dataset: dataset,
                      detail: fields.isEmpty ? "nothing changed" : "set " + fields.joined(separator: ", "))
        }
    }
}
