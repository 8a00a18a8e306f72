import ArgumentParser
import Foundation
import App
import Hummingbird
import Portal

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve tiles, downloads and APIs over HTTP.")
    @OptionGroup var options: StoreOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: "Folder of tileset definitions.") var tiles = "Tiles"
    @Option(help: "In-memory tile cache in MB (0 turns it off).") var tileCacheMb = 256
    @Option(help: "Low-zoom tiles built ahead per tileset when a version is published, from its lowest zoom up (whole zooms, z10 at most); 0 cuts every tile on demand.")
    var overviewTiles = 512
    @Option(help: "Folder where produced downloads are cached (default: downloads/ beside the store).") var downloadsCache: String?
    @Option(help: "A tile archive (.pmtiles or .mbtiles) to serve as a tileset named after the file; repeatable. Archives in the tiles folder are served too.") var archive: [String] = []
    @Option(help: ArgumentHelp("A tile archive (.pmtiles or .mbtiles) drawn under the datasets on the maps instead of the built-in basemap, e.g. an OpenStreetMap extract the province hosts.",
                               discussion: "Default: the built-in administrative basemap, made into Public/basemap/basemap.pmtiles from Fixtures/basemap/ when missing."))
    var basemap: String?
    @Option(help: "A MapLibre style URL (http or https) the maps start from instead of a basemap of this server.") var basemapStyle: String?
    @OptionGroup var edge: EdgeOptions
    @OptionGroup var publisher: PublisherOptions
    @OptionGroup var signOn: SignOnOptions
    @Option(help: "An address range (CIDR, e.g. 10.20.0.0/16, or one address) that harvests may reach although it is private, loopback or link-local, such as the province's intranet; repeatable.")
    var harvestAllow: [String] = []
    @Option(help: "Largest harvest in bytes, all pages together; a bigger source is refused as it streams.")
    var harvestMaxBytes = HarvestFetcher.defaultMaxBytes
    @Option(help: "Most pages one OGC API - Features harvest follows.") var harvestMaxPages = HarvestFetcher.defaultMaxPages
    @Option(help: "Largest upload in MB; larger: 413 before it is all read.") var maxUploadMb = UploadCheck.defaultLimit >> 20
    @Option(help: "Most entries in an uploaded zip (a shapefile set is a handful).") var maxZipEntries = UploadLimits().maxZipEntries
    @Option(help: "Most MB an uploaded zip may inflate to, all entries together.") var maxUnzippedMb = UploadLimits().maxUnzippedBytes >> 20
    @Option(help: "Most features one upload or harvest may hold; more: refused, nothing written.") var maxFeatures = UploadLimits().maxFeatures
    @Option(help: ArgumentHelp("The Department's second review before open publication (Huế 2024 art. 26.4, 30.2): on, an agency's approval waits for the Department; off, it publishes. Stored; the administrator can change it on /approvals. Not given: the stored setting.",
                               valueName: "on|off")) var departmentReview: String?

    func validate() throws {
        try signOn.check()
        guard basemap == nil || basemapStyle == nil else { throw ValidationError("--basemap and --basemap-style: give one or the other") }
        if let style = basemapStyle, !(style.hasPrefix("http://") || style.hasPrefix("https://")) {
            throw ValidationError("--basemap-style must be an http or https URL of a MapLibre style (got \(style))")
        }
        for range in harvestAllow where HarvestNetwork(range) == nil {
            throw ValidationError("--harvest-allow '\(range)' is not an address range such as 10.20.0.0/16, fd00::/8 or 192.0.2.7")
        }
        guard overviewTiles >= 0 else { throw ValidationError("--overview-tiles must be 0 or more") }
        guard harvestMaxBytes > 0 else { throw ValidationError("--harvest-max-bytes must be positive") }
        guard harvestMaxPages > 0 else { throw ValidationError("--harvest-max-pages must be positive") }
        if let review = departmentReview, review != "on", review != "off" {
            throw ValidationError("--department-review must be on or off (got \(review))")
        }
        guard maxUploadMb > 0, maxZipEntries > 0, maxUnzippedMb > 0, maxFeatures > 0 else {
            throw ValidationError("--max-upload-mb, --max-zip-entries, --max-unzipped-mb and --max-features must be positive")
        }
    }

    func run() async throws {
        var config = AppConfiguration(
            storePath: options.store, host: host, port: port, tilesFolder: tiles, tileCacheMegabytes: tileCacheMb)
        config.downloadsFolder = downloadsCache
        config.overviewTiles = overviewTiles
        config.archives = archive
        config.basemap = BasemapConfiguration(archive: basemap, styleURL: basemapStyle)
        config.maxUploadBytes = maxUploadMb << 20
        config.uploadLimits = UploadLimits(maxZipEntries: maxZipEntries, maxUnzippedBytes: maxUnzippedMb << 20,
                                           maxFeatures: maxFeatures)
        config.departmentReview = departmentReview.map { $0 == "on" }
        try edge.apply(to: &config)
        let store = try options.servingStore()
        try publisher.checkAgency(store: store)
        config.publisher = publisher.publisher
        config.openIDIssuers = try signOn.issuers()
        config.harvest = HarvestFetcher(maxBytes: harvestMaxBytes, maxPages: harvestMaxPages,
                                        policy: HarvestAddressPolicy(allowed: harvestAllow.compactMap(HarvestNetwork.init)))
        let app = try await buildApplication(config, store: store)
        try await app.runService()
    }
}

/// How the server meets the network: its public URL, the proxies it trusts, and its limits.
struct EdgeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The URL clients reach the server at (e.g. https://bando.example.gov.vn), used in every absolute URL of TileJSON, styles, OGC links and the catalogue; https also marks the session cookie Secure.",
                               discussion: "Default: the BANDO_PUBLIC_URL environment variable, else http://HOST:PORT. The request's Host header is never used."))
    var publicUrl: String?
    @Option(help: ArgumentHelp("A proxy (CIDR, e.g. 10.0.0.0/8 or 2001:db8::/32, or one address) whose forwarding header names the client; repeatable.",
                               discussion: "Without it, forwarding headers are ignored and the peer address is the client."))
    var trustProxy: [String] = []
    @Option(help: "The forwarding header trusted proxies write: x-forwarded-for or forwarded (RFC 7239).")
    var forwardedHeader: String = ForwardedHeader.xForwardedFor.rawValue
    @Option(help: "Largest request head (request line and headers) in bytes; larger: 431.")
    var maxHeaderBytes = ConnectionLimits().maxHeaderBytes
    @Option(help: "Seconds a client has to send a request's head, from its first byte; then the connection is closed.")
    var headerTimeout = 20.0
    @Option(help: "Seconds a keep-alive connection may wait for its next request.")
    var idleTimeout = 60.0
    @Option(help: "Seconds a request body may pause between two reads; then 408 and the connection is closed.")
    var bodyTimeout = 30.0
    @Option(help: "Open connections at most (kept under the open-file limit); beyond: the longest-idle one is closed, or 503 when all are busy.")
    var maxConnections = ConnectionLimits().maxConnections
    @Option(help: "A folder for backups of the store: one after every publication and one every --backup-every-hours (a failed backup is logged and shown on /healthz?details, never fatal).")
    var backupDir: String?
    @Option(help: "Backups kept in --backup-dir besides the first of each month.") var backupKeep = 14
    @Option(help: "Hours between periodic backups.") var backupEveryHours: Double = 24
    @Option(help: "Seconds between the harvest scheduler's looks for due sources (each source is pulled at its own interval, longer after failures); 0 turns scheduled harvests off.")
    var harvestTickSeconds: Double = 60
    @Option(help: "Hours between the integrity checks the server runs by itself (every published version's checksum and the audit chain, as bando verify --all); 0 turns them off.")
    var verifyEveryHours: Double = 24
    @Option(help: ArgumentHelp("One log line per request (route, status, bytes, time, request id, client address) on standard output: on or off.",
                               discussion: "Cached tiles answered before the router are counted in /metrics, not logged."))
    var accessLog: AccessLogSwitch = .on
    @Option(help: "Seconds a rendered portal page (home, catalogue, dataset, developers, statistics) is reused; 0 renders every request. Any write through this server clears them at once.")
    var pageCacheSeconds: Double = 5
    @Option(help: "Largest request body in bytes for routes without a limit of their own (uploads have theirs); larger: 413.")
    var maxBodyBytes = RequestPolicy.defaultMaxBodyBytes

    func validate() throws {
        guard backupEveryHours > 0 else { throw ValidationError("--backup-every-hours must be more than 0") }
        guard verifyEveryHours >= 0 else { throw ValidationError("--verify-every-hours cannot be negative (0 turns the checks off)") }
        for cidr in trustProxy where IPNetwork(cidr) == nil {
            throw ValidationError("--trust-proxy \(cidr): not an address or CIDR network (e.g. 10.0.0.0/8, 192.168.1.10, 2001:db8::/32)")
        }
        guard ForwardedHeader(rawValue: forwardedHeader.lowercased()) != nil else {
            throw ValidationError("--forwarded-header must be one of: \(ForwardedHeader.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard maxHeaderBytes >= 1024 else { throw ValidationError("--max-header-bytes must be at least 1024") }
        guard headerTimeout > 0, idleTimeout > 0, bodyTimeout > 0 else {
            throw ValidationError("--header-timeout, --idle-timeout and --body-timeout must be positive")
        }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
        guard maxBodyBytes >= 0 else { throw ValidationError("--max-body-bytes cannot be negative") }
    }

    func apply(to config: inout AppConfiguration) throws {
        config.publicURL = publicUrl
        config.clients = ClientIdentification(trustedProxies: trustProxy.compactMap(IPNetwork.init),
                                              header: ForwardedHeader(rawValue: forwardedHeader.lowercased()) ?? .xForwardedFor)
        config.limits.maxHeaderBytes = maxHeaderBytes
        config.limits.headerTimeout = .milliseconds(Int64(headerTimeout * 1000))
        config.limits.idleTimeout = .milliseconds(Int64(idleTimeout * 1000))
        config.limits.bodyTimeout = .milliseconds(Int64(bodyTimeout * 1000))
        config.limits.maxConnections = maxConnections
        config.maxBodyBytes = maxBodyBytes
        config.pageCacheSeconds = max(0, pageCacheSeconds)
        config.harvestTickSeconds = max(0, harvestTickSeconds)
        config.backupDirectory = backupDir
        config.backupKeep = max(1, backupKeep)
        config.backupEveryHours = backupEveryHours
        config.verifyEveryHours = verifyEveryHours
        config.accessLog = accessLog == .on
    }
}

enum AccessLogSwitch: String, ExpressibleByArgument { case on, off }

/// Staff sign-in through OpenID Connect providers (issue 20): one `--oidc-issuer` per provider,
/// with its client id and secret file in the same order; the redirect URI to register at the
/// provider is `<--public-url>/signin/oidc/<n>/callback` (n = 1, 2… in the order given).
struct SignOnOptions: ParsableArguments {
    @Option(help: ArgumentHelp("An OpenID Connect issuer URL whose users may sign in (its /.well-known/openid-configuration is read); repeatable.",
                               discussion: "Register <public URL>/signin/oidc/N/callback as its redirect URI (N = 1 for the first issuer given, 2 for the next…) and <public URL>/signin?out=1 as its post-logout redirect URI."))
    var oidcIssuer: [String] = []
    @Option(help: "The client id this server has at the issuer; one per --oidc-issuer, in the same order.") var oidcClientId: [String] = []
    @Option(help: "A file holding the client secret (first line); one per --oidc-issuer, in the same order.") var oidcClientSecretFile: [String] = []
    @Option(help: "The name on the sign-in button (e.g. \"SSO Huế\"); none or one per --oidc-issuer. Default: the issuer's host.")
    var oidcName: [String] = []

    func check() throws {
        guard oidcClientId.count == oidcIssuer.count, oidcClientSecretFile.count == oidcIssuer.count else {
            throw ValidationError("give one --oidc-client-id and one --oidc-client-secret-file per --oidc-issuer (\(oidcIssuer.count) issuers)")
        }
        guard oidcName.isEmpty || oidcName.count == oidcIssuer.count else {
            throw ValidationError("give no --oidc-name, or one per --oidc-issuer")
        }
        for issuer in oidcIssuer {
            guard let url = URL(string: issuer), let host = url.host, url.query == nil,
                  url.scheme == "https" || (url.scheme == "http" && ["127.0.0.1", "localhost", "::1"].contains(host)) else {
                throw ValidationError("--oidc-issuer \(issuer): an https URL is needed (http only on this machine, for tests)")
            }
        }
    }

    func issuers() throws -> [OpenIDIssuerConfiguration] {
        try oidcIssuer.indices.map { i in
            let file = oidcClientSecretFile[i]
            guard let text = try? String(contentsOfFile: file, encoding: .utf8),
                  let secret = text.split(whereSeparator: \.isNewline).first.map({ $0.trimmingCharacters(in: .whitespaces) }), !secret.isEmpty else {
                throw ValidationError("--oidc-client-secret-file \(file): cannot read a secret from it")
            }
            return OpenIDIssuerConfiguration(id: String(i + 1), issuer: oidcIssuer[i], clientID: oidcClientId[i], clientSecret: secret,
                                             name: oidcName.isEmpty ? nil : oidcName[i])
        }
    }
}
