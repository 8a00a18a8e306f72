// What a draft would change if it were approved: the same comparison `changeSummaries` makes
// for published versions, against the dataset's current version, for the review page before
// submitting and approving. Not stored: a draft may be replaced before it is published.
public import GeoStore

extension FeatureReading {
    /// The changes `draft` makes to `current` (nil: nothing published yet, every feature is added).
    public func draftChanges(_ draft: DatasetVersionRecord, against current: DatasetVersionRecord?,
                             identityField: String?) throws -> ChangeSummary {
        try ChangeDetector.compare(self, old: current, new: draft, preferred: identityField)
    }
}
