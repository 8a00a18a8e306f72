// The open-data list's records (Sơn La art. 7) as the portal reads and writes them: entries
// and an agency's proposals. The rules (who may add, decline needs a reason) are the portal's;
// the rows are the store's (issue 21). Frequencies and statuses travel as their stored text.
public import Foundation

/// A dataset of the open-data list, with its agency and current version number.
public struct ListedDatasetRecord: Sendable, Equatable {
    public var slug: String
    public var title: String
    public var agencySlug: String?
    public var theme: String
    /// The portal's update frequency, as stored.
    public var updateFrequency: String
    public var addedAt: Date
    /// The number of the dataset's current version; nil before the first publication.
    public var currentVersion: Int?
    public init(slug: String, title: String, agencySlug: String?, theme: String, updateFrequency: String, addedAt: Date,
                currentVersion: Int?) {
        self.slug = slug; self.title = title; self.agencySlug = agencySlug; self.theme = theme
        self.updateFrequency = updateFrequency; self.addedAt = addedAt; self.currentVersion = currentVersion
    }
}

/// A dataset an agency proposed for the open-data list.
public struct ProposalRecord: Sendable, Equatable {
    public var id: Int64
    public var agencyID: Int64
    public var agencySlug: String
    public var slug: String
    public var title: String
    public var theme: String
    public var updateFrequency: String
    public var description: String
    /// `pending`, `accepted` or `declined`.
    public var status: String
    public var decisionComment: String?
    public init(id: Int64, agencyID: Int64, agencySlug: String, slug: String, title: String, theme: String,
                updateFrequency: String, description: String, status: String, decisionComment: String?) {
        self.id = id; self.agencyID = agencyID; self.agencySlug = agencySlug; self.slug = slug; self.title = title
        self.theme = theme; self.updateFrequency = updateFrequency; self.description = description; self.status = status
        self.decisionComment = decisionComment
    }
}

/// A proposal to store (it starts pending).
public struct NewProposal: Sendable, Equatable {
    public var agencyID: Int64
    public var slug: String
    public var title: String
    public var theme: String
    public var updateFrequency: String
    public var description: String
    public var proposedBy: Int64?
    public var at: Date
    public init(agencyID: Int64, slug: String, title: String, theme: String, updateFrequency: String, description: String,
                proposedBy: Int64?, at: Date) {
        self.agencyID = agencyID; self.slug = slug; self.title = title; self.theme = theme
        self.updateFrequency = updateFrequency; self.description = description; self.proposedBy = proposedBy; self.at = at
    }
}

/// An entry of the open-data list as the Department's yearly review reads it.
public struct ListedDatasetReviewRecord: Sendable, Equatable {
    public var slug: String
    public var title: String
    public var agencySlug: String?
    public var agencyName: String?
    public var theme: String
    public var updateFrequency: String
    public var addedAt: Date
    public var currentVersion: Int?
    /// nil: never reviewed since it entered the list.
    public var reviewedAt: Date?
    /// The reviewer's user name; nil when never reviewed or reviewed from the command line.
    public var reviewer: String?
    public init(slug: String, title: String, agencySlug: String?, agencyName: String?, theme: String, updateFrequency: String,
                addedAt: Date, currentVersion: Int?, reviewedAt: Date?, reviewer: String?) {
        self.slug = slug; self.title = title; self.agencySlug = agencySlug; self.agencyName = agencyName; self.theme = theme
        self.updateFrequency = updateFrequency; self.addedAt = addedAt; self.currentVersion = currentVersion
        self.reviewedAt = reviewedAt; self.reviewer = reviewer
    }
}

/// A listed dataset as the dashboards group it.
public struct ListedDatasetDetailRecord: Sendable, Equatable {
    public var datasetID: Int64
    public var slug: String
    public var theme: String
    /// The place its metadata covers (a district, the province); nil without metadata.
    public var spatialLabel: String?
    /// Whether it has a current version.
    public var published: Bool
    public init(datasetID: Int64, slug: String, theme: String, spatialLabel: String?, published: Bool) {
        self.datasetID = datasetID; self.slug = slug; self.theme = theme; self.spatialLabel = spatialLabel; self.published = published
    }
}

/// When an item of feedback about a dataset arrived and was answered.
public struct FeedbackTimesRecord: Sendable, Equatable {
    public var datasetID: Int64
    public var receivedAt: Date
    public var answeredAt: Date?
    public init(datasetID: Int64, receivedAt: Date, answeredAt: Date?) {
        self.datasetID = datasetID; self.receivedAt = receivedAt; self.answeredAt = answeredAt
    }
}

/// What the open-data list's portal actions read.
public protocol PortalOpenDataListReading {
    /// The open-data list by dataset slug: the agency `agencySlug`'s entries, or all when nil.
    func listedDatasets(agencySlug: String?) throws -> [ListedDatasetRecord]
    /// Whether dataset `datasetID` is on the open-data list.
    func isListed(datasetID: Int64) throws -> Bool
    func proposal(id: Int64) throws -> ProposalRecord?
    /// Proposals oldest first: the agency `agencyID`'s, or every agency's when nil.
    func proposals(agencyID: Int64?) throws -> [ProposalRecord]
    /// Every entry of the open-data list with its last review, by dataset slug.
    func yearlyReview() throws -> [ListedDatasetReviewRecord]
    /// The update frequency of dataset `datasetID`'s entry, as stored; nil when not listed.
    func updateFrequency(datasetID: Int64) throws -> String?
    /// The declared changes of dataset `datasetID`, latest day first (`day` is `yyyy-MM-dd`).
    func dataChanges(datasetID: Int64) throws -> [(day: String, note: String)]
    /// Every listed dataset's theme, place and whether it is published.
    func listedDatasetDetails() throws -> [ListedDatasetDetailRecord]
    /// The arrival and answer of every item of feedback about a dataset.
    func datasetFeedbackTimes() throws -> [FeedbackTimesRecord]
}

/// What the open-data list's portal actions write.
public protocol PortalOpenDataListWriting {
    /// A dataset with no version yet, owned by `agencyID`. Returns its id.
    func insertDataset(slug: String, title: String, agencyID: Int64, description: String, at: Date) throws -> Int64
    /// Gives dataset `datasetID` (loaded before it was listed) to `agencyID`.
    func setDatasetAgency(datasetID: Int64, agencyID: Int64, at: Date) throws
    /// `addedBy` nil: added from the command line.
    func insertListedDataset(datasetID: Int64, theme: String, updateFrequency: String, at: Date, addedBy: Int64?) throws
    func insertProposal(_ proposal: NewProposal) throws -> Int64
    /// Records the decision on proposal `id`: `status` is `accepted` or `declined`.
    func decideProposal(id: Int64, status: String, comment: String?, at: Date, decidedBy: Int64?) throws
    /// Notes that dataset `datasetID`'s entry was reviewed; false when it has no entry.
    func markReviewed(datasetID: Int64, at: Date, by accountID: Int64?) throws -> Bool
    /// Records that dataset `datasetID`'s data changed on `day` (`yyyy-MM-dd`, Vietnam).
    func insertDataChange(datasetID: Int64, day: String, note: String, at: Date, by accountID: Int64?) throws
}
