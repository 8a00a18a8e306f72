// Harvesting (Huế 2021 art. 4.6.b; Sơn La art. 8.4): an agency that runs its own database
// registers an endpoint — a GeoJSON URL or an OGC API - Features collection — and a schedule.
// Each pull whose content changed becomes a *submitted* version awaiting the agency approver;
// an unchanged pull creates nothing; a failed, slow or garbage pull is recorded on the source
// with its reason, and nothing is created or published.
public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Crypto
import GRDB
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
}

/// What one pull did.
public enum HarvestOutcome: Sendable, Equatable {
    /// A new version was ingested and submitted for approval.
    case submitted(version: Int)
    case unchanged
    case failed(String)
}

/// Fetches an endpoint into one GeoJSON FeatureCollection file, following OGC API paging.
public struct HarvestFetcher: Sendable {
    public var timeout: TimeInterval
    public var maxBytes: Int
    public var maxPages: Int

    public init(timeout: TimeInterval = 60, maxBytes: Int = UploadCheck.defaultLimit, maxPages: Int = 1000) {
        self.timeout = timeout; self.maxBytes = maxBytes; self.maxPages = maxPages
    }

    func get(_ url: URL) async throws -> Data {
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = timeout
        config.timeoutIntervalForResource = timeout
        let session = URLSession(configuration: config)
        defer { session.finishTasksAndInvalidate() }
        var req = URLRequest(url: url)
        req.setValue("application/geo+json, application/json", forHTTPHeaderField: "Accept")
        let (data, resp): (Data, URLResponse)
        do { (data, resp) = try await session.data(for: req) } catch {
            throw PortalError(.sourceFailed, SafeMessage("portal.harvest.unreadable"), detail: "\(url.absoluteString) could not be reached: \(error.localizedDescription)")
        }
        if let h = resp as? HTTPURLResponse, !(200..<300).contains(h.statusCode) {
            throw PortalError(.sourceFailed, SafeMessage("portal.harvest.unreadable"), detail: "\(url.absoluteString) answered HTTP \(h.statusCode)")
        }
        if data.count > maxBytes { throw UploadCheck.tooLarge(limit: maxBytes) }
        return data
    }

    static func featureCollection(_ data: Data, from url: URL) throws -> [String: Any] {
        guard let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              obj["type"] as? String == "FeatureCollection", obj["features"] is [Any] else {
            throw PortalError(.sourceFailed, SafeMessage("portal.harvest.notGeoJSON"), detail: "\(url.absoluteString) did not return a GeoJSON FeatureCollection")
        }
        return obj
    }

    /// Writes the endpoint's features to `destination` and returns the SHA-256 of what was written.
    public func fetch(_ url: URL, kind: HarvestKind, to destination: URL) async throws -> String {
        var features: [Any] = []
        switch kind {
        case .geojson:
            let data = try await get(url)
            features = try Self.featureCollection(data, from: url)["features"] as! [Any]
        case .ogcapiFeatures:
            // The collection URL; its items are paged through `next` links.
            var next: URL? = url.path.hasSuffix("/items") ? url : url.appendingPathComponent("items")
            if var c = next.flatMap({ URLComponents(url: $0, resolvingAgainstBaseURL: false) }), !(c.queryItems ?? []).contains(where: { $0.name == "f" }) {
                c.queryItems = (c.queryItems ?? []) + [URLQueryItem(name: "f", value: "json")]
                next = c.url
            }
            var pages = 0
            while let page = next {
                pages += 1
                if pages > maxPages { throw PortalError(.sourceFailed, SafeMessage("portal.harvest.tooManyPages", ["maximum": String(maxPages)])) }
                let obj = try Self.featureCollection(try await get(page), from: page)
                features += obj["features"] as! [Any]
                next = (obj["links"] as? [[String: Any]])?.first { $0["rel"] as? String == "next" }
                    .flatMap { ($0["href"] as? String).flatMap { URL(string: $0, relativeTo: page)?.absoluteURL } }
            }
        }
        let out = try JSONSerialization.data(withJSONObject: ["type": "FeatureCollection", "features": features], options: [.sortedKeys])
        try out.write(to: destination)
        return SHA256.hash(data: out).map { String(format: "%02x", $0) }.joined()
    }
}

extension PortalService {
    /// Registers (or replaces) the endpoint a dataset is pulled from.
    @discardableResult
    public func setHarvestSource(dataset: String, url: String, kind: HarvestKind, intervalSeconds: Int, by actor: Actor) throws -> HarvestSourceInfo {
        guard let u = URL(string: url), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme), u.host != nil else {
            throw PortalError.invalid("portal.harvest.url", ["url": url])
        }
        guard intervalSeconds >= 300 else { throw PortalError.invalid("portal.harvest.interval") }
        try db.write { db in
            let ref = try self.dataset(db, slug: dataset)
            guard let agency = ref.agencyID else { throw PortalError.conflict("portal.dataset.noAgency", ["dataset": dataset]) }
            try Permissions.authorize(actor, .manageHarvestSource(agencyID: agency))
            try db.execute(sql: """
                INSERT INTO harvest_sources (dataset_id, url, kind, interval_seconds) VALUES (?, ?, ?, ?)
                ON CONFLICT(dataset_id) DO UPDATE SET url = excluded.url, kind = excluded.kind,
                    interval_seconds = excluded.interval_seconds, last_checksum = NULL
                """, arguments: [ref.id, url, kind.rawValue, intervalSeconds])
            try audit(db, actor, "harvest.source", agencyID: agency, dataset: dataset, detail: "\(kind.rawValue) \(url) every \(intervalSeconds) s")
        }
        return try harvestSources().first { $0.dataset == dataset }!
    }

    public func harvestSources() throws -> [HarvestSourceInfo] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT h.*, d.slug FROM harvest_sources h JOIN datasets d ON d.id = h.dataset_id ORDER BY d.slug").map {
                HarvestSourceInfo(dataset: $0["slug"], url: $0["url"], kind: HarvestKind(rawValue: $0["kind"]) ?? .geojson,
                                  intervalSeconds: $0["interval_seconds"],
                                  lastRunAt: ($0["last_run_at"] as Date?).map(PortalCalendar.timestamp),
                                  lastStatus: $0["last_status"], lastError: $0["last_error"])
            }
        }
    }

    /// Pulls one dataset's source now. `ingestDraft` is the same hook as uploads use.
    public func harvest(dataset: String, fetcher: HarvestFetcher, workDirectory: URL,
                        ingestDraft: @Sendable (URL, UploadKind, String) async throws -> Int) async -> HarvestOutcome {
        let started = now()
        var checksum: String? = nil
        let outcome: HarvestOutcome
        do {
            let (url, kind, last, agency) = try await db.read { db -> (URL, HarvestKind, String?, Int64) in
                guard let r = try Row.fetchOne(db, sql: """
                    SELECT h.url, h.kind, h.last_checksum, d.agency_id FROM harvest_sources h JOIN datasets d ON d.id = h.dataset_id WHERE d.slug = ?
                    """, arguments: [dataset]) else { throw PortalError.notFound("portal.harvest.noSource", ["dataset": dataset]) }
                return (URL(string: r["url"])!, HarvestKind(rawValue: r["kind"]) ?? .geojson, r["last_checksum"], r["agency_id"])
            }
            let file = workDirectory.appendingPathComponent("bando-harvest-\(UUID().uuidString).geojson")
            defer { try? FileManager.default.removeItem(at: file) }
            let sum = try await fetcher.fetch(url, kind: kind, to: file)
            checksum = sum
            if sum == last {
                outcome = .unchanged
            } else {
                let number = try await ingestDraft(file, .geojson, dataset)
                let harvester = Actor(userID: 0, username: "harvester", role: .editor, agencyID: agency)
                _ = try recordDraft(dataset: dataset, number: number, source: url.absoluteString, by: harvester)
                try submit(dataset: dataset, number: number, by: harvester)
                outcome = .submitted(version: number)
            }
        } catch let e as PortalError {
            outcome = .failed(e.description)
        } catch {
            outcome = .failed("\(error)")
        }
        let sum = checksum
        try? await db.write { db in
            let (status, err): (String, String?) = switch outcome {
            case .submitted(let n): ("submitted version \(n)", nil)
            case .unchanged: ("unchanged", nil)
            case .failed(let m): ("failed", m)
            }
            try db.execute(sql: """
                UPDATE harvest_sources SET last_run_at = ?, last_status = ?, last_error = ?,
                    last_checksum = CASE WHEN ? IS NULL THEN last_checksum ELSE ? END
                WHERE dataset_id = (SELECT id FROM datasets WHERE slug = ?)
                """, arguments: [stamp(started), status, err, err == nil ? sum : nil, sum, dataset])
        }
        return outcome
    }

    /// Datasets whose interval has elapsed since their last pull.
    public func dueHarvests() throws -> [String] {
        let t = now()
        return try db.read { db in
            try Row.fetchAll(db, sql: "SELECT d.slug, h.last_run_at, h.interval_seconds FROM harvest_sources h JOIN datasets d ON d.id = h.dataset_id")
                .compactMap { r in
                    guard let last = r["last_run_at"] as Date? else { return r["slug"] }
                    return last.addingTimeInterval(Double(r["interval_seconds"] as Int)) <= t ? r["slug"] : nil
                }
        }
    }

    /// The scheduler loop for `bando serve`: every `tick`, pull the sources that are due, one at a time.
    public func runHarvestScheduler(tick: Duration = .seconds(60), fetcher: HarvestFetcher = HarvestFetcher(), workDirectory: URL,
                                    ingestDraft: @escaping @Sendable (URL, UploadKind, String) async throws -> Int) async {
        while !Task.isCancelled {
            for slug in (try? dueHarvests()) ?? [] {
                _ = await harvest(dataset: slug, fetcher: fetcher, workDirectory: workDirectory, ingestDraft: ingestDraft)
            }
            try? await Task.sleep(for: tick)
        }
    }
}
