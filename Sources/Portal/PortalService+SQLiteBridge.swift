// For the portal files that still run their own SQL inside `db.write { db in … }` (workflow,
// review, the Department's review, catalogue, harvest, dashboards): their lookups and audit
// entries go through the same record operations as the moved files, on the same connection,
// so the audit chain has one writer. Delete this file when the last of them uses `records`.
import GRDB
import GeoStore

extension PortalService {
    func audit(_ db: Database, _ actor: Actor, _ action: String, agencyID: Int64? = nil, dataset: String? = nil,
               versionID: Int64? = nil, versionNumber: Int? = nil, checksum: String? = nil,
               comment: String? = nil, detail: String? = nil) throws {
        try audit(SQLitePortalTransaction(db), actor, action, agencyID: agencyID, dataset: dataset, versionID: versionID,
                  versionNumber: versionNumber, checksum: checksum, comment: comment, detail: detail)
    }

    func agencyID(_ db: Database, slug: String) throws -> Int64 {
        try agencyID(SQLitePortalTransaction(db), slug: slug)
    }

    func dataset(_ db: Database, slug: String) throws -> DatasetRef {
        try dataset(SQLitePortalTransaction(db), slug: slug)
    }

    func versionRow(_ db: Database, dataset: String, number: Int) throws -> VersionRow {
        try versionRow(SQLitePortalTransaction(db), dataset: dataset, number: number)
    }

    func complianceInputs(_ db: Database, agency only: Int64?) throws
        -> (agencies: [ComplianceAgency], datasets: [ComplianceDataset], feedback: [ComplianceFeedback]) {
        try complianceInputs(SQLitePortalTransaction(db), agency: only)
    }
}
