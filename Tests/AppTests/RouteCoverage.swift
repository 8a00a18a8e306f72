/// Which tests call each route `buildRouter` registers, checked by `RouteCoverageTests`
/// (in `make test`): a route missing here fails by name, and so does a test named here that does
/// not exist or whose body never mentions the route's path. Keys are the router's own
/// descriptions (`Router.routes`: method, path with `{parameters}`); tests are `Suite.function`.
///
/// Every route is also asked by each role in `Tests/HostileTests/RouteRoleTests.swift`, which
/// the same check reads: the two lists are reconciled against the router, not against each other.
/// When you add a route, add a test that checks its answer, list it here, and add a row to the
/// role table.
enum RouteCoverage {
    static let table: [String: [String]] = [
        // App+build.swift
        "GET /healthz": ["SkeletonRoutesTests.healthz"],
        "GET /metrics": ["OperationsTests.metricsParseWithPrometheusAndTheirCountersMoveWithRequests"],
        "GET /api/stats": ["OperationsTests.usesAreCountedByChannelAndServedAsJSONAndCSV"],

        // Routes+DatasetList.swift, Routes+CatalogueAPI.swift
        "GET /api/datasets": ["SkeletonRoutesTests.datasetList"],
        "GET /api/catalog": ["HarvestingClientsTests.statusesAndCatalogJSON"],
        "GET /api/catalog/{dataset}": ["HarvestingClientsTests.statusesAndCatalogJSON", "DownloadHTTPTests.downloadsAreCountedWithoutIdentity"],
        "GET /catalog.jsonld": ["HarvestingClientsTests.dcatParsesAsRDFWithEveryDistribution"],
        "GET /api/3": ["SuccessPathRoutesTests.ckanRootAnswersItsVersion"],
        "GET /api/3/action/{action}": ["HarvestingClientsTests.statusesAndCatalogJSON"],
        "POST /api/3/action/{action}": ["SuccessPathRoutesTests.ckanActionsAnswerPostedJSONAndForms"],
        // ckanapi's default: POST, and GET with get_only=True.
        "GET /api/action/{action}": ["HarvestingClientsTests.ckanapiHarvestsLikeFromCKAN"],
        "POST /api/action/{action}": ["SuccessPathRoutesTests.ckanActionsAnswerPostedJSONAndForms", "HarvestingClientsTests.ckanapiHarvestsLikeFromCKAN"],

        // Routes+Downloads.swift
        "GET /downloads/{dataset}": ["SkeletonRoutesTests.geojsonDownload"],
        "GET /downloads/{dataset}/{file}": ["DownloadHTTPTests.everyPublicVersionAndLatest", "DownloadHTTPTests.rangeRequestsReturnExactlyTheBytesAsked"],
        "HEAD /downloads/{dataset}/{file}": ["SuccessPathRoutesTests.headOfADownloadDescribesTheFileWithoutIt"],
        "GET /api/datasets/{dataset}/downloads": ["DownloadHTTPTests.downloadsAreCountedWithoutIdentity"],

        // Routes+Tiles.swift
        "GET /tiles": ["TileRoutesTests.tileJSONAndOGCDocuments"],
        "GET /tiles/{tileset}.json": ["TileRoutesTests.tileJSONAndOGCDocuments"],
        "GET /tiles/{tileset}/{z}/{x}/{y}.mvt": ["TileRoutesTests.emptyBadAndOutOfRangeTiles", "TileRoutesTests.cachedTilesOverASocketAnswerAsTheRouterDoes"],
        "GET /tileMatrixSets": ["TileRoutesTests.tileJSONAndOGCDocuments", "SuccessPathRoutesTests.tileMatrixSetsBeyondWebMercatorQuad"],
        "GET /tileMatrixSets/WebMercatorQuad": ["TileRoutesTests.tileJSONAndOGCDocuments", "SuccessPathRoutesTests.tileMatrixSetsBeyondWebMercatorQuad"],
        "GET /tileMatrixSets/{id}": ["SuccessPathRoutesTests.tileMatrixSetsBeyondWebMercatorQuad"],
        "GET /collections/{id}/tiles": ["TileRoutesTests.tileJSONAndOGCDocuments"],
        "GET /collections/{id}/tiles/{tms}": ["TileRoutesTests.tileJSONAndOGCDocuments"],
        "GET /collections/{id}/tiles/{tms}/{z}/{row}/{col}": ["TileRoutesTests.tilesAreServedWithTypeGzipETagAndCaching"],

        // Routes+Map.swift
        "GET /map": ["SuccessPathRoutesTests.mapScriptIsServedAndThePageLoadsIt", "MapPageTests.theMapDrawsEveryTilesetAndTogglesThem",
                     "BasemapRoutesTests.theMapPageNamesDatasetsByTitleWithTheirFieldDescriptions"],
        "GET /map.js": ["SuccessPathRoutesTests.mapScriptIsServedAndThePageLoadsIt"],
        "GET /styles/{file}": ["MapPageTests.styleAndTileJSONCarryTheServersOwnAddress", "PublicURLTests.aConfiguredPublicURLRootsEveryLinkAndMakesTheCookieSecure"],
        "GET /fonts/{stack}/{range}": ["MapPageTests.styleAndTileJSONCarryTheServersOwnAddress"],
        "GET /vendor/maplibre/{file}": ["MapPageTests.theMapDrawsEveryTilesetAndTogglesThem"],

        // Routes+Basemap.swift: the basemap under the maps and the search by place name
        "GET /basemap/style.json": ["BasemapRoutesTests.theBuiltInBasemapHasTheCountryProvincesDistrictsAndTheirNames",
                                    "BasemapRoutesTests.aProvinceMayServeItsOwnArchiveOrStyleAsTheBasemap"],
        "GET /basemap/tiles.json": ["BasemapRoutesTests.theBuiltInBasemapHasTheCountryProvincesDistrictsAndTheirNames",
                                    "BasemapRoutesTests.aProvinceMayServeItsOwnArchiveOrStyleAsTheBasemap"],
        "GET /basemap/tiles/{z}/{x}/{y}.mvt": ["BasemapRoutesTests.theBuiltInBasemapHasTheCountryProvincesDistrictsAndTheirNames"],
        "GET /api/places": ["BasemapRoutesTests.placeSearchFindsHueFromHueWithoutAccentsOrCase"],

        // Routes+Web.swift: the citizen portal's pages
        "GET /": ["WebPagesTests.homeShowsThePortalSearchDatasetsAgenciesAndAPIsInBothLanguages", "PortalBrowserTests.aCitizenFindsSeesAndDownloadsADataset"],
        "GET /datasets": ["WebPagesTests.searchIgnoresAccentsAndCaseAndKeepsItsStateInTheURL", "PortalBrowserTests.aCitizenFindsSeesAndDownloadsADataset"],
        "GET /datasets/{slug}": ["WebPagesTests.datasetPageShowsMetadataPreviewSchemaVersionsDownloadsAndAPIs", "WebPagesTests.anUnknownDatasetIsAPageForBrowsersAndJSONForScripts"],
        "GET /developers": ["WebPagesTests.theDevelopersPageGivesExamplesThatWork"],
        "GET /feedback": ["FeedbackPagesTests.theFormSendsAnItemAndTheReceiptSaysWhoAnswersByWhen", "FeedbackPagesTests.answersArePublicWithTheirDatesAndLateness"],
        "POST /feedback": ["FeedbackPagesTests.theFormSendsAnItemAndTheReceiptSaysWhoAnswersByWhen", "FeedbackPagesTests.aRefusedItemComesBackWithTheReasonAndWhatWasTyped"],
        "GET /stats": ["FeedbackPagesTests.statisticsShowDownloadsByMonthAndWhatIsPublished"],
        "GET /web/portal.css": ["WebPagesTests.theStylesheetAndThePreviewScriptAreServed"],
        "GET /web/map.css": ["SuccessPathRoutesTests.mapScriptIsServedAndThePageLoadsIt"],
        "GET /web/dataset-map.js": ["WebPagesTests.theStylesheetAndThePreviewScriptAreServed"],

        // Routes+OGCFeatures.swift
        "GET /ogc": ["OGCFeaturesRoutesTests.landingConformanceAndCollections"],
        "GET /ogc/api": ["OGCFeaturesRoutesTests.openAPIIsValidAndTrue"],
        "GET /ogc/conformance": ["OGCFeaturesRoutesTests.landingConformanceAndCollections"],
        "GET /ogc/collections": ["OGCFeaturesRoutesTests.landingConformanceAndCollections"],
        "GET /ogc/collections/{collectionId}": ["OGCFeaturesRoutesTests.openAPIIsValidAndTrue", "PortalUploadEndToEndTests.uploadedFileIsServedOnlyOnceApproved"],
        "GET /ogc/collections/{collectionId}/schema": ["OpenWebTests.eachCollectionPublishesItsSchemaAndTilesets"],
        "GET /ogc/collections/{collectionId}/queryables": ["SuccessPathRoutesTests.oneFeatureAndTheQueryablesMatchTheFixture", "OGCFeaturesRoutesTests.owslibReadsTheService"],
        "GET /ogc/collections/{collectionId}/items": ["OGCFeaturesRoutesTests.itemsHaveGeoJSONMediaTypeLinksAndContentCrs", "PortalUploadEndToEndTests.uploadedFileIsServedOnlyOnceApproved"],
        "GET /ogc/collections/{collectionId}/items/{featureId}": ["SuccessPathRoutesTests.oneFeatureAndTheQueryablesMatchTheFixture"],

        // Routes+Analysis.swift
        "GET /api/analysis/point-in-area": ["OGCFeaturesRoutesTests.analysisRoutes"],
        "POST /api/analysis/point-in-area": ["OGCFeaturesRoutesTests.analysisRoutes"],
        "GET /api/analysis/within-distance": ["SuccessPathRoutesTests.withinDistanceByGetAndPostMatchesGeodesicDistances"],
        "POST /api/analysis/within-distance": ["SuccessPathRoutesTests.withinDistanceByGetAndPostMatchesGeodesicDistances"],
        "GET /api/analysis/nearest": ["SuccessPathRoutesTests.nearestByGetAndPostMatchesGeodesicOrder", "OGCFeaturesRoutesTests.analysisRoutes"],
        "POST /api/analysis/nearest": ["SuccessPathRoutesTests.nearestByGetAndPostMatchesGeodesicOrder"],
        "GET /api/analysis/aggregate": ["SuccessPathRoutesTests.aggregateByGetAndPostCountsWhatRayCastingCounts", "OGCFeaturesRoutesTests.analysisRoutes"],
        "POST /api/analysis/aggregate": ["SuccessPathRoutesTests.aggregateByGetAndPostCountsWhatRayCastingCounts"],

        // Routes+Portal.swift: sign-in and tokens
        "POST /api/portal/login": ["PortalHTTPTests.signInTokensAndThrottling"],
        "POST /api/portal/logout": ["PortalHTTPTests.signInTokensAndThrottling"],
        "GET /api/portal/me": ["PortalHTTPTests.signInTokensAndThrottling", "PortalRouteSuccessTests.tokensAreListedAndARevokedOneStopsWorking"],
        "GET /api/portal/tokens": ["PortalRouteSuccessTests.tokensAreListedAndARevokedOneStopsWorking"],
        "POST /api/portal/tokens": ["PortalHTTPTests.signInTokensAndThrottling", "PortalRouteSuccessTests.tokensAreListedAndARevokedOneStopsWorking"],
        "DELETE /api/portal/tokens/{id}": ["PortalRouteSuccessTests.tokensAreListedAndARevokedOneStopsWorking"],
        // agencies and users
        "GET /api/portal/agencies": ["PortalRouteSuccessTests.agenciesAndUsersAreListedAsCreated"],
        "POST /api/portal/agencies": ["PortalHTTPTests.theWholeJourney", "PortalRouteSuccessTests.agenciesAndUsersAreListedAsCreated"],
        "GET /api/portal/users": ["PortalRouteSuccessTests.agenciesAndUsersAreListedAsCreated"],
        "POST /api/portal/users": ["PortalHTTPTests.theWholeJourney"],
        "POST /api/portal/users/{username}/disable": ["PortalRouteSuccessTests.disableThenEnableAnAccount"],
        "POST /api/portal/users/{username}/enable": ["PortalRouteSuccessTests.disableThenEnableAnAccount"],
        "POST /api/portal/users/{username}/password": ["PortalRouteSuccessTests.passwordResetByAnAdministrator"],
        // catalogue and proposals
        "GET /api/portal/catalogue": ["PortalHTTPTests.theWholeJourney", "PortalRouteSuccessTests.proposalsAreListedAcceptedAndDeclined"],
        "POST /api/portal/catalogue": ["PortalHTTPTests.theWholeJourney"],
        "GET /api/portal/proposals": ["PortalRouteSuccessTests.proposalsAreListedAcceptedAndDeclined"],
        "POST /api/portal/proposals": ["PortalRouteSuccessTests.proposalsAreListedAcceptedAndDeclined"],
        "POST /api/portal/proposals/{id}/accept": ["PortalRouteSuccessTests.proposalsAreListedAcceptedAndDeclined"],
        "POST /api/portal/proposals/{id}/decline": ["PortalRouteSuccessTests.proposalsAreListedAcceptedAndDeclined"],
        // versions
        "GET /api/portal/datasets/{dataset}/versions": ["PortalHTTPTests.theWholeJourney", "PortalRouteSuccessTests.harvestSourceIsSetListedAndHarvested"],
        "POST /api/portal/datasets/{dataset}/uploads": ["PortalHTTPTests.theWholeJourney", "PortalUploadEndToEndTests.uploadedFileIsServedOnlyOnceApproved"],
        "POST /api/portal/datasets/{dataset}/versions/{number}/submit": ["PortalHTTPTests.theWholeJourney"],
        "POST /api/portal/datasets/{dataset}/versions/{number}/approve": ["PortalHTTPTests.theWholeJourney", "PortalUploadEndToEndTests.uploadedFileIsServedOnlyOnceApproved"],
        "POST /api/portal/datasets/{dataset}/versions/{number}/publish": ["DepartmentReviewPagesTests.theJSONAPIGoesThroughTheSameReview"],
        "GET /api/portal/department-review": ["DepartmentReviewPagesTests.theJSONAPIGoesThroughTheSameReview"],
        "PUT /api/portal/department-review": ["DepartmentReviewPagesTests.theJSONAPIGoesThroughTheSameReview"],
        "POST /api/portal/datasets/{dataset}/versions/{number}/return": ["PortalHTTPTests.theWholeJourney"],
        // catalogue metadata
        "GET /api/portal/datasets/{dataset}/metadata": ["PortalUploadEndToEndTests.uploadedFileIsServedOnlyOnceApproved"],
        "PUT /api/portal/datasets/{dataset}/metadata": ["PortalUploadEndToEndTests.uploadedFileIsServedOnlyOnceApproved"],
        // harvesting
        "GET /api/portal/harvest-sources": ["PortalRouteSuccessTests.harvestSourceIsSetListedAndHarvested", "HarvestTests.harvestSourcesAreSeenByTheirAgencyAndAdministratorsOnly"],
        "PUT /api/portal/datasets/{dataset}/harvest-source": ["PortalRouteSuccessTests.harvestSourceIsSetListedAndHarvested"],
        "POST /api/portal/datasets/{dataset}/harvest": ["PortalRouteSuccessTests.harvestSourceIsSetListedAndHarvested", "HarvestTests.harvestSourcesAreSeenByTheirAgencyAndAdministratorsOnly"],
        // audit and reports (JSON and CSV each)
        "GET /api/portal/audit": ["PortalRouteSuccessTests.quarterlyCSVAndJSONAudit", "PortalHTTPTests.theWholeJourney"],
        "GET /api/portal/reports/quarterly": ["PortalRouteSuccessTests.quarterlyCSVAndJSONAudit", "PortalHTTPTests.theWholeJourney"],
        // feedback
        "POST /api/portal/feedback": ["PortalHTTPTests.feedbackNeedsNoAccountAndKeepsTheEmailPrivate"],
        "GET /api/portal/feedback": ["PortalHTTPTests.feedbackNeedsNoAccountAndKeepsTheEmailPrivate"],
        "GET /api/portal/feedback/queue": ["PortalHTTPTests.feedbackNeedsNoAccountAndKeepsTheEmailPrivate"],
        "POST /api/portal/feedback/{id}/answer": ["PortalHTTPTests.feedbackNeedsNoAccountAndKeepsTheEmailPrivate"],

        // Routes+Staff*.swift: the staff pages
        "GET /signin": ["StaffPagesTests.signInOpensTheSessionAndSignOutEndsIt", "StaffPagesTests.strangersAreSentToSignInAndBack"],
        "POST /signin": ["StaffPagesTests.signInOpensTheSessionAndSignOutEndsIt", "StaffPagesTests.strangersAreSentToSignInAndBack"],
        "POST /signout": ["StaffPagesTests.signInOpensTheSessionAndSignOutEndsIt"],
        // Routes+StaffSignOn.swift, Routes+StaffIdentities.swift: single sign-on (issue 20)
        "GET /signin/oidc/{provider}": ["SignOnPagesTests.theSignInPageOffersTheProviderAndAnUnreachableOneIsAClearPage",
                                        "SignOnTests.signInThroughTheProvinceSSOAndEachRefusal"],
        "GET /signin/oidc/{provider}/callback": ["SignOnPagesTests.theSignInPageOffersTheProviderAndAnUnreachableOneIsAClearPage"],
        "GET /admin/identities": ["SignOnPagesTests.administratorsLinkIdentitiesAndMakeAccountsWithoutAPassword"],
        "POST /admin/identities": ["SignOnPagesTests.administratorsLinkIdentitiesAndMakeAccountsWithoutAPassword"],
        "POST /admin/identities/{id}/remove": ["SignOnPagesTests.administratorsLinkIdentitiesAndMakeAccountsWithoutAPassword"],
        "POST /admin/identities/{id}/password-off": ["SignOnPagesTests.anExistingAccountCanBeMadeSingleSignOnOnly"],
        "GET /inbox": ["StaffPagesTests.aFormWithoutItsTokenIsRefused", "StaffPagesTests.staffPagesAreNeitherCachedNorShared"],
        "POST /inbox/{id}/answer": ["StaffPagesTests.aFormWithoutItsTokenIsRefused", "StaffPagesTests.anotherAgencysFeedbackIsRefused"],
        "GET /web/staff-upload.js": ["StaffPagesTests.uploadSubmitReturnAndApproveThroughThePages"],
        "GET /workspace": ["StaffPagesTests.uploadSubmitReturnAndApproveThroughThePages"],
        "POST /workspace/{dataset}/upload": ["StaffPagesTests.uploadSubmitReturnAndApproveThroughThePages", "StaffPagesTests.anotherAgencysDatasetPagesAndFormsAreRefused"],
        "GET /workspace/{dataset}/versions/{number}": ["StaffPagesTests.uploadSubmitReturnAndApproveThroughThePages", "StaffPagesTests.anotherAgencysDatasetPagesAndFormsAreRefused"],
        "POST /workspace/{dataset}/versions/{number}/submit": ["StaffPagesTests.uploadSubmitReturnAndApproveThroughThePages", "StaffPagesTests.anotherAgencysDatasetPagesAndFormsAreRefused"],
        "GET /workspace/{dataset}/versions/{number}/features.geojson": ["StaffPagesTests.uploadSubmitReturnAndApproveThroughThePages", "StaffPagesTests.anotherAgencysDatasetPagesAndFormsAreRefused"],
        "GET /web/staff-review-map.js": ["StaffPagesTests.uploadSubmitReturnAndApproveThroughThePages"],
        "GET /approvals": ["StaffPagesTests.uploadSubmitReturnAndApproveThroughThePages"],
        "POST /approvals/{dataset}/versions/{number}/approve": ["StaffPagesTests.uploadSubmitReturnAndApproveThroughThePages"],
        "POST /approvals/{dataset}/versions/{number}/return": ["StaffPagesTests.uploadSubmitReturnAndApproveThroughThePages"],
        "POST /approvals/{dataset}/versions/{number}/publish": ["DepartmentReviewPagesTests.anApprovedVersionWaitsForTheDepartmentThroughThePages"],
        "POST /approvals/department-review": ["DepartmentReviewPagesTests.anApprovedVersionWaitsForTheDepartmentThroughThePages"],
        "GET /admin": ["StaffPagesTests.accountsAreManagedThroughTheAdminPage"],
        "POST /admin/agencies": ["StaffPagesTests.accountsAreManagedThroughTheAdminPage"],
        "POST /admin/users": ["StaffPagesTests.accountsAreManagedThroughTheAdminPage"],
        "POST /admin/users/{username}/disable": ["StaffPagesTests.accountsAreManagedThroughTheAdminPage"],
        "POST /admin/users/{username}/enable": ["StaffPagesTests.accountsAreManagedThroughTheAdminPage"],
        "POST /admin/users/{username}/password": ["StaffPagesTests.accountsAreManagedThroughTheAdminPage"],

        // Routes+StaffReports.swift, Routes+StaffAdministration.swift: reports, dashboards, the catalogue's administration
        "GET /reports": ["StaffReportPagesTests.theReportShowsAChartATableAndTheSameNumbersAsItsCSV",
                         "StaffReportsBrowserTests.theDepartmentReadsReportsDashboardsCatalogueAndAuditLogInABrowser"],
        "GET /dashboards": ["StaffReportPagesTests.dashboardsDrillDownAndExportWhatTheyShow",
                            "StaffReportsBrowserTests.theDepartmentReadsReportsDashboardsCatalogueAndAuditLogInABrowser"],
        "GET /admin/catalogue": ["StaffReportPagesTests.anEditorCannotOpenAdminPagesAndAFormWithoutItsTokenIsRefused",
                                 "StaffReportsBrowserTests.theDepartmentReadsReportsDashboardsCatalogueAndAuditLogInABrowser"],
        "POST /admin/catalogue/proposals/{id}/accept": ["StaffReportPagesTests.aProposalIsAcceptedWithACommentAndTheAuditLogFindsIt"],
        "POST /admin/catalogue/proposals/{id}/decline": ["StaffReportPagesTests.aProposalIsAcceptedWithACommentAndTheAuditLogFindsIt"],
        "POST /admin/catalogue/{dataset}/review": ["StaffReportPagesTests.anEditorCannotOpenAdminPagesAndAFormWithoutItsTokenIsRefused"],
        "GET /admin/audit": ["StaffReportPagesTests.aProposalIsAcceptedWithACommentAndTheAuditLogFindsIt",
                             "StaffReportsBrowserTests.theDepartmentReadsReportsDashboardsCatalogueAndAuditLogInABrowser"],
        "GET /admin/harvest": ["StaffReportPagesTests.harvestStatusInPlainWordsAndTheMetadataForm"],
        "GET /workspace/harvest": ["StaffReportPagesTests.harvestStatusInPlainWordsAndTheMetadataForm"],
        "POST /workspace/harvest": ["StaffReportPagesTests.harvestStatusInPlainWordsAndTheMetadataForm"],
        "POST /workspace/harvest/{dataset}/run": ["StaffReportPagesTests.harvestStatusInPlainWordsAndTheMetadataForm"],
        "GET /workspace/datasets/{dataset}/metadata": ["StaffReportPagesTests.harvestStatusInPlainWordsAndTheMetadataForm"],
        "POST /workspace/datasets/{dataset}/metadata": ["StaffReportPagesTests.harvestStatusInPlainWordsAndTheMetadataForm"],
        "POST /workspace/datasets/{dataset}/changes": ["StaffReportPagesTests.harvestStatusInPlainWordsAndTheMetadataForm"],
        "GET /workspace/propose": ["StaffReportPagesTests.aProposalIsAcceptedWithACommentAndTheAuditLogFindsIt"],
        "POST /workspace/propose": ["StaffReportPagesTests.aProposalIsAcceptedWithACommentAndTheAuditLogFindsIt"],
    ]
}
