// Keeping the approved catalogue true: the Department looks at each entry again at least once
// a year (is the dataset still needed, its frequency still right?), and an agency declares
// when the data of an "on change" dataset changed, which starts its 15 days (Sơn La art. 8.4).
import Foundation
import GRDB
import GeoStore
import PublicErrors

/// A catalogue entry as the yearly review sees it.
public struct CatalogueReviewEntry: Sendable, Codable, Equatable {
    public var slug: String
    public var title: String
    public var agency: String?
    public var agencyName: String?
    public var theme: String
    public var frequency: UpdateFrequency
    public var addedAt: String
    public var currentVersion: Int?
    /// When it was last reviewed (nil: never since it entered the catalogue).
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

    /// Every catalogue entry with its review state, entries overdue for review first.
    public func catalogueReview(by actor: Actor) throws -> [CatalogueReviewEntry] {
        try Permissions.authorize(actor, .manageCatalogue)
        let t = now()
        return try db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT d.slug, d.title, a.slug AS agency_slug, a.name AS agency_name, c.theme, c.update_frequency,
                       c.added_at, c.reviewed_at, u.username AS reviewer, v.number
                FROM catalogue_entries c JOIN datasets d ON d.id = c.dataset_id
                LEFT JOIN agencies a ON a.id = d.agency_id
                LEFT JOIN users u ON u.id = c.reviewed_by
                LEFT JOIN dataset_versions v ON v.id = d.current_version_id
                ORDER BY d.slug
                """).map { r in
                let added: Date = r["added_at"]
                let reviewed: Date? = r["reviewed_at"]
                let due = PortalCalendar.startOfDay(reviewed ?? added, plusDays: Self.reviewIntervalDays)
                return CatalogueReviewEntry(
                    slug: r["slug"], title: r["title"], agency: r["agency_slug"], agencyName: r["agency_name"], theme: r["theme"],
                    frequency: UpdateFrequency(rawValue: r["update_frequency"]) ?? .quarterly,
                    addedAt: PortalCalendar.timestamp(added), currentVersion: r["number"],
                    reviewedAt: reviewed.map(PortalCalendar.timestamp), reviewedBy: r["reviewer"],
                    reviewDue: PortalCalendar.dayString(due.addingTimeInterval(-1)), reviewOverdue: due <= t)
            }.sorted { ($0.reviewOverdue ? 0 : 1, $0.reviewDue, $0.slug) < ($1.reviewOverdue ? 0 : 1, $1.reviewDue, $1.slug) }
        }
    }

    /// Records that `actor` reviewed the entry `dataset` today; `comment` goes to the audit log.
    @discardableResult
    public func markReviewed(dataset: String, comment: String?, by actor: Actor) throws -> CatalogueReviewEntry {
        try Permissions.authorize(actor, .manageCatalogue)
        try db.write { db in
            let ref = try self.dataset(db, slug: dataset)
            try db.execute(sql: "UPDATE catalogue_entries SET reviewed_at = ?, reviewed_by = ? WHERE dataset_id = ?",
                           arguments: [stamp(now()), actor.userID == 0 ? nil : actor.userID, ref.id])
            guard db.changesCount == 1 else { throw PortalError.notFound("portal.catalogue.notCatalogued", ["dataset": dataset]) }
            let note = comment?.trimmingCharacters(in: .whitespacesAndNewlines)
            try audit(db, actor, "catalogue.review", agencyID: ref.agencyID, dataset: dataset,
                      comment: note?.isEmpty == false ? note : nil)
        }
        return try catalogueReview(by: actor).first { $0.slug == dataset }!
    }

    /// Declares that the data of the "on change" dataset `dataset` changed on `day`
    /// (`yyyy-MM-dd`, Vietnam): a version is then due within 15 days. The dataset's editors and
    /// approvers declare it, as they upload its versions.
    @discardableResult
    public func recordDataChange(dataset: String, on day: String, note: String, by actor: Actor) throws -> DataChange {
        guard let changed = Self.day(day) else { throw PortalError.invalid("portal.change.day", ["value": day]) }
        guard changed <= now() else { throw PortalError.invalid("portal.change.future", ["value": day]) }
        return try db.write { db in
            let ref = try self.dataset(db, slug: dataset)
            guard let agency = ref.agencyID else { throw PortalError.conflict("portal.dataset.noAgency", ["dataset": dataset]) }
            try Permissions.authorize(actor, .uploadDraft(agencyID: agency))
            guard let frequency = try String.fetchOne(db, sql: "SELECT update_frequency FROM catalogue_entries WHERE dataset_id = ?",
                                                      arguments: [ref.id]) else {
                throw PortalError.notFound("portal.catalogue.notCatalogued", ["dataset": dataset])
            }
            guard frequency == UpdateFrequency.onChange.rawValue else {
                throw PortalError.conflict("portal.change.notOnChange", ["dataset": dataset, "frequency": frequency])
            }
            let text = note.trimmingCharacters(in: .whitespacesAndNewlines)
            try db.execute(sql: "INSERT INTO dataset_changes (dataset_id, changed_on, note, noted_at, noted_by) VALUES (?, ?, ?, ?, ?)",
                           arguments: [ref.id, day, text, stamp(now()), actor.userID == 0 ? nil : actor.userID])
            try audit(db, actor, "dataset.change", agencyID: agency, dataset: dataset, comment: text.isEmpty ? nil : text,
                      detail: "changed on \(day)")
            return DataChange(dataset: dataset, changedOn: day, dueDay: Self.changeDueDay(changed), note: text)
        }
    }

    /// The declared changes of `dataset`, newest first (those who may see its drafts).
    public func dataChanges(dataset: String, by actor: Actor) throws -> [DataChange] {
        try db.read { db in
            let ref = try self.dataset(db, slug: dataset)
            if let agency = ref.agencyID { try Permissions.authorize(actor, .viewUnpublished(agencyID: agency)) }
            return try Row.fetchAll(db, sql: "SELECT changed_on, note FROM dataset_changes WHERE dataset_id = ? ORDER BY changed_on DESC, id DESC",
                                    arguments: [ref.id]).compactMap { r in
                let text: String = r["changed_on"]
                return Self.day(text).map { DataChange(dataset: dataset, changedOn: text, dueDay: Self.changeDueDay($0), note: r["note"]) }
            }
        }
    }

    static func changeDueDay(_ changed: Date) -> String {
        PortalCalendar.dayString(PortalCalendar.startOfDay(changed, plusDays: ComplianceCalculator.changeDeadlineDays - 1))
    }
}
