// The words of the texts that travel in zips (README.txt, LICENSE.txt): `Resources/notice.vi.json`
// and `notice.en.json` (same keys; the reuse terms and disclaimer in the portal's own wording,
// `licence_terms` and `disclaimer` of the Web module's page texts, checked by a test), laid out by
// `Resources/readme.mustache` and `licence.mustache`. Vietnamese comes first, English after it.
import Foundation
import Mustache

/// The languages of the zip's texts, in the order they appear.
public enum NoticeLanguage: String, Sendable, CaseIterable { case vi, en }

public struct NoticeTexts: Sendable {
    let texts: [NoticeLanguage: [String: String]]
    let library: MustacheLibrary

    public static let shared = try! NoticeTexts()

    /// Parses the templates and loads the words (a broken file fails here, in the tests).
    init() throws {
        func load(_ bytes: [UInt8]) throws -> [String: String] {
            guard let words = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: String] else {
                throw CocoaError(.fileReadCorruptFile)
            }
            return words
        }
        texts = [.vi: try load(PackageResources.notice_vi_json), .en: try load(PackageResources.notice_en_json)]
        var library = MustacheLibrary()
        try library.register(String(decoding: PackageResources.readme_mustache, as: UTF8.self), named: "readme")
        try library.register(String(decoding: PackageResources.licence_mustache, as: UTF8.self), named: "licence")
        self.library = library
    }

    /// Every word of `language`, for tests comparing them with the portal's pages.
    public func all(_ language: NoticeLanguage) -> [String: String] { texts[language] ?? [:] }

    /// The text `key` in `language` with its `{name}` placeholders filled.
    func text(_ key: String, _ language: NoticeLanguage, _ arguments: [String: String] = [:]) -> String {
        var out = texts[language]?[key] ?? key
        for (name, value) in arguments { out = out.replacingOccurrences(of: "{\(name)}", with: value) }
        return out
    }

    /// `template` with one section per language, each from `context` plus the words (`t.key`).
    func render(_ template: String, _ context: (NoticeLanguage, NoticeTexts) -> [String: Any]) -> String {
        let sections = NoticeLanguage.allCases.map { l -> [String: Any] in
            var c = context(l, self)
            c["heading"] = text("heading", l)
            c["t"] = all(l)
            return c
        }
        let out = library.render(["sections": sections], withTemplate: template) ?? ""
        // One blank line between paragraphs, none at the end but the newline.
        return out.replacingOccurrences(of: "\n\n\n", with: "\n\n").trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
    }
}
