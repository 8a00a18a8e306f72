// Keeping the open-data list true: the Department looks at each entry again at least once
// a year (is the dataset still needed, its frequency still right?), and an agency declares
// when the data of an "on change" dataset changed, which starts its 15 days (Sơn La art. 8.4).
import Foundation
import GeoStore
import PublicErrors

/// An entry of the open-data list as the yearly review sees it.
public struct ListedDatasetReview: Sendable, Codable, Equatable {
    public var slug: String
    public var title: String
    public var agency: String?
    public var agencyName: String?
    public var theme: String
    public var frequency: UpdateFrequency
    public var addedAt: String
    public var currentVersion: Int?
    /// When it was last reviewed (nil: never since it entered the list).
    public var reviewedAt: String?
    public var reviewedBy: String?
    /// The day by which the next review is due (`yyyy-MM-dd`): a year after the last review,
    /// or after the entry was added.
    public var reviewDue: String
    /// That day has passed.
    public var reviewOverdue: Bool
}

/// A change of the data of an "on change" dataset, as the agency declared it.
public struct DataChange: Sendable, Codable, Equatable {
    public var dataset: String
    /// The civil day in Vietnam the data changed (`yyyy-MM-dd`).
    public var changedOn: String
    /// The last day to publish it (`yyyy-MM-dd`).
    public var dueDay: String
    public var note: String
}

extension PortalService {
    /// How long a review holds.
    public static let reviewIntervalDays = 365

    /// Every entry of the open-data list with its review state, entries overdue for review first.
    public func yearlyReview(by actor: Actor) throws -> [ListedDatasetReview] {
        try Permissions.authorize(actor, .manageOpenDataList)
        let t = now()
        return try records.read { tx in try tx.yearlyReview() }.map { r in
            let due = PortalCalendar.startOfDay(r.reviewedAt ?? r.addedAt, plusDays: Self.reviewIntervalDays)
            return ListedDatasetReview(
                slug: r.slug, title: r.title, agency: r.agencySlug, agencyName: r.agencyName, theme: r.theme,
                frequency: UpdateFrequency(rawValue: r.updateFrequency) ?? .quarterly,
                addedAt: PortalCalendar.timestamp(r.addedAt), currentVersion: r.currentVersion,
                reviewedAt: r.reviewedAt.map(PortalCalendar.timestamp), reviewedBy: r.reviewer,
                reviewDue: PortalCalendar.dayString(due.addingTimeInterval(-1)), reviewOverdue: due <= t)
        }.sorted { ($0.reviewOverdue ? 0 : 1, $0.reviewDue, $0.slug) < ($1.reviewOverdue ? 0 : 1, $1.reviewDue, $1.slug) }
    }

    /// Records that `actor` reviewed the entry `dataset` today; `comment` goes to the audit log.
    @discardableResult
    public func markReviewed(dataset: String, comment: String?, by actor: Actor) throws -> ListedDatasetReview {
        try Permissions.authorize(actor, .manageOpenDataList)
        try records.write { tx in
            let ref = try self.dataset(tx, slug: dataset)
            guard try tx.markReviewed(datasetID: ref.id, at: now(), by: actor.userID == 0 ? nil : actor.userID) else { throw PortalError.notFound("portal.catalogue.notCatalogued", ["dataset": dataset]) }
            let note = comment?.trimmingCharacters(in: .whitespacesAndNewlines)
            try audit(tx, actor, "catalogue.review", agencyID: ref.agencyID, dataset: dataset,
                      comment: note?.isEmpty == false ? note : nil)
        }
        return try yearlyReview(by: actor).first { $0.slug == dataset }!
    }

    /// Declares that the data of the "on change" dataset `dataset` changed on `day`
    /// (`yyyy-MM-dd`, Vietnam): a version is then due within 15 days. The dataset's editors and
    /// approvers declare it, as they upload its versions.
    @discardableResult
    public func recordDataChange(dataset: String, on day: String, note: String, by actor: Actor) throws -> DataChange {
        guard let changed = Self.day(day) else { throw PortalError.invalid("portal.change.day", ["value": day]) }
        guard changed <= now() else { throw PortalError.invalid("portal.change.future", ["value": day]) }
        return try records.write { tx in
            let ref = try self.dataset(tx, slug: dataset)
            guard let agency = ref.agencyID else { throw PortalError.conflict("portal.dataset.noAgency", ["dataset": dataset]) }
            try Permissions.authorize(actor, .uploadDraft(agencyID: agency))
            guard let frequency = try tx.updateFrequency(datasetID: ref.id) else {
                throw PortalError.notFound("portal.catalogue.notCatalogued", ["dataset": dataset])
            }
            guard frequency == UpdateFrequency.onChange.rawValue else {
                throw PortalError.conflict("portal.change.notOnChange", ["dataset": dataset, "frequency": frequency])
            }
            let text = note.trimmingCharacters(in: .whitespacesAndNewlines)
            try tx.insertDataChange(datasetID: ref.id, day: day, note: text, at: now(), by: actor.userID == 0 ? nil : actor.userID)
            try audit(tx, actor, "dataset.change", agencyID: agency, dataset: dataset, comment: text.isEmpty ? nil : text,
                      detail: "changed on \(day)")
            return DataChange(dataset: dataset, changedOn: day, dueDay: Self.changeDueDay(changed), note: text)
        }
    }

    /// The declared changes of `dataset`, newest first (those who may see its drafts).
    public func dataChanges(dataset: String, by actor: Actor) throws -> [DataChange] {
        try records.read { tx in
            let ref = try self.dataset(tx, slug: dataset)
            if let agency = ref.agencyID { try Permissions.authorize(actor, .viewUnpublished(agencyID: agency)) }
            return try tx.dataChanges(datasetID: ref.id).compactMap { change in
                Self.day(change.day).map { DataChange(dataset: dataset, changedOn: change.day, dueDay: Self.changeDueDay($0), note: change.note) }
            }
        }
    }

    static func changeDueDay(_ changed: Date) -> String {
        PortalCalendar.dayString(PortalCalendar.startOfDay(changed, plusDays: ComplianceCalculator.changeDeadlineDays - 1))
    }
}
