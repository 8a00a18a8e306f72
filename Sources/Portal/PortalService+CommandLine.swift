// `bando ingest` on the command line: whoever holds the store file may publish, but not
// anonymously. The ingest writes the version as a draft; this publishes it in one transaction
// with its audit entry naming the person, as an approval in the portal does.
import Foundation
import GeoStore

extension PortalService {
    /// The actor for a command run by `person` (`--by`, else the operating-system user): the
    /// Department's system administrator, as the command line already is, under that name.
    public static func commandLine(by person: String) -> Actor {
        Actor(userID: 0, username: person, role: .administrator, agencyID: nil)
    }

    /// Records draft `number` of `dataset`, which `bando ingest` wrote from `source`, in the
    /// audit log under `person`'s name, publishing it in the same transaction when `publish`.
    @discardableResult
    public func recordCommandLineIngest(dataset: String, number: Int, source: String, publish: Bool,
                                        by person: String) throws -> VersionSummary {
        let actor = Self.commandLine(by: person)
        let published = try records.write { tx -> Publication? in
            let v = try versionRow(tx, dataset: dataset, number: number)
            guard v.status == .draft else {
                throw PortalError.conflict("portal.cli.notDraft", ["number": String(number), "dataset": dataset, "status": v.status.rawValue])
            }
            let published = publish ? try tx.publish(versionID: v.id, at: now()) : nil
            try audit(tx, actor, publish ? "ingest.publish" : "ingest.draft", agencyID: v.agencyID, dataset: dataset,
                      versionID: v.id, versionNumber: number, checksum: v.checksum,
                      detail: "bando ingest \((source as NSString).lastPathComponent)")
            return published
        }
        if let published { publications.post(published) }
        return try version(dataset: dataset, number: number, by: actor)
    }
}
