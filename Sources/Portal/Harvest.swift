// Harvesting (Huế 2021 art. 4.6.b; Sơn La art. 8.4): an agency that runs its own database
// registers an endpoint — a GeoJSON URL or an OGC API - Features collection — and a schedule.
// Each pull whose content changed becomes a *submitted* version awaiting the agency approver;
// an unchanged pull creates nothing; a failed, slow or garbage pull is recorded on the source
// with its reason, and nothing is created or published.
public import Foundation
public import Logging
import AsyncHTTPClient
import NIOCore
import NIOPosix
import NIOHTTP1
import Crypto
import GeoStore
import PublicErrors

public enum HarvestKind: String, Sendable, Codable, CaseIterable {
    case geojson
    case ogcapiFeatures = "ogcapi-features"
}

public struct HarvestSourceInfo: Sendable, Codable, Equatable {
    public var dataset: String
    public var url: String
    public var kind: HarvestKind
    public var intervalSeconds: Int
    public var lastRunAt: String?
    public var lastStatus: String?
    public var lastError: String?
    /// The last error as a message (key and arguments), so a page says it in the
    /// reader's language; nil for errors recorded before it was kept.
    public var lastErrorKey: String?
    public var lastErrorArguments: [String: String]?
    /// Failed pulls in a row (0 after a good one).
    public var failures: Int
    /// When the scheduler pulls next: the interval after the last pull, doubled for each
    /// failure in a row (at most 16 times, and never more than a day unless the interval is longer).
    public var nextRunAt: String?
}

/// When a source is next due: `interval` after the last pull, times 2^failures (capped).
public enum HarvestBackoff {
    public static func nextRun(lastRun: Date?, intervalSeconds: Int, failures: Int) -> Date? {
        guard let lastRun else { return nil }
        let factor = Double(1 << min(max(failures, 0), 4))
        let wait = min(Double(intervalSeconds) * factor, max(Double(intervalSeconds), 86_400))
        return lastRun.addingTimeInterval(wait)
    }
}

/// What one pull did.
public enum HarvestOutcome: Sendable, Equatable {
    /// A new version was ingested and submitted for approval.
    case submitted(version: Int)
    case unchanged
    case failed(String)
}

/// Fetches an endpoint into one GeoJSON FeatureCollection file, following OGC API paging.
///
/// Every request, the first, each redirect (followed here, at most `maxRedirects`) and each page,
/// resolves its host and connects only to an address `policy` permits, and to that very address
/// (async-http-client's DNS override), so a name that resolves differently a moment later (DNS
/// rebinding) cannot lead the connection elsewhere. Bodies are spooled to disk under a byte cap
/// shared by all pages; nothing larger than that is ever read. Failures reach the user as
/// `unreadable` only; the reason goes to `logger`.
public struct HarvestFetcher: Sendable {
    public static let defaultMaxBytes = 256 * 1024 * 1024
    public static let defaultMaxPages = 1000
    public static let maxRedirects = 5
    /// All the user learns when a source cannot be read, whatever the reason: a refused address,
    /// a name that does not resolve, a closed port, a timeout and an HTTP error status look alike,
    /// so that a harvest URL cannot be used to map the network behind the server.
    public static let unreadable = "the source could not be read"

    public var timeout: TimeInterval
    public var maxBytes: Int
    public var maxPages: Int
    public var policy: HarvestAddressPolicy
    public var logger: Logger

    public init(timeout: TimeInterval = 60, maxBytes: Int = HarvestFetcher.defaultMaxBytes, maxPages: Int = HarvestFetcher.defaultMaxPages,
                policy: HarvestAddressPolicy = HarvestAddressPolicy(), logger: Logger = Logger(label: "bando.harvest")) {
        self.timeout = timeout; self.maxBytes = maxBytes; self.maxPages = maxPages; self.policy = policy; self.logger = logger
    }

    /// What the user is told when the source is over the cap: the one failure the agency can act on.
    public static func tooLarge(limit: Int) -> PortalError {
        let size = limit >= 1024 * 1024 ? "\(limit / (1024 * 1024)) MB" : "\(limit) B"
        return PortalError(.tooLarge, SafeMessage("portal.harvest.tooLarge", ["size": size]))
    }

    private enum Answer { case body(Int), redirect(URL) }

    /// One GET of `start` into `spool`, following redirects; reads at most `budget` bytes.
    /// Returns the URL finally read (the base of relative links) and the bytes read.
    func get(_ start: URL, to spool: URL, budget: Int) async throws -> (url: URL, bytes: Int) {
        var url = start
        for _ in 0...Self.maxRedirects {
            // The host exactly as the client will see it: it parses `absoluteString` the same way.
            guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                  let named = URL(string: url.absoluteString)?.host, !named.isEmpty else {
                throw HarvestFailure("\(url.absoluteString) is not an http(s) URL")
            }
            // Foundation keeps an IPv6 literal's brackets on Linux; async-http-client trims them.
            let host = named.hasPrefix("[") && named.hasSuffix("]") ? String(named.dropFirst().dropLast()) : named
            let address = try await policy.address(for: host)
            var config = HTTPClient.Configuration()
            config.redirectConfiguration = .disallow
            config.decompression = .disabled
            config.proxy = nil
            let limit = TimeAmount.milliseconds(Int64(max(timeout, 0.001) * 1000))
            config.timeout = .init(connect: limit, read: limit)
            // Connect to the address checked above, not to a second lookup of the name; TLS still
            // checks the certificate against the name. Keys as the client spells the host.
            config.dnsOverride = [host: address.description, "[\(host)]": address.description]
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: config)
            let answer: Answer
            do {
                answer = try await exchange(client, url, to: spool, budget: budget, deadline: .now() + limit)
            } catch {
                try? await client.shutdown()
                throw error
            }
            try? await client.shutdown()
            switch answer {
            case .body(let n): return (url, n)
            case .redirect(let next): url = next
            }
        }
        throw HarvestFailure("\(start.absoluteString): more than \(Self.maxRedirects) redirects")
    }

    private func exchange(_ client: HTTPClient, _ url: URL, to spool: URL, budget: Int, deadline: NIODeadline) async throws -> Answer {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.headers.add(name: "Accept", value: "application/geo+json, application/json")
        let response: HTTPClientResponse
        do { response = try await client.execute(request, deadline: deadline) } catch {
            throw HarvestFailure("\(url.absoluteString) could not be reached: \(error)")
        }
        switch response.status.code {
        case 301, 302, 303, 307, 308:
            guard let location = response.headers.first(name: "location"),
                  let next = URL(string: location, relativeTo: url)?.absoluteURL else {
                throw HarvestFailure("\(url.absoluteString) answered HTTP \(response.status.code) without a usable Location")
            }
            return .redirect(next)
        case 200..<300:
            break
        default:
            throw HarvestFailure("\(url.absoluteString) answered HTTP \(response.status.code)")
        }
        if let declared = response.headers.first(name: "content-length").flatMap(Int.init), declared > budget {
            throw Self.tooLarge(limit: maxBytes)
        }
        // Spool in 1 MB batches written on NIO's blocking pool: memory stays at one batch
        // whatever the body's size, and the count stops the transfer at the cap.
        let file = try await NIOThreadPool.singleton.runIfActive {
            guard FileManager.default.createFile(atPath: spool.path, contents: nil) else {
                throw HarvestFailure("could not create the spool file \(spool.path)")
            }
            return try FileHandle(forWritingTo: spool)
        }
        defer { try? file.close() }
        var received = 0
        var batch = ByteBuffer()
        do {
            for try await chunk in response.body {
                received += chunk.readableBytes
                if received > budget { throw Self.tooLarge(limit: maxBytes) }
                batch.writeImmutableBuffer(chunk)
                if batch.readableBytes >= 1 << 20 {
                    let full = batch
                    batch = ByteBuffer()
                    try await NIOThreadPool.singleton.runIfActive { try file.write(contentsOf: Data(full.readableBytesView)) }
                }
            }
        } catch let e as PortalError {
            throw e
        } catch {
            throw HarvestFailure("\(url.absoluteString): the body broke off after \(received) bytes: \(error)")
        }
        let rest = batch
        try await NIOThreadPool.singleton.runIfActive { try file.write(contentsOf: Data(rest.readableBytesView)) }
        return .body(received)
    }

    /// One page read back from its spool file: its features, each serialized with sorted keys
    /// and joined by commas, and its `next` link. Runs on NIO's blocking pool.
    static func page(_ spool: URL, from url: URL) async throws -> (features: Data, count: Int, next: URL?) {
        try await NIOThreadPool.singleton.runIfActive {
            let data = try Data(contentsOf: spool, options: .alwaysMapped)
            guard let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  obj["type"] as? String == "FeatureCollection", let features = obj["features"] as? [Any] else {
                throw PortalError(.invalid, SafeMessage("portal.harvest.notGeoJSON"), detail: "\(url.absoluteString) did not return a GeoJSON FeatureCollection")
            }
            var out = Data()
            for (i, f) in features.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append(try JSONSerialization.data(withJSONObject: f, options: [.sortedKeys, .fragmentsAllowed]))
            }
            let next = (obj["links"] as? [[String: Any]])?.first { $0["rel"] as? String == "next" }
                .flatMap { ($0["href"] as? String).flatMap { URL(string: $0, relativeTo: url)?.absoluteURL } }
            return (out, features.count, next)
        }
    }

    /// Writes the endpoint's features to `destination` and returns the SHA-256 of what was written:
    /// `{"features":[...],"type":"FeatureCollection"}`, each feature with sorted keys, so the same
    /// content gives the same checksum however the source orders its keys or pages.
    public func fetch(_ url: URL, kind: HarvestKind, to destination: URL) async throws -> String {
        let spool = destination.appendingPathExtension("part")
        defer { try? FileManager.default.removeItem(at: spool) }
        var next: URL?
        switch kind {
        case .geojson:
            next = url
        case .ogcapiFeatures:
            // The collection URL; its items are paged through `next` links.
            next = url.path.hasSuffix("/items") ? url : url.appendingPathComponent("items")
            if var c = next.flatMap({ URLComponents(url: $0, resolvingAgainstBaseURL: false) }), !(c.queryItems ?? []).contains(where: { $0.name == "f" }) {
                c.queryItems = (c.queryItems ?? []) + [URLQueryItem(name: "f", value: "json")]
                next = c.url
            }
        }
        var pieces: [Data] = []
        var budget = maxBytes
        var pages = 0
        while let page = next {
            pages += 1
            if pages > maxPages {
                throw PortalError(.invalid, SafeMessage("portal.harvest.tooManyPages", ["maximum": String(maxPages)]))
            }
            let (base, bytes) = try await get(page, to: spool, budget: budget)
            budget -= bytes
            let read = try await Self.page(spool, from: base)
            if read.count > 0 { pieces.append(read.features) }
            next = kind == .ogcapiFeatures ? read.next : nil
        }
        let parts = pieces
        return try await NIOThreadPool.singleton.runIfActive {
            var out = Data(#"{"features":["#.utf8)
            for (i, p) in parts.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append(p)
            }
            out.append(contentsOf: #"],"type":"FeatureCollection"}"#.utf8)
            try out.write(to: destination)
            return SHA256.hash(data: out).map { String(format: "%02x", $0) }.joined()
        }
    }
}

extension PortalService {
    /// Registers (or replaces) the endpoint a dataset is pulled from. `actor` becomes the person
    /// behind the scheduled pulls: their versions are submitted in `actor`'s name, so the
    /// approver who sets a source cannot also approve what it brings.
    @discardableResult
    public func setHarvestSource(dataset: String, url: String, kind: HarvestKind, intervalSeconds: Int, by actor: Actor) throws -> HarvestSourceInfo {
        guard let u = URL(string: url), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme), u.host != nil else {
            throw PortalError.invalid("portal.harvest.url", ["url": url])
        }
        guard intervalSeconds >= 300 else { throw PortalError.invalid("portal.harvest.interval") }
        try records.write { tx in
            let ref = try self.dataset(tx, slug: dataset)
            guard let agency = ref.agencyID else { throw PortalError.conflict("portal.dataset.noAgency", ["dataset": dataset]) }
            try Permissions.authorize(actor, .manageHarvestSource(agencyID: agency))
            try tx.setHarvestSource(datasetID: ref.id, url: url, kind: kind.rawValue, intervalSeconds: intervalSeconds,
                                    setBy: actor.userID == 0 ? nil : actor.userID)
            try audit(tx, actor, "harvest.source", agencyID: agency, dataset: dataset, detail: "\(kind.rawValue) \(url) every \(intervalSeconds) s")
        }
        return try harvestSources(agency: nil).first { $0.dataset == dataset }!
    }

    /// The harvest sources `actor` may see: their own agency's, or every agency's for an
    /// administrator. A source's URL and last error describe an agency's systems.
    public func harvestSources(by actor: Actor) throws -> [HarvestSourceInfo] {
        if actor.role == .administrator { return try harvestSources(agency: nil) }
        guard let agency = actor.agencyID else { return [] }
        return try harvestSources(agency: agency)
    }

    func harvestSources(agency: Int64?) throws -> [HarvestSourceInfo] {
        try records.read { tx in try tx.harvestSources(agencyID: agency) }.map { h in
            HarvestSourceInfo(dataset: h.datasetSlug, url: h.url, kind: HarvestKind(rawValue: h.kind) ?? .geojson,
                              intervalSeconds: h.intervalSeconds,
                              lastRunAt: h.lastRunAt.map(PortalCalendar.timestamp),
                              lastStatus: h.lastStatus, lastError: h.lastError,
                              lastErrorKey: h.lastErrorKey,
                              lastErrorArguments: h.lastErrorArguments.flatMap {
                                  try? JSONDecoder().decode([String: String].self, from: Data($0.utf8))
                              },
                              failures: h.failures,
                              nextRunAt: HarvestBackoff.nextRun(lastRun: h.lastRunAt, intervalSeconds: h.intervalSeconds,
                                                                failures: h.failures).map(PortalCalendar.timestamp))
        }
    }

    /// Pulls one dataset's source now. `trigger`: who asked for this pull (a manual trigger); nil
    /// for the scheduler, which pulls in the name of whoever set the source. The new version is
    /// recorded and submitted as that person, so "the submitter may not approve" holds on this
    /// path too. `ingestDraft` is the same hook as uploads use.
    public func harvest(dataset: String, by trigger: Actor? = nil, fetcher: HarvestFetcher, workDirectory: URL,
                        ingestDraft: @Sendable (URL, UploadKind, String) async throws -> Int) async -> HarvestOutcome {
        let started = now()
        var checksum: String? = nil
        let outcome: HarvestOutcome
        // What the source's page says about a failure, in the reader's language.
        var message = SafeMessage("portal.harvest.unreadable")
        do {
            // The store is read on the blocking pool, never on the cooperative one.
            let (text, kind, last, agency, setter) = try await BlockingPool.requests.run {
                try self.records.read { tx -> (String, HarvestKind, String?, Int64, Actor?) in
                    guard let h = try tx.harvestSource(dataset: dataset) else {
                        throw PortalError.notFound("portal.harvest.noSource", ["dataset": dataset])
                    }
                    guard let agency = h.agencyID else { throw PortalError.conflict("portal.harvest.noAgency", ["dataset": dataset]) }
                    var setter: Actor? = nil
                    if let id = h.setBy, let account = try tx.account(id: id), !account.disabled, let role = Role(rawValue: account.role) {
                        setter = Actor(userID: account.id, username: account.username, role: role, agencyID: account.agencyID)
                    }
                    return (h.url, HarvestKind(rawValue: h.kind) ?? .geojson, h.lastChecksum, agency, setter)
                }
            }
            guard let person = trigger ?? setter else {
                throw PortalError.conflict("portal.harvest.noOwner")
            }
            // Before any request: the person must still be allowed to put drafts into this dataset.
            try Permissions.authorize(person, .uploadDraft(agencyID: agency))
            guard let url = URL(string: text) else { throw HarvestFailure("the stored URL '\(text)' does not parse") }
            let file = workDirectory.appendingPathComponent("bando-harvest-\(UUID().uuidString).geojson")
            defer { try? FileManager.default.removeItem(at: file) }
            let sum = try await fetcher.fetch(url, kind: kind, to: file)
            checksum = sum
            if sum == last {
                outcome = .unchanged
            } else {
                let number: Int
                do { number = try await ingestDraft(file, .geojson, dataset) } catch let e as PortalError { throw e } catch {
                    throw PortalError(.invalid, SafeMessage("portal.harvest.unloadable"), detail: "\(error)")
                }
                _ = try recordDraft(dataset: dataset, number: number, source: url.absoluteString, by: person)
                try submit(dataset: dataset, number: number, by: person)
                outcome = .submitted(version: number)
            }
        } catch let e as HarvestFailure {
            fetcher.logger.warning("harvest of \(dataset) failed: \(e.description)")
            outcome = .failed(HarvestFetcher.unreadable)
        } catch let e as PortalError {
            if e.message.parts.isEmpty { message = e.message }
            outcome = .failed(e.description)
        } catch {
            fetcher.logger.warning("harvest of \(dataset) failed: \(error)")
            outcome = .failed(HarvestFetcher.unreadable)
        }
        let sum = checksum
        let failure = message
        let (status, err): (String, String?) = switch outcome {
        case .submitted(let n): ("submitted version \(n)", nil)
        case .unchanged: ("unchanged", nil)
        case .failed(let m): ("failed", m)
        }
        let run = HarvestRun(at: started, status: status, error: err, checksum: sum, errorKey: err == nil ? nil : failure.key,
                             errorArguments: err == nil ? nil : (try? JSONEncoder().encode(failure.arguments)).map { String(decoding: $0, as: UTF8.self) })
        _ = try? await BlockingPool.requests.run { try self.records.write { tx in try tx.noteHarvestRun(dataset: dataset, run) } }
        return outcome
    }

    /// Datasets whose next pull is due: never pulled, or `HarvestBackoff.nextRun` has passed
    /// (the interval, longer after failures in a row).
    public func dueHarvests() throws -> [String] {
        let t = now()
        return try records.read { tx in try tx.harvestSources(agencyID: nil) }.compactMap { h in
            guard let next = HarvestBackoff.nextRun(lastRun: h.lastRunAt, intervalSeconds: h.intervalSeconds,
                                                    failures: h.failures) else { return h.datasetSlug }
            return next <= t ? h.datasetSlug : nil
        }
    }

    /// The scheduler loop for `bando serve`: every `tick`, pull the sources that are due, one at
    /// a time (each as `harvest` does: one changed pull, one submitted version). The store is
    /// read on the blocking pool; `report` hears each outcome (the log).
    public func runHarvestScheduler(tick: Duration = .seconds(60), fetcher: HarvestFetcher = HarvestFetcher(), workDirectory: URL,
                                    report: @escaping @Sendable (String, HarvestOutcome) -> Void = { _, _ in },
                                    ingestDraft: @escaping @Sendable (URL, UploadKind, String) async throws -> Int) async {
        while !Task.isCancelled {
            let due = (try? await BlockingPool.requests.run { try self.dueHarvests() }) ?? []
            for slug in due where !Task.isCancelled {
                report(slug, await harvest(dataset: slug, fetcher: fetcher, workDirectory: workDirectory, ingestDraft: ingestDraft))
            }
            try? await Task.sleep(for: tick)
        }
    }
}
