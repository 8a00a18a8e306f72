// The words of the pages, per language: every key in both catalogues (checked by a test), with
// `{name}` placeholders filled at render time. Keys starting with `fmt_` hold formats (the
// date pattern), not prose.
public import PublicErrors
import Foundation

public struct PageTexts: Sendable {
    /// key → text, per language.
    public let texts: [Language: [String: String]]

    public static let shared = PageTexts()

    init() {
        func load(_ bytes: [UInt8]) -> [String: String] {
            // Checked by WebPageTests; a broken file must not stop the server (keys show instead).
            (try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: String]) ?? [:]
        }
        texts = [.vi: load(PackageResources.pages_vi_json), .en: load(PackageResources.pages_en_json)]
    }

    /// Every text of `language`, for templates (`{{t.key}}`).
    public func all(_ language: Language) -> [String: String] { texts[language] ?? [:] }

    /// The text `key` in `language` with its placeholders filled; the key itself when missing.
    public func text(_ key: String, _ language: Language, _ arguments: [String: String] = [:]) -> String {
        var out = texts[language]?[key] ?? key
        for (name, value) in arguments { out = out.replacingOccurrences(of: "{\(name)}", with: value) }
        return out
    }

    /// The text `key` for `count` things: `key_one` when there is one thing and the catalogue
    /// has that form (English), else `key`. `{count}` is filled with the number.
    public func count(_ key: String, _ count: Int, _ language: Language, _ arguments: [String: String] = [:]) -> String {
        let chosen = count == 1 && texts[language]?[key + "_one"] != nil ? key + "_one" : key
        return text(chosen, language, arguments.merging(["count": String(count)]) { a, _ in a })
    }

    /// The date as people of `language` write it.
    func date(_ date: Date?, _ language: Language) -> String? {
        guard let date else { return nil }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")
        f.dateFormat = text("fmt_date", language)
        return f.string(from: date)
    }
}
