import Foundation
import Testing
import TestSupport
import GeoStore
@testable import Portal

/// Issue 24: the administration commands through the real binary (`.build/debug/bando`, or
/// BANDO_BIN) — `users`, `agencies`, `report`, `metadata`, `datasets` — and
/// `Fixtures/load-demo.sh`; each checked by what the next command, a sign-in or GDAL shows.
@Suite struct CommandLineAdministrationTests {
    let scratch = ScratchDirectory("cli-admin")
    var store: String { scratch.path("s.sqlite") }

    /// Runs `bando ARGS --store S` and requires it to succeed.
    @discardableResult
    func bando(_ args: [String], stdin: String? = nil, store: String? = nil) throws -> String {
        let r = try Run.process(TestPaths.bandoBinary, args + ["--store", store ?? self.store], stdin: stdin.map { Data($0.utf8) })
        try #require(r.succeeded, "bando \(args.joined(separator: " ")) exited \(r.status): \(r.stderr)")
        return r.stdout
    }

    /// Whether `password` signs `user` in, read through the portal over the same store file.
    func signsIn(_ user: String, _ password: String) throws -> Bool {
        let portal = PortalService(store: try Store(path: store))
        do { _ = try portal.login(username: user, password: password, client: "cli-test"); return true } catch is PortalError { return false }
    }

    @Test func agenciesAndUsersFromTheCommandLine() throws {
        #expect(try bando(["agencies", "add", "so-xd", "--name", "Sở Xây dựng"]) == "created agency so-xd: Sở Xây dựng\n")
        try bando(["agencies", "add", "so-gtvt", "--name", "Sở Giao thông Vận tải"])
        #expect(try bando(["agencies", "list"]) == "so-gtvt\tSở Giao thông Vận tải\nso-xd\tSở Xây dựng\n")

        #expect(try bando(["users", "add", "quan-tri", "--role", "administrator", "--password-stdin"], stdin: "mat-khau-quan-tri\n")
                == "created administrator quan-tri\n")
        #expect(try bando(["users", "add", "bien-tap", "--role", "editor", "--agency", "so-xd", "--name", "Trần Thị Bình", "--password-stdin"],
                          stdin: "mat-khau-bien-tap\n") == "created editor bien-tap of so-xd\n")
        #expect(try bando(["users", "list"]) == "bien-tap\teditor\tso-xd\tactive\tTrần Thị Bình\nquan-tri\tadministrator\t-\tactive\t\n")
        #expect(try bando(["users", "list", "--agency", "so-xd"]) == "bien-tap\teditor\tso-xd\tactive\tTrần Thị Bình\n")
        #expect(try signsIn("bien-tap", "mat-khau-bien-tap"))

        #expect(try bando(["users", "disable", "bien-tap"]) == "disabled bien-tap\n")
        #expect(try bando(["users", "list", "--agency", "so-xd"]).contains("\tdisabled\t"))
        #expect(try !signsIn("bien-tap", "mat-khau-bien-tap"))
        #expect(try bando(["users", "enable", "bien-tap"]) == "enabled bien-tap\n")
        #expect(try bando(["users", "list", "--agency", "so-xd"]).contains("\tactive\t"))

        #expect(try bando(["users", "reset-password", "bien-tap", "--password-stdin"], stdin: "mat-khau-moi-2026\n") == "password of bien-tap reset\n")
        #expect(try !signsIn("bien-tap", "mat-khau-bien-tap"))
        #expect(try signsIn("bien-tap", "mat-khau-moi-2026"))

        // Each change is in the audit log under the command line's name.
        let log = try PortalService(store: try Store(path: store)).auditLog(by: PortalService.commandLine, dataset: nil)
        #expect(log.map(\.action).filter { $0.hasPrefix("user.") } == ["user.create", "user.create", "user.disable", "user.enable", "user.reset-password"])
    }

    /// `report quarterly` in both formats, over a dataset catalogued and published this quarter.
    @Test func quarterlyReportFromTheCommandLine() throws {
        try bando(["agencies", "add", "so-tnmt", "--name", "Sở Tài nguyên và Môi trường"])
        let portal = PortalService(store: try Store(path: store))
        try portal.addToOpenDataList(agency: "so-tnmt", slug: "xa-hue", title: "Xã, phường Huế", by: PortalService.commandLine)
        try bando(["ingest", TestPaths.fixture("hue/communes.geojson").path, "--dataset", "xa-hue", "--by", "Nguyễn Văn An"])
        let quarter = Quarter(containing: Date()).description

        let csv = try bando(["report", "quarterly", "--quarter", quarter, "--format", "csv"]).split(separator: "\n").map(String.init)
        #expect(csv.first == "quarter,agency,agency_name,dataset,title,frequency,deadline,status,first_published_at,last_published_at,versions_published,features_published")
        let row = try #require(csv.first { $0.contains(",xa-hue,") }, "\(csv)")
        #expect(row.hasPrefix("\(quarter),so-tnmt,Sở Tài nguyên và Môi trường,xa-hue,"))
        #expect(row.hasSuffix(",1,152"), "one version of 152 communes: \(row)")

        let json = try bando(["report", "quarterly", "--quarter", quarter])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let agency = try #require((doc["agencies"] as? [[String: Any]])?.first { $0["slug"] as? String == "so-tnmt" })
        let dataset = try #require((agency["datasets"] as? [[String: Any]])?.first)
        #expect(dataset["slug"] as? String == "xa-hue")
        #expect(dataset["versionsPublished"] as? Int == 1)
        #expect(dataset["featuresPublished"] as? Int == 152)
        // Catalogued and published the same day: on time, in both formats.
        #expect(dataset["status"] as? String == "on-time")
        #expect(row.contains(",on-time,"), "\(row)")

        let bad = try Run.process(TestPaths.bandoBinary, ["report", "quarterly", "--quarter", "2026Q9", "--store", store])
        #expect(bad.status != 0 && !bad.stderr.isEmpty)
    }

    /// `metadata` sets what harvesters read; a second `--show` reads it back from the store.
    @Test func metadataFromTheCommandLine() throws {
        try bando(["ingest", TestPaths.fixture("hue/communes.geojson").path, "--dataset", "xa-hue", "--title", "Xã, phường Huế"])
        let set = try bando(["metadata", "xa-hue", "--title-en", "Communes and wards of Huế", "--keyword", "ranh giới", "--keyword", "xã",
                             "--contact-email", "bando@example.gov.vn", "--field-description", "population=Dân số 2009", "--show"])
        let shown = try bando(["metadata", "xa-hue", "--show", "--base-url", "https://du-lieu.example.vn"])
        for text in [set, shown] {
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
            #expect((doc["title"] as? [String: Any])?["en"] as? String == "Communes and wards of Huế")
            #expect((doc["title"] as? [String: Any])?["vi"] as? String == "Xã, phường Huế")
            #expect(doc["keywords"] as? [String] == ["ranh giới", "xã"])
            #expect((doc["contactPoint"] as? [String: Any])?["email"] as? String == "bando@example.gov.vn")
            let fields = ((doc["schema"] as? [String: Any])?["fields"] as? [[String: Any]]) ?? []
            let population = fields.first { $0["name"] as? String == "population" }
            #expect(population?["description"] as? String == "Dân số 2009")
        }
        #expect(shown.contains("https://du-lieu.example.vn/api/catalog/xa-hue"))
        let bad = try Run.process(TestPaths.bandoBinary, ["metadata", "khong-co", "--title-en", "x", "--store", store])
        #expect(bad.status != 0)
    }

    /// `Fixtures/load-demo.sh` loads its three datasets; `bando datasets` lists them with the
    /// feature counts GDAL reads from the source files.
    @Test func loadDemoThenDatasets() throws {
        let empty = try Run.process(TestPaths.bandoBinary, ["datasets", "--quiet-empty", "--store", store])
        #expect(empty.status == 1 && empty.stdout.isEmpty)

        let load = try Run.process("bash", [TestPaths.fixture("load-demo.sh").path, TestPaths.bandoBinary, store], currentDirectory: TestPaths.root)
        try #require(load.succeeded, "load-demo.sh: \(load.stderr)")

        func ogrCount(_ relative: String) throws -> Int {
            let path = TestPaths.fixture(relative).path
            let r = try Run.process("ogrinfo", ["-so", "-al", relative.hasSuffix(".zip") ? "/vsizip/" + path : path])
            try #require(r.succeeded, "ogrinfo \(relative): \(r.stderr)")
            let line = try #require(r.stdout.split(separator: "\n").first { $0.contains("Feature Count:") })
            return try #require(Int(line.split(separator: ":").last!.trimmingCharacters(in: .whitespaces)))
        }
        let expected = [
            "huyen": try ogrCount("hue/districts.zip"),
            "xa-phuong-hue": try ogrCount("hue/communes-utm48n.shp"),
            "xa-quang-ngai-vn2000": try ogrCount("vn2000/quangngai_tm3_vni.shp"),
        ]
        let lines = try bando(["datasets"]).split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(lines.count == 3)
        for cols in lines {
            try #require(cols.count == 4, "\(cols)")
            #expect(cols[1] == "v1")
            #expect(cols[2] == "\(expected[cols[0]] ?? -1) features", "\(cols[0])")
        }
        #expect(Set(lines.map { $0[0] }) == Set(expected.keys))
        #expect(lines.first { $0[0] == "xa-phuong-hue" }?[3] == "Xã, phường, thị trấn tỉnh Thừa Thiên Huế")
        let quiet = try Run.process(TestPaths.bandoBinary, ["datasets", "--quiet-empty", "--store", store])
        #expect(quiet.status == 0 && quiet.stdout.isEmpty)
    }
}
