import Foundation
import Testing
import TestSupport

/// The six kinds of caller the portal tells apart.
enum Caller: String, CaseIterable, Sendable, CustomStringConvertible {
    case anonymous, editorA, approverA, editorB, approverB, admin
    var description: String { rawValue }

    /// The account behind the caller (nil: anonymous).
    var username: String? {
        switch self {
        case .anonymous: nil
        case .editorA: "bien-tap-a"
        case .approverA: "duyet-a"
        case .editorB: "bien-tap-b"
        case .approverB: "duyet-b"
        case .admin: "quan-tri"
        }
    }
}

/// A store set up by the real CLI (two agencies, an account of each role, the Huế communes and
/// commune points published, each dataset catalogued for its agency) and the real `bando
/// serve` on it over 127.0.0.1.
final class BandoSite: @unchecked Sendable {
    static let password = "mat-khau-thu-nghiem-16"
    /// Polygons of agency A: uploads, items, tiles.
    static let datasetA = "xa-hue"
    /// Points of agency B: the nearest-feature analysis.
    static let datasetB = "diem-hue"
    /// A tile of `datasetA` that holds features.
    static let tilePath = "/tiles/xa-hue/9/409/232.mvt"

    let scratch = ScratchDirectory("hostile")
    var store: String { scratch.path("bando.sqlite") }
    var tilesFolder: String { scratch.path("tiles") }
    private(set) var port = freeLocalPort()
    private(set) var server: ChildProcess?
    /// Every `bando serve` started, the first included.
    private(set) var starts = 0
    var logPath: String { scratch.path("serve.log") }
    private(set) var tokens: [Caller: String] = [:]

    init() throws {
        try FileManager.default.createDirectory(atPath: tilesFolder, withIntermediateDirectories: true)
        try cli(["agencies", "add", "so-a", "--name", "Sở A"])
        try cli(["agencies", "add", "so-b", "--name", "Sở B"])
        let roles: [(Caller, String, String?)] = [(.admin, "administrator", nil), (.editorA, "editor", "so-a"), (.approverA, "approver", "so-a"),
                                                  (.editorB, "editor", "so-b"), (.approverB, "approver", "so-b")]
        for (caller, role, agency) in roles {
            try cli(["users", "add", caller.username!, "--role", role, "--password-stdin"] + (agency.map { ["--agency", $0] } ?? []),
                    stdin: Self.password + "\n")
        }
        try cli(["ingest", TestPaths.fixture("hue/communes.geojson").path, "--dataset", Self.datasetA, "--title", "Xã, phường Huế"])
        try cli(["ingest", TestPaths.fixture("features/hue_commune_points.geojson").path, "--dataset", Self.datasetB, "--title", "Điểm xã Huế"])
    }

    deinit { stop() }

    func cli(_ arguments: [String], stdin: String? = nil) throws {
        let r = try Run.process(TestPaths.bandoBinary, arguments + ["--store", store], stdin: stdin.map { Data($0.utf8) })
        try #require(r.succeeded, "bando \(arguments.joined(separator: " ")) failed: \(r.stderr)")
    }

    /// Starts `bando serve` from the repository root and waits until `/healthz` answers.
    func start() throws {
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try log.seekToEnd()
        let p = ChildProcess()
        p.executableURL = URL(fileURLWithPath: TestPaths.bandoBinary)
        p.arguments = ["serve", "--store", store, "--port", String(port), "--tiles", tilesFolder, "--body-timeout", "5"]
        p.currentDirectoryURL = TestPaths.root
        // A crash ends the process at once instead of after a half-minute backtrace.
        p.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { _, new in new }
        p.standardOutput = log
        p.standardError = log
        try p.run()
        server = p
        starts += 1
        for _ in 0..<600 {
            if health().status == 200 { return }
            if !p.isRunning { break }
            usleep(100_000)
        }
        throw TestSupportError("bando serve did not come up on port \(port): \(logTail())")
    }

    func stop() {
        guard let p = server else { return }
        if p.isRunning { p.terminate(); p.waitUntilExit() }
        server = nil
    }

    /// After a crash: a fresh process on a fresh port (the old one may linger in TIME_WAIT).
    func restart() throws {
        stop()
        port = freeLocalPort()
        try start()
    }

    var isRunning: Bool { server?.isRunning == true }
    var pid: Int32? { server?.processIdentifier }

    func health() -> WireAnswer {
        Wire.exchange(port: port, Wire.request("GET", "/healthz", port: port), deadline: 10)[0]
    }

    func logTail(_ bytes: Int = 2_000) -> String {
        let s = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return String(s.suffix(bytes))
    }

    /// One ordinary request as `caller`.
    func call(_ method: String, _ path: String, as caller: Caller = .anonymous, json: String? = nil,
              headers: [(String, String)] = [], body: [UInt8]? = nil, deadline: Double = 60) -> WireAnswer {
        var h = headers
        if json != nil { h.append(("Content-Type", "application/json")) }
        let bytes = body ?? json.map { Array($0.utf8) } ?? []
        return Wire.exchange(port: port, Wire.request(method, path, port: port, headers: h, body: bytes, bearer: tokens[caller]),
                             deadline: deadline)[0]
    }

    /// Signs every account in and keeps its session token (sent as `Authorization: Bearer`).
    func signInEveryone() throws {
        for caller in Caller.allCases where caller != .anonymous {
            tokens[caller] = try signIn(caller)
        }
    }

    func signIn(_ caller: Caller) throws -> String {
        let r = call("POST", "/api/portal/login", json: #"{"username":"\#(caller.username!)","password":"\#(Self.password)"}"#)
        let cookie = r.headers.first { $0.name.lowercased() == "set-cookie" && $0.value.hasPrefix("bando_session=") }?.value
        let token = cookie?.dropFirst("bando_session=".count).split(separator: ";").first.map(String.init)
        return try #require(token, "sign-in of \(caller) failed: \(r.summary)")
    }

    /// The administrator puts each dataset in the catalogue for its agency, which makes the
    /// agency its owner.
    func catalogueDatasets() throws {
        for (slug, agency, title) in [(Self.datasetA, "so-a", "Xã, phường Huế"), (Self.datasetB, "so-b", "Điểm xã Huế")] {
            let r = call("POST", "/api/portal/catalogue", as: .admin,
                         json: #"{"agency":"\#(agency)","slug":"\#(slug)","title":"\#(title)","theme":"boundaries"}"#)
            try #require(r.status == 201, "catalogue \(slug): \(r.summary)")
        }
    }
}
