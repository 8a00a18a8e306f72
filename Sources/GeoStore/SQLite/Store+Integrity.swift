// The whole integrity check, shared by `bando verify --all` and the server's daily run: every
// version's feature checksum recomputed from the store, and the audit log's hash chain walked.
public import Foundation
import GRDB

/// What a whole check found.
public struct IntegrityReport: Sendable {
    /// One version's recomputed checksum beside the recorded one.
    public struct VersionCheck: Sendable {
        public var dataset: String
        public var version: DatasetVersionRecord
        public var result: ChecksumVerification
        /// The checksum matches and the features counted are those recorded.
        public var passed: Bool { result.matches && result.featureCount == version.featureCount }
    }
    public var versions: [VersionCheck]
    public var auditProblems: [AuditChainProblem]
    public var auditHead: (id: Int64, hash: String)?
    public var passed: Bool { versions.allSatisfy(\.passed) && auditProblems.isEmpty }
    /// One line per problem, as an operator reads them (no paths, no SQL).
    public var problems: [String] {
        versions.filter { !$0.passed }.map { "\($0.dataset) v\($0.version.number): the features no longer give the checksum recorded at ingest" }
            + auditProblems.map(\.description)
    }
}

extension FeatureReading where Self: DatasetStore & AuditChainReading {
    /// Recomputes every version of every dataset (`datasets`: only these) and, for a whole
    /// check, walks the audit chain, on either engine. Minutes on a large store: run it on a
    /// blocking pool.
    public func verifyIntegrity(datasets only: [String]? = nil, version: Int? = nil,
                                each: ((IntegrityReport.VersionCheck) -> Void)? = nil) throws -> IntegrityReport {
        let checks = try verifyVersions(datasets: only, version: version, each: each)
        let whole = only == nil
        return IntegrityReport(versions: checks, auditProblems: whole ? try verifyAuditChain() : [],
                               auditHead: whole ? try auditChainHead() : nil)
    }
}

extension Store {
    /// Folds the write-ahead log back into the store's file (at shutdown, so the file alone is
    /// the whole store).
    public func checkpoint() throws {
        try pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
    }
}
