import Foundation
import Testing
import TestSupport
@testable import PublicErrors

/// The message catalogues: both languages say the same things, every key the code uses exists,
/// and a message is rendered whole in the language asked for.
@Suite struct MessageCatalogueTests {
    let catalogue = MessageCatalogue.shared

    @Test func bothLanguagesHaveTheSameKeysAndPlaceholders() {
        let vi = catalogue.templates[.vi] ?? [:]
        let en = catalogue.templates[.en] ?? [:]
        #expect(vi.count > 200, "the Vietnamese catalogue did not load")
        #expect(Set(vi.keys) == Set(en.keys), "only in vi: \(Set(vi.keys).subtracting(en.keys)); only in en: \(Set(en.keys).subtracting(vi.keys))")
        for (key, english) in en {
            guard let vietnamese = vi[key] else { continue }
            #expect(MessageCatalogue.placeholders(english) == MessageCatalogue.placeholders(vietnamese), "\(key)")
            #expect(!vietnamese.isEmpty && !english.isEmpty, "\(key)")
        }
    }

    /// A translation that is the English text again is a forgotten one (a few templates are only
    /// placeholders or quotes, the same in both).
    @Test func vietnameseIsTranslated() {
        let vi = catalogue.templates[.vi] ?? [:]
        let en = catalogue.templates[.en] ?? [:]
        let same = en.filter { key, text in vi[key] == text && text.contains(where: \.isLetter)
            && text.replacingOccurrences(of: #"\{[A-Za-z0-9_]+\}"#, with: "", options: .regularExpression).contains(where: \.isLetter) }
        #expect(same.isEmpty, "untranslated: \(same.keys.sorted())")
        // Vietnamese with its diacritics, not stripped to ASCII.
        #expect(vi["store.datasetNotFound"] == "Không tìm thấy tập dữ liệu '{dataset}'.")
    }

    /// Every catalogue key written in `Sources/` exists: a typo would show the bare key to users.
    @Test func everyKeyTheCodeUsesExists() throws {
        let en = catalogue.templates[.en] ?? [:]
        let sources = TestPaths.root.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
        #expect(files.count > 50)
        let key = try Regex(#""((?:server|store|features|cql2|cql2json|analysis|tiles|map|downloads|portal|catalogue|ckan|ingest|http)\.[A-Za-z0-9.]+)""#)
        var used = Set<String>()
        // Hummingbird's metric and label names ("http.route") share the naming: they are not messages.
        for file in files where file.lastPathComponent != "Metrics.swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: key) {
                // Audit-log actions ("catalogue.add") share the naming: they are not messages.
                let before = text[..<match.range.lowerBound].suffix(60)
                // Through a GRDB connection (`db`) or a portal transaction (`tx`).
                if ["db", "tx"].contains(where: { before.hasSuffix("audit(\($0), actor, ") || before.contains("audit(\($0), actor, publish ?") }) {
                    continue
                }
                let name = String(text[match.range].dropFirst().dropLast())
                // File names served by routes (`/map.js`) are not keys either.
                if name.hasSuffix(".js") || name.hasSuffix(".css") { continue }
                used.insert(name)
                #expect(en[name] != nil, "\(file.lastPathComponent) uses '\(name)', which no catalogue has")
            }
        }
        #expect(used.count > 200)
    }

    @Test func placeholdersAreFilledAndNestedMessagesRenderedInTheSameLanguage() {
        let m = SafeMessage("cql2.syntaxAt", ["position": "13"],
                            parts: ["reason": SafeMessage("cql2.expectedNumber", parts: ["found": SafeMessage("cql2.token.end")])])
        #expect(m.text(in: .en) == "CQL2 syntax error at character 13: expected a number, found the end of the filter")
        #expect(m.text(in: .vi) == "Lỗi cú pháp CQL2 tại ký tự thứ 13: cần một số, nhưng gặp kết thúc bộ lọc")
        // A missing argument leaves the placeholder; a missing key shows the key, never crashes.
        #expect(SafeMessage("store.datasetNotFound").text(in: .en) == "No dataset named '{dataset}'.")
        #expect(SafeMessage("no.such.key").text(in: .vi) == "no.such.key")
        // Braces around anything but a name are text (JSON examples in messages).
        #expect(SafeMessage("analysis.body.notJSON").text(in: .en).contains(#"{"dataset": "communes""#))
    }

    @Test func longArgumentsAreCut() {
        let long = String(repeating: "x", count: 5000)
        let text = SafeMessage("store.datasetNotFound", ["dataset": long]).text(in: .en)
        #expect(text.count < 2100 && text.hasSuffix("…'."))
    }

    @Test func languageIsVietnameseUnlessEnglishIsAskedFor() {
        let cases: [(String?, String?, Language)] = [
            (nil, nil, .vi),
            ("en", nil, .en),
            ("vi", "en", .vi),
            ("EN", "vi", .en),
            ("fr", "en-GB", .en),
            (nil, "en-US,en;q=0.9", .en),
            (nil, "vi-VN,vi;q=0.9,en;q=0.8", .vi),
            (nil, "en;q=0.5, vi;q=0.8", .vi),
            (nil, "vi;q=0, en", .en),
            (nil, "fr-FR, de", .vi),
            (nil, "en;q=0", .vi),
            (nil, "*", .vi),
            (nil, "", .vi),
        ]
        for (query, header, expected) in cases {
            #expect(Language.negotiate(query: query, acceptLanguage: header) == expected, "lang=\(query ?? "-") Accept-Language: \(header ?? "-")")
        }
    }
}
