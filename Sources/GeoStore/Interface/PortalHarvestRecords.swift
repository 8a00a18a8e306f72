// The harvest sources' records as the portal reads and writes them: where a dataset is pulled
// from, who set it, and how its last pull went (issue 21). The back-off and the pulling are the
// portal's; the store keeps a source's counters as `noteHarvestRun` states them.
public import Foundation

/// A dataset's harvest source and its last pull.
public struct HarvestSourceRecord: Sendable, Equatable {
    public var datasetID: Int64
    public var datasetSlug: String
    /// The dataset's agency.
    public var agencyID: Int64?
    public var url: String
    /// The portal's harvest kind, as stored (`geojson`, `ogcapi-features`).
    public var kind: String
    public var intervalSeconds: Int
    /// The account that set it; the scheduler pulls in its name. nil: the command line.
    public var setBy: Int64?
    public var lastRunAt: Date?
    public var lastStatus: String?
    public var lastError: String?
    /// The checksum of the last file pulled whole.
    public var lastChecksum: String?
    /// The public message key of the last failure and its arguments (JSON text).
    public var lastErrorKey: String?
    public var lastErrorArguments: String?
    /// Failed pulls in a row.
    public var failures: Int
    public init(datasetID: Int64, datasetSlug: String, agencyID: Int64?, url: String, kind: String, intervalSeconds: Int,
                setBy: Int64?, lastRunAt: Date?, lastStatus: String?, lastError: String?, lastChecksum: String?,
                lastErrorKey: String?, lastErrorArguments: String?, failures: Int) {
        self.datasetID = datasetID; self.datasetSlug = datasetSlug; self.agencyID = agencyID; self.url = url; self.kind = kind
        self.intervalSeconds = intervalSeconds; self.setBy = setBy; self.lastRunAt = lastRunAt; self.lastStatus = lastStatus
        self.lastError = lastError; self.lastChecksum = lastChecksum; self.lastErrorKey = lastErrorKey
        self.lastErrorArguments = lastErrorArguments; self.failures = failures
    }
}

/// How one pull went.
public struct HarvestRun: Sendable, Equatable {
    public var at: Date
    public var status: String
    /// nil: it succeeded (the failures in a row go back to 0); otherwise they count one more.
    public var error: String?
    /// The checksum of the file pulled, if one was; kept as the last checksum only on success.
    public var checksum: String?
    public var errorKey: String?
    public var errorArguments: String?
    public init(at: Date, status: String, error: String?, checksum: String?, errorKey: String?, errorArguments: String?) {
        self.at = at; self.status = status; self.error = error; self.checksum = checksum
        self.errorKey = errorKey; self.errorArguments = errorArguments
    }
}

/// What the harvest's portal actions read.
public protocol PortalHarvestReading {
    /// The sources of the agency `agencyID`'s datasets (every source when nil), by dataset slug.
    func harvestSources(agencyID: Int64?) throws -> [HarvestSourceRecord]
    func harvestSource(dataset: String) throws -> HarvestSourceRecord?
}

/// What the harvest's portal actions write.
public protocol PortalHarvestWriting {
    /// Sets dataset `datasetID`'s source, replacing one already set: a replaced source is pulled
    /// whole again (its last checksum is forgotten); its run history stays.
    func setHarvestSource(datasetID: Int64, url: String, kind: String, intervalSeconds: Int, setBy: Int64?) throws
    /// Notes a pull of `dataset`'s source.
    func noteHarvestRun(dataset: String, _ run: HarvestRun) throws
}
