import Foundation

/// The messages of every public error, in Vietnamese and English, read once from
/// `messages.vi.json` and `messages.en.json` (compiled into the binary, so no resource bundle
/// has to travel with it). Templates hold `{name}` placeholders filled from the arguments.
public struct MessageCatalogue: Sendable {
    /// key → template, per language.
    public let templates: [Language: [String: String]]

    public static let shared = MessageCatalogue()

    init() {
        func load(_ bytes: [UInt8]) -> [String: String] {
            // The files are checked by MessageCatalogueTests; a broken one must not stop the server.
            (try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: String]) ?? [:]
        }
        templates = [.vi: load(PackageResources.messages_vi_json), .en: load(PackageResources.messages_en_json)]
    }

    /// Longest argument shown: client text echoed back is cut, so a message stays a message.
    static let maximumArgumentLength = 2000

    /// The message in `language`; English when the key is missing there, the key itself when
    /// it is missing everywhere (a bug the message catalogue tests catch, never a crash).
    public func render(_ message: SafeMessage, in language: Language) -> String {
        guard let template = templates[language]?[message.key] ?? templates[.en]?[message.key] else { return message.key }
        var out = ""
        for piece in Self.pieces(template) {
            switch piece {
            case .text(let t): out += t
            case .placeholder(let name):
                if let part = message.parts[name] {
                    out += render(part, in: language)
                } else if let value = message.arguments[name] {
                    out += value.count > Self.maximumArgumentLength ? value.prefix(Self.maximumArgumentLength) + "…" : value
                } else {
                    out += "{\(name)}"
                }
            }
        }
        return out
    }

    /// The `{placeholders}` of a template, for the message catalogue tests.
    public static func placeholders(_ template: String) -> Set<String> {
        Set(pieces(template).compactMap { if case .placeholder(let n) = $0 { n } else { nil } })
    }

    enum Piece { case text(Substring), placeholder(String) }

    /// A template cut into text and `{name}` placeholders; a brace around anything but a plain
    /// name (letters, digits, `_`) is text, so a JSON example in a message stays as written.
    static func pieces(_ template: String) -> [Piece] {
        var pieces = [Piece]()
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            let after = rest.index(after: open)
            let name = rest[after...].prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            if !name.isEmpty, name.endIndex < rest.endIndex, rest[name.endIndex] == "}" {
                pieces.append(.text(rest[..<open]))
                pieces.append(.placeholder(String(name)))
                rest = rest[rest.index(after: name.endIndex)...]
            } else {
                pieces.append(.text(rest[...open]))
                rest = rest[after...]
            }
        }
        pieces.append(.text(rest))
        return pieces
    }
}
