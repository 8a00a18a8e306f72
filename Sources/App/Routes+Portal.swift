// The portal's JSON API under /api/portal: thin handlers over `Portal.PortalService`, which holds
// every rule. Authentication: the `bando_session` cookie set by POST /login (HttpOnly,
// SameSite=Strict, so a cross-site form cannot ride on it) or `Authorization: Bearer <token>`
// for scripts. Reading published data stays open elsewhere; here only the open-data list, agencies,
// answered feedback and the feedback form are open to everyone.
public import Foundation
public import Hummingbird
public import Portal
public import GeoStore
import Catalogue
import PublicErrors

/// What the portal routes need, built once at start-up.
public struct PortalRouteDependencies: Sendable {
    public var portal: PortalService
    /// Upload limit in bytes (default 500 MB).
    public var maxUploadBytes: Int
    /// Entries and inflated bytes a zipped upload may hold.
    public var uploadLimits = UploadLimits()
    /// Where uploads are spooled before Ingest reads them.
    public var uploadDirectory: URL
    /// Who a request comes from (the peer, or what a trusted proxy says), for the throttles.
    public var clients: ClientIdentification
    /// Mark the session cookie `Secure` (the public URL is https).
    public var secureCookies: Bool
    /// Ingests a checked file as a new **unpublished** version of `dataset`; returns its number.
    public var ingestDraft: @Sendable (_ file: URL, _ kind: UploadKind, _ dataset: String) async throws -> Int
    /// The store whose catalogue metadata editors edit (nil: the metadata routes answer 409).
    public var store: (any ServingStore)?
    /// How harvests fetch: the addresses they may reach, their byte and page caps.
    public var harvestFetcher: HarvestFetcher

    public init(portal: PortalService, maxUploadBytes: Int = UploadCheck.defaultLimit,
                uploadDirectory: URL = FileManager.default.temporaryDirectory,
                clients: ClientIdentification = ClientIdentification(), secureCookies: Bool = false,
                ingestDraft: @escaping @Sendable (URL, UploadKind, String) async throws -> Int,
                store: (any ServingStore)? = nil,
                harvestFetcher: HarvestFetcher = HarvestFetcher()) {
        self.portal = portal; self.maxUploadBytes = maxUploadBytes; self.uploadDirectory = uploadDirectory
        self.clients = clients; self.secureCookies = secureCookies; self.ingestDraft = ingestDraft
        self.store = store; self.harvestFetcher = harvestFetcher
    }

    func with(uploadLimits: UploadLimits) -> PortalRouteDependencies {
        var copy = self
        copy.uploadLimits = uploadLimits
        return copy
    }
}

public let portalSessionCookie = "bando_session"

/// Adds /api/portal/... to `router`. Called from `buildRouter`.
public func addPortalRoutes<Context: RequestContext>(to router: Router<Context>, _ deps: PortalRouteDependencies) {
    // Errors rendered here too, so the portal answers its refusals on any router it is added to.
    let api = router.group("api/portal").add(middleware: ErrorMiddleware<Context>())
    let p = deps.portal
    let h = PortalHTTP(deps: deps)

    // Every call into `p` reads or writes the store (and sign-in runs bcrypt): each handler does
    // that work in `blocking` closures, off the cooperative threads; only reading the request body
    // and encoding the answer happen on them.

    // MARK: sign-in
    api.post("login") { req, ctx in
        try await h.run {
            let body = try await h.decode(LoginBody.self, req, ctx)
            let client = h.client(req, ctx)
            let s = try await blocking { try p.login(username: body.username, password: body.password, client: client) }
            var r = try h.json(SignInResponse(user: s.user, expiresAt: s.expiresAt))
            r.setCookie(Cookie(name: portalSessionCookie, value: s.token, maxAge: Int(p.sessionLifetime), path: "/",
                               secure: deps.secureCookies, httpOnly: true, sameSite: .strict))
            return r
        }
    }
    api.post("logout") { req, ctx in
        try await h.run {
            if let t = h.token(req) { try await blocking { try p.logout(token: t) } }
            var r = Response(status: .noContent)
            r.setCookie(Cookie(name: portalSessionCookie, value: "", maxAge: 0, path: "/", secure: deps.secureCookies, httpOnly: true, sameSite: .strict))
            return r
        }
    }
    api.get("me") { req, _ in try await h.run { try await blocking { try h.json(h.actor(req)) } } }
    api.get("tokens") { req, _ in try await h.run { try await blocking { try h.json(p.apiTokens(for: h.actor(req))) } } }
    api.post("tokens") { req, ctx in
        try await h.run {
            let a = try await h.signedIn(req)
            let body = try await h.decode(NameBody.self, req, ctx)
            return try await blocking {
                let (token, info) = try p.createAPIToken(name: body.name, for: a)
                return try h.json(CreatedToken(token: token, info: info), status: .created)
            }
        }
    }
    api.delete("tokens/:id") { req, ctx in
        try await h.run {
            let id = try ctx.parameters.require("id", as: Int64.self)
            return try await blocking { try p.revokeAPIToken(id: id, by: h.actor(req)); return Response(status: .noContent) }
        }
    }

    // MARK: agencies and users
    api.get("agencies") { _, _ in try await h.run { try await blocking { try h.json(p.agencies()) } } }
    api.post("agencies") { req, ctx in
        try await h.run {
            let a = try await h.signedIn(req)
            let b = try await h.decode(AgencyBody.self, req, ctx)
            return try await blocking { try h.json(p.createAgency(slug: b.slug, name: b.name, by: a), status: .created) }
        }
    }
    api.get("users") { req, _ in
        try await h.run { try await blocking { try h.json(p.users(agency: req.uri.queryParameters.get("agency"), by: h.actor(req))) } }
    }
    api.post("users") { req, ctx in
        try await h.run {
            let a = try await h.signedIn(req)
            let b = try await h.decode(UserBody.self, req, ctx)
            guard let role = Role(rawValue: b.role) else { throw PortalHTTP.invalid("portal.role.invalid") }
            let u = try await blocking { try p.createUser(username: b.username, password: b.password, role: role, agency: b.agency,
                                                          displayName: b.displayName ?? "", by: a) }
            return try h.json(u, status: .created)
        }
    }
    for (verb, disabled) in [("disable", true), ("enable", false)] {
        api.post("users/:username/\(verb)") { req, ctx in
            try await h.run {
                let name = try ctx.parameters.require("username")
                return try await blocking { try p.setDisabled(username: name, disabled, by: h.actor(req)); return Response(status: .noContent) }
            }
        }
    }
    api.post("users/:username/password") { req, ctx in
        try await h.run {
            let a = try await h.signedIn(req)
            let b = try await h.decode(PasswordBody.self, req, ctx)
            let name = try ctx.parameters.require("username")
            try await blocking { try p.resetPassword(username: name, newPassword: b.password, by: a) }
            return Response(status: .noContent)
        }
    }

    // MARK: the open-data list and proposals
    api.get("catalogue") { req, _ in
        try await h.run { try await blocking { try h.json(p.openDataList(agency: req.uri.queryParameters.get("agency"))) } }
    }
    api.post("catalogue") { req, ctx in
        try await h.run {
            let a = try await h.signedIn(req)
            let b = try await h.decode(ListedDatasetBody.self, req, ctx)
            let frequency = try UpdateFrequency(parsing: b.frequency ?? "quarterly")
            return try await blocking {
                try h.json(p.addToOpenDataList(agency: b.agency, slug: b.slug, title: b.title, theme: b.theme ?? "", frequency: frequency,
                                            description: b.description ?? "", by: a), status: .created)
            }
        }
    }
    api.get("proposals") { req, _ in try await h.run { try await blocking { try h.json(p.proposals(by: h.actor(req))) } } }
    api.post("proposals") { req, ctx in
        try await h.run {
            let a = try await h.signedIn(req)
            let b = try await h.decode(ListedDatasetBody.self, req, ctx)
            let frequency = try UpdateFrequency(parsing: b.frequency ?? "quarterly")
            return try await blocking {
                try h.json(p.propose(agency: b.agency, slug: b.slug, title: b.title, theme: b.theme ?? "", frequency: frequency,
                                     description: b.description ?? "", by: a), status: .created)
            }
        }
    }
    for (verb, accept) in [("accept", true), ("decline", false)] {
        api.post("proposals/:id/\(verb)") { req, ctx in
            try await h.run {
            let a = try await h.signedIn(req)
                let b = try await h.decodeOptional(CommentBody.self, req, ctx)
                let id = try ctx.parameters.require("id", as: Int64.self)
                return try await blocking { try h.json(p.decideProposal(id: id, accept: accept, comment: b?.comment, by: a)) }
            }
        }
    }

    // MARK: versions: upload, submit, approve, return, the Department's publish
    api.get("datasets/:dataset/versions") { req, ctx in
        try await h.run {
            let dataset = try ctx.parameters.require("dataset")
            return try await blocking { try h.json(p.versions(dataset: dataset, by: h.actor(req))) }
        }
    }
    api.post("datasets/:dataset/uploads") { req, ctx in
        try await h.run { try await h.upload(req, dataset: ctx.parameters.require("dataset")) }
    }
    api.post("datasets/:dataset/versions/:number/submit") { req, ctx in
        try await h.run {
            let dataset = try ctx.parameters.require("dataset"), number = try ctx.parameters.require("number", as: Int.self)
            return try await blocking { try h.json(p.submit(dataset: dataset, number: number, by: h.actor(req))) }
        }
    }
    api.post("datasets/:dataset/versions/:number/approve") { req, ctx in
        try await h.run {
            let dataset = try ctx.parameters.require("dataset"), number = try ctx.parameters.require("number", as: Int.self)
            // Announced by the store when it publishes (with the Department's second review on,
            // the approval waits for it and nothing is published yet).
            let approved = try await blocking { try p.approve(dataset: dataset, number: number, by: h.actor(req)) }
            return try h.json(approved)
        }
    }
    // The Department's second review: publish what an agency approved (a return is `…/return`).
    api.post("datasets/:dataset/versions/:number/publish") { req, ctx in
        try await h.run {
            let dataset = try ctx.parameters.require("dataset"), number = try ctx.parameters.require("number", as: Int.self)
            let published = try await blocking { try p.publish(dataset: dataset, number: number, by: h.actor(req)) }
            return try h.json(published)
        }
    }
    api.get("department-review") { req, _ in
        try await h.run {
            try await blocking {
                let a = try h.actor(req)
                return try h.json(DepartmentReviewState(on: try p.departmentReviewIsOn(), waiting: try p.departmentQueue(by: a)))
            }
        }
    }
    api.put("department-review") { req, ctx in
        try await h.run {
            let a = try await h.signedIn(req)
            let b = try await h.decode(DepartmentReviewBody.self, req, ctx)
            return try await blocking {
                try p.setDepartmentReview(b.on, by: a)
                return try h.json(DepartmentReviewState(on: try p.departmentReviewIsOn(), waiting: try p.departmentQueue(by: a)))
            }
        }
    }
    api.post("datasets/:dataset/versions/:number/return") { req, ctx in
        try await h.run {
            let a = try await h.signedIn(req)
            let b = try await h.decodeOptional(CommentBody.self, req, ctx)
            let dataset = try ctx.parameters.require("dataset"), number = try ctx.parameters.require("number", as: Int.self)
            return try await blocking {
                try h.json(p.returnToEditor(dataset: dataset, number: number, comment: b?.comment ?? "", by: a))
            }
        }
    }

    // MARK: catalogue metadata (what harvesters read beyond the title: DCAT, CKAN)
    api.get("datasets/:dataset/metadata") { req, ctx in
        try await h.run {
            let slug = try ctx.parameters.require("dataset")
            return try await blocking {
                _ = try h.actor(req)
                return try h.json(metadata(slug))
            }
        }
    }
    api.put("datasets/:dataset/metadata") { req, ctx in
        try await h.run {
            let a = try await h.signedIn(req)
            let slug = try ctx.parameters.require("dataset")
            let patch = try await h.decode(MetadataPatch.self, req, ctx)
            return try await blocking {
                try p.editMetadata(dataset: slug, fields: patch.fieldsSet, by: a) { try catalogue { try $0.updateMetadata(slug, patch) } }
                return try h.json(metadata(slug))
            }
        }
    }
    /// The metadata as the catalogue now holds it.
    @Sendable func metadata(_ slug: String) throws -> MetadataPatch { try catalogue { try $0.metadataOf(slug) } }
    /// Runs `body` on the store's catalogue, its refusals turned into the portal's.
    @Sendable func catalogue<T>(_ body: (CatalogueReader) throws -> T) throws -> T {
        guard let store = deps.store else { throw PortalError(.conflict, SafeMessage("portal.catalogue.noStore")) }
        do { return try body(CatalogueReader(store: store)) } catch let e as CatalogueError where e.kind != .internalFailure {
            throw PortalError(e.kind == .notFound ? .notFound : .invalid, e.message)
        }
    }

    // MARK: harvesting from the agency's own endpoint
    api.get("harvest-sources") { req, _ in
        try await h.run { try await blocking { try h.json(p.harvestSources(by: h.actor(req))) } }
    }
    api.put("datasets/:dataset/harvest-source") { req, ctx in
        try await h.run {
            let a = try await h.signedIn(req)
            let b = try await h.decode(HarvestSourceBody.self, req, ctx)
            guard let kind = HarvestKind(rawValue: b.kind) else { throw PortalHTTP.invalid("portal.harvest.kind") }
            let dataset = try ctx.parameters.require("dataset")
            return try await blocking {
                try h.json(p.setHarvestSource(dataset: dataset, url: b.url, kind: kind, intervalSeconds: b.intervalSeconds ?? 86_400, by: a))
            }
        }
    }
    api.post("datasets/:dataset/harvest") { req, ctx in
        try await h.run {
            let dataset = try ctx.parameters.require("dataset")
            let a = try await blocking { () throws -> Actor in
                let a = try h.actor(req)
                try p.authorizeUpload(dataset: dataset, by: a)
                return a
            }
            // Submitted in the name of whoever triggered it: they cannot also approve it.
            let outcome = await p.harvest(dataset: dataset, by: a, fetcher: deps.harvestFetcher,
                                          workDirectory: deps.uploadDirectory, ingestDraft: deps.ingestDraft)
            switch outcome {
            case .submitted(let n): return try h.json(["outcome": "submitted", "version": String(n)], status: .created)
            case .unchanged: return try h.json(["outcome": "unchanged"])
            case .failed(let m): throw PortalError(.sourceFailed, SafeMessage("portal.harvest.failed"), detail: m)
            }
        }
    }

    // MARK: audit log and reports
    api.get("audit") { req, _ in
        try await h.run {
            let entries = try await blocking { try p.auditLog(by: h.actor(req), dataset: req.uri.queryParameters.get("dataset")) }
            if req.uri.queryParameters.get("format") == "csv" {
                return h.text(PortalService.auditCSV(entries), contentType: "text/csv; charset=utf-8", filename: "audit-log.csv")
            }
            return try h.json(entries)
        }
    }
    api.get("reports/quarterly") { req, _ in
        try await h.run {
            let q = try Quarter(parsing: req.uri.queryParameters.get("quarter") ?? Quarter(containing: p.now()).description)
            let report = try await blocking { try p.quarterlyReport(q, by: h.actor(req)) }
            if req.uri.queryParameters.get("format") == "csv" {
                return h.text(report.csv(), contentType: "text/csv; charset=utf-8", filename: "compliance-\(q).csv")
            }
            return try h.json(report)
        }
    }

    // MARK: feedback
    api.post("feedback") { req, ctx in
        try await h.run {
            let b = try await h.decode(FeedbackBody.self, req, ctx)
            let s = FeedbackSubmission(datasetSlug: b.dataset, category: try FeedbackCategory(parsing: b.category),
                                       message: b.message, contactEmail: b.contactEmail)
            let client = h.client(req, ctx)
            return try await blocking { try h.json(p.submitFeedback(s, client: client), status: .created) }
        }
    }
    api.get("feedback") { req, _ in
        try await h.run { try await blocking { try h.json(p.publicFeedback(dataset: req.uri.queryParameters.get("dataset"))) } }
    }
    api.get("feedback/queue") { req, _ in
        try await h.run {
            try await blocking {
                try h.json(p.feedbackQueue(by: h.actor(req), includeAnswered: req.uri.queryParameters.get("answered") == "true",
                                           overdueOnly: req.uri.queryParameters.get("overdue") == "true"))
            }
        }
    }
    api.post("feedback/:id/answer") { req, ctx in
        try await h.run {
            let a = try await h.signedIn(req)
            let b = try await h.decode(AnswerBody.self, req, ctx)
            let id = try ctx.parameters.require("id", as: Int64.self)
            return try await blocking { try h.json(p.answerFeedback(id: id, answer: b.answer, by: a)) }
        }
    }
}

/// Runs synchronous work that blocks (SQLite, bcrypt, file checks) on the bounded pool of
/// blocking threads, never on a cooperative thread or an event loop.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await BlockingPool.requests.run(body)
}
