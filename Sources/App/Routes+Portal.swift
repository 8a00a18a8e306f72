// The portal's JSON API under /api/portal: thin handlers over `Portal.PortalService`, which holds
// every rule. Authentication: the `bando_session` cookie set by POST /login (HttpOnly,
// SameSite=Strict, so a cross-site form cannot ride on it) or `Authorization: Bearer <token>`
// for scripts. Reading published data stays open elsewhere; here only the catalogue, agencies,
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
    /// Where uploads are spooled before Ingest reads them.
    public var uploadDirectory: URL
    /// Trust `X-Forwarded-For` for the client address (only behind a proxy that sets it).
    public var trustForwardedFor: Bool
    /// Mark the session cookie `Secure` (served over HTTPS).
    public var secureCookies: Bool
    /// Ingests a checked file as a new **unpublished** version of `dataset`; returns its number.
    public var ingestDraft: @Sendable (_ file: URL, _ kind: UploadKind, _ dataset: String) async throws -> Int
    /// Told the dataset's slug when an approval publishes a version, so the public routes'
    /// caches show it at once.
    public var onPublished: @Sendable (_ dataset: String) -> Void
    /// The store whose catalogue metadata editors edit (nil: the metadata routes answer 409).
    public var store: Store?

    public init(portal: PortalService, maxUploadBytes: Int = UploadCheck.defaultLimit,
                uploadDirectory: URL = FileManager.default.temporaryDirectory,
                trustForwardedFor: Bool = false, secureCookies: Bool = false,
                ingestDraft: @escaping @Sendable (URL, UploadKind, String) async throws -> Int,
                onPublished: @escaping @Sendable (String) -> Void = { _ in }, store: Store? = nil) {
        self.portal = portal; self.maxUploadBytes = maxUploadBytes; self.uploadDirectory = uploadDirectory
        self.trustForwardedFor = trustForwardedFor; self.secureCookies = secureCookies; self.ingestDraft = ingestDraft
        self.onPublished = onPublished; self.store = store
    }
}

public let portalSessionCookie = "bando_session"

/// Adds /api/portal/... to `router`. Called from `buildRouter`.
public func addPortalRoutes<Context: RequestContext>(to router: Router<Context>, _ deps: PortalRouteDependencies) {
    // Errors rendered here too, so the portal answers its refusals on any router it is added to.
    let api = router.group("api/portal").add(middleware: ErrorMiddleware<Context>())
    let p = deps.portal
    let h = PortalHTTP(deps: deps)

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
            if let t = h.token(req) { try p.logout(token: t) }
            var r = Response(status: .noContent)
            r.setCookie(Cookie(name: portalSessionCookie, value: "", maxAge: 0, path: "/", secure: deps.secureCookies, httpOnly: true, sameSite: .strict))
            return r
        }
    }
    api.get("me") { req, _ in try await h.run { let a = try h.actor(req); return try h.json(a) } }
    api.get("tokens") { req, _ in try await h.run { try h.json(p.apiTokens(for: h.actor(req))) } }
    api.post("tokens") { req, ctx in
        try await h.run {
            let a = try h.actor(req)
            let body = try await h.decode(NameBody.self, req, ctx)
            let (token, info) = try p.createAPIToken(name: body.name, for: a)
            return try h.json(CreatedToken(token: token, info: info), status: .created)
        }
    }
    api.delete("tokens/:id") { req, ctx in
        try await h.run { try p.revokeAPIToken(id: ctx.parameters.require("id", as: Int64.self), by: h.actor(req)); return Response(status: .noContent) }
    }

    // MARK: agencies and users
    api.get("agencies") { _, _ in try await h.run { try h.json(p.agencies()) } }
    api.post("agencies") { req, ctx in
        try await h.run {
            let a = try h.actor(req)
            let b = try await h.decode(AgencyBody.self, req, ctx)
            return try h.json(p.createAgency(slug: b.slug, name: b.name, by: a), status: .created)
        }
    }
    api.get("users") { req, _ in try await h.run { try h.json(p.users(agency: req.uri.queryParameters.get("agency"), by: h.actor(req))) } }
    api.post("users") { req, ctx in
        try await h.run {
            let a = try h.actor(req)
            let b = try await h.decode(UserBody.self, req, ctx)
            guard let role = Role(rawValue: b.role) else { throw PortalHTTP.invalid("portal.role.invalid") }
            let u = try await blocking { try p.createUser(username: b.username, password: b.password, role: role, agency: b.agency,
                                                          displayName: b.displayName ?? "", by: a) }
            return try h.json(u, status: .created)
        }
    }
    api.post("users/:username/disable") { req, ctx in
        try await h.run { try p.setDisabled(username: ctx.parameters.require("username"), true, by: h.actor(req)); return Response(status: .noContent) }
    }
    api.post("users/:username/enable") { req, ctx in
        try await h.run { try p.setDisabled(username: ctx.parameters.require("username"), false, by: h.actor(req)); return Response(status: .noContent) }
    }
    api.post("users/:username/password") { req, ctx in
        try await h.run {
            let a = try h.actor(req)
            let b = try await h.decode(PasswordBody.self, req, ctx)
            let name = try ctx.parameters.require("username")
            try await blocking { try p.resetPassword(username: name, newPassword: b.password, by: a) }
            return Response(status: .noContent)
        }
    }

    // MARK: catalogue and proposals
    api.get("catalogue") { req, _ in try await h.run { try h.json(p.catalogue(agency: req.uri.queryParameters.get("agency"))) } }
    api.post("catalogue") { req, ctx in
        try await h.run {
            let a = try h.actor(req)
            let b = try await h.decode(CatalogueBody.self, req, ctx)
            return try h.json(p.addToCatalogue(agency: b.agency, slug: b.slug, title: b.title, theme: b.theme ?? "",
                                               frequency: try UpdateFrequency(parsing: b.frequency ?? "quarterly"),
                                               description: b.description ?? "", by: a), status: .created)
        }
    }
    api.get("proposals") { req, _ in try await h.run { try h.json(p.proposals(by: h.actor(req))) } }
    api.post("proposals") { req, ctx in
        try await h.run {
            let a = try h.actor(req)
            let b = try await h.decode(CatalogueBody.self, req, ctx)
            return try h.json(p.propose(agency: b.agency, slug: b.slug, title: b.title, theme: b.theme ?? "",
                                        frequency: try UpdateFrequency(parsing: b.frequency ?? "quarterly"),
                                        description: b.description ?? "", by: a), status: .created)
        }
    }
    for (verb, accept) in [("accept", true), ("decline", false)] {
        api.post("proposals/:id/\(verb)") { req, ctx in
            try await h.run {
                let a = try h.actor(req)
                let b = try await h.decodeOptional(CommentBody.self, req, ctx)
                return try h.json(p.decideProposal(id: ctx.parameters.require("id", as: Int64.self), accept: accept, comment: b?.comment, by: a))
            }
        }
    }

    // MARK: versions: upload, submit, approve, return
    api.get("datasets/:dataset/versions") { req, ctx in
        try await h.run { try h.json(p.versions(dataset: ctx.parameters.require("dataset"), by: h.actor(req))) }
    }
    api.post("datasets/:dataset/uploads") { req, ctx in
        try await h.run { try await h.upload(req, dataset: ctx.parameters.require("dataset")) }
    }
    api.post("datasets/:dataset/versions/:number/submit") { req, ctx in
        try await h.run {
            try h.json(p.submit(dataset: ctx.parameters.require("dataset"), number: ctx.parameters.require("number", as: Int.self), by: h.actor(req)))
        }
    }
    api.post("datasets/:dataset/versions/:number/approve") { req, ctx in
        try await h.run {
            let dataset = try ctx.parameters.require("dataset")
            let approved = try p.approve(dataset: dataset, number: ctx.parameters.require("number", as: Int.self), by: h.actor(req))
            deps.onPublished(dataset)
            return try h.json(approved)
        }
    }
    api.post("datasets/:dataset/versions/:number/return") { req, ctx in
        try await h.run {
            let a = try h.actor(req)
            let b = try await h.decodeOptional(CommentBody.self, req, ctx)
            return try h.json(p.returnToEditor(dataset: ctx.parameters.require("dataset"), number: ctx.parameters.require("number", as: Int.self),
                                               comment: b?.comment ?? "", by: a))
        }
    }

    // MARK: catalogue metadata (what harvesters read beyond the title: DCAT, CKAN)
    api.get("datasets/:dataset/metadata") { req, ctx in
        try await h.run {
            _ = try h.actor(req)
            return try h.json(metadata(ctx.parameters.require("dataset")))
        }
    }
    api.put("datasets/:dataset/metadata") { req, ctx in
        try await h.run {
            let a = try h.actor(req)
            let slug = try ctx.parameters.require("dataset")
            let patch = try await h.decode(MetadataPatch.self, req, ctx)
            try p.editMetadata(dataset: slug, fields: patch.fieldsSet, by: a) { try catalogue { try $0.updateMetadata(slug, patch) } }
            return try h.json(metadata(slug))
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
        try await h.run { _ = try h.actor(req); return try h.json(p.harvestSources()) }
    }
    api.put("datasets/:dataset/harvest-source") { req, ctx in
        try await h.run {
            let a = try h.actor(req)
            let b = try await h.decode(HarvestSourceBody.self, req, ctx)
            guard let kind = HarvestKind(rawValue: b.kind) else { throw PortalHTTP.invalid("portal.harvest.kind") }
            return try h.json(p.setHarvestSource(dataset: ctx.parameters.require("dataset"), url: b.url, kind: kind,
                                                 intervalSeconds: b.intervalSeconds ?? 86_400, by: a))
        }
    }
    api.post("datasets/:dataset/harvest") { req, ctx in
        try await h.run {
            let a = try h.actor(req)
            let dataset = try ctx.parameters.require("dataset")
            try p.authorizeUpload(dataset: dataset, by: a)
            let outcome = await p.harvest(dataset: dataset, fetcher: HarvestFetcher(maxBytes: deps.maxUploadBytes),
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
            let entries = try p.auditLog(by: h.actor(req), dataset: req.uri.queryParameters.get("dataset"))
            if req.uri.queryParameters.get("format") == "csv" {
                return h.text(PortalService.auditCSV(entries), contentType: "text/csv; charset=utf-8", filename: "audit-log.csv")
            }
            return try h.json(entries)
        }
    }
    api.get("reports/quarterly") { req, _ in
        try await h.run {
            let a = try h.actor(req)
            let q = try Quarter(parsing: req.uri.queryParameters.get("quarter") ?? Quarter(containing: p.now()).description)
            let report = try p.quarterlyReport(q, by: a)
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
            return try h.json(p.submitFeedback(s, client: h.client(req, ctx)), status: .created)
        }
    }
    api.get("feedback") { req, _ in try await h.run { try h.json(p.publicFeedback(dataset: req.uri.queryParameters.get("dataset"))) } }
    api.get("feedback/queue") { req, _ in
        try await h.run {
            try h.json(p.feedbackQueue(by: h.actor(req), includeAnswered: req.uri.queryParameters.get("answered") == "true",
                                       overdueOnly: req.uri.queryParameters.get("overdue") == "true"))
        }
    }
    api.post("feedback/:id/answer") { req, ctx in
        try await h.run {
            let a = try h.actor(req)
            let b = try await h.decode(AnswerBody.self, req, ctx)
            return try h.json(p.answerFeedback(id: ctx.parameters.require("id", as: Int64.self), answer: b.answer, by: a))
        }
    }
}

/// Runs slow synchronous work (bcrypt, SQLite writes) off the cooperative thread pool.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        DispatchQueue.global().async { c.resume(with: Result { try body() }) }
    }
}
