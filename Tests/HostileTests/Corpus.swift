import Foundation
import TestSupport

/// Text in the manifest: a string, or runs `[[text, count], …]` standing for long repeats.
struct ManifestText: Decodable, Sendable {
    var value: String

    init(value: String) { self.value = value }

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { value = s; return }
        value = ""
        for run in try c.decode([[Run]].self) where run.count == 2 {
            if case .text(let t) = run[0], case .count(let n) = run[1] { value += String(repeating: t, count: n) }
        }
    }

    enum Run: Decodable {
        case text(String), count(Int)
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let n = try? c.decode(Int.self) { self = .count(n) } else { self = .text(try c.decode(String.self)) }
        }
    }

    /// One byte per character (the manifest's way of writing bytes that are not UTF-8).
    var latin1: [UInt8] { value.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) } }
}

/// One line of `Tests/Hostile/manifest.jsonl` (see `make-corpus.py` for the fields).
struct HostileCase: Decodable, Sendable {
    var name: String
    var surface: String
    var what: String
    var method: String?
    var path: ManifestText?
    var headers: [String: ManifestText]?
    var auth: String?
    var body: ManifestText?
    var bodyBytes: ManifestText?
    var bodyFile: String?
    var bodyGen: String?
    var multipart: String?
    var raw: ManifestText?
    var expect: String
    var message: Bool
    var slow: Bool?
    var second: Bool?

    static let folder = TestPaths.root.appendingPathComponent("Tests/Hostile")

    static func load() throws -> [HostileCase] {
        let text = try String(contentsOf: folder.appendingPathComponent("manifest.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(HostileCase.self, from: Data($0.utf8)) }
    }

    /// The bytes to send on a fresh connection.
    func bytes(port: Int, tokens: [Caller: String], generated: URL) throws -> [UInt8] {
        if let raw {
            return ManifestText(value: raw.value.replacingOccurrences(of: "{host}", with: "127.0.0.1:\(port)")).latin1
        }
        var payload: [UInt8]
        if let body { payload = Array(body.value.utf8) }
        else if let bodyBytes { payload = bodyBytes.latin1 }
        else if let bodyFile { payload = [UInt8](try Data(contentsOf: Self.folder.appendingPathComponent(bodyFile))) }
        else if let bodyGen { payload = [UInt8](try Data(contentsOf: generated.appendingPathComponent("\(bodyGen).zip"))) }
        else { payload = [] }
        var h = (headers ?? [:]).map { ($0.key, $0.value.value) }.sorted { $0.0 < $1.0 }
        if let multipart {
            let boundary = "bando-hostile-\(name)"
            payload = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(multipart)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
                + payload + Array("\r\n--\(boundary)--\r\n".utf8)
            h.append(("Content-Type", "multipart/form-data; boundary=\(boundary)"))
        }
        let bearer = try auth.map { a -> String in
            guard let caller = Caller(rawValue: a), let t = tokens[caller] else { throw TestSupportError("case \(name): no token for '\(a)'") }
            return t
        }
        return Wire.request(method ?? "GET", path?.value ?? "/", port: port, headers: h, body: payload, bearer: bearer)
    }

    /// Whether `answer` is what the case requires; nil when it is, else why not.
    func problem(with answer: WireAnswer) -> String? {
        let allowed = expect.split(separator: "|").map(String.init)
        switch answer.outcome {
        case .answered:
            let s = answer.status ?? 0
            let statusOK = allowed.contains { a in a == "4xx" ? (400..<500).contains(s) : Int(a) == s }
            if !statusOK { return "expected \(expect), got \(s)" }
            if let leak = Self.leak(in: answer.text) { return "the body leaks \(leak)" }
            if message && (400..<600).contains(s) && !Self.saysWhatWasWrong(answer.text) {
                return "the \(s) has no message saying what was wrong"
            }
            return nil
        case .closed:
            return allowed.contains("close") ? nil : "expected \(expect), the server closed the connection without answering"
        case .noAnswer:
            return "expected \(expect), no answer before the deadline"
        case .refused:
            return "the server was not listening"
        }
    }

    /// Internals a body must never show: file paths, SQL, stack traces.
    static func leak(in body: String) -> String? {
        let exact = ["/tmp", "/work", "/root", "/home/", "/var/", ".sqlite", "bando-upload-", "/vsizip/", "SELECT ", "FROM ",
                     "INSERT ", "Fatal error", "Stack dump", "Backtrace", ".swift:"]
        if let hit = exact.first(where: { body.contains($0) }) { return "'\(hit)'" }
        if body.lowercased().contains("sqlite") { return "'sqlite'" }
        return nil
    }

    /// A message a person can read: a few words, not an empty or binary body.
    static func saysWhatWasWrong(_ body: String) -> Bool {
        body.unicodeScalars.filter { CharacterSet.letters.contains($0) }.count >= 10
    }
}
