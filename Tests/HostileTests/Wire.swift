import Foundation

/// What came back on one connection for one request.
struct WireAnswer: Sendable {
    enum Outcome: Sendable, Equatable {
        /// A whole response was read.
        case answered
        /// The server closed the connection without a (whole) response.
        case closed
        /// Nothing (or only part of a response) arrived before the deadline.
        case noAnswer
        /// The server was not listening.
        case refused
    }
    var outcome: Outcome
    var status: Int?
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []
    /// What was received, whole or not (for reports).
    var received: Int = 0

    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }

    /// `200 application/json {"code":…` or `closed` / `no answer`, for failure reports.
    var summary: String {
        switch outcome {
        case .answered:
            let excerpt = text.prefix(240).replacingOccurrences(of: "\n", with: "⏎").replacingOccurrences(of: "\r", with: "")
            return "\(status ?? 0) \(excerpt.isEmpty ? "(empty body)" : excerpt)\(text.count > 240 ? "…" : "")"
        case .closed: return "closed without an answer (\(received) bytes received)"
        case .noAnswer: return "no answer before the deadline (\(received) bytes received)"
        case .refused: return "connection refused: the server is not listening"
        }
    }
}

/// A plain HTTP/1.1 client over a POSIX socket that sends exactly the bytes it is given (so it
/// can send what URLSession and curl refuse to), reads until it has `responses` whole
/// responses, the connection closes, or the deadline passes. Never throws: every way a
/// server can fail to answer is an outcome.
enum Wire {
    static func exchange(port: Int, _ bytes: [UInt8], deadline seconds: Double, responses: Int = 1) -> [WireAnswer] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return [WireAnswer(outcome: .refused)] }
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let end = Date().addingTimeInterval(seconds)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 && errno != EINPROGRESS { return [WireAnswer(outcome: .refused)] }
        var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard poll(&p, 1, 5_000) == 1 else { return [WireAnswer(outcome: .refused)] }
        var soError: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
        if soError != 0 { return [WireAnswer(outcome: .refused)] }

        // The answer to HEAD has a Content-Length and no body.
        let isHead = bytes.starts(with: Array("HEAD ".utf8))
        var sent = 0
        var buffer: [UInt8] = []
        var parsed: [WireAnswer] = []
        var eof = false
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while Date() < end {
            var p = pollfd(fd: fd, events: Int16(POLLIN) | (sent < bytes.count ? Int16(POLLOUT) : 0), revents: 0)
            let wait = Int32(max(1, min(200, end.timeIntervalSinceNow * 1000)))
            guard poll(&p, 1, wait) >= 0 else { break }
            if p.revents & Int16(POLLOUT) != 0, sent < bytes.count {
                let n = bytes.withUnsafeBytes { raw in
                    send(fd, raw.baseAddress! + sent, min(bytes.count - sent, 65_536), Int32(MSG_NOSIGNAL))
                }
                // The server may answer and close before taking the whole body (a 413): stop sending, keep reading.
                if n > 0 { sent += n } else if errno != EAGAIN && errno != EWOULDBLOCK { sent = bytes.count }
            }
            if p.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                let n = recv(fd, &chunk, chunk.count, 0)
                if n > 0 {
                    buffer.append(contentsOf: chunk[0..<n])
                } else if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                    eof = true
                }
            }
            while parsed.count < responses, let (answer, used) = parse(buffer, eof: eof, head: isHead) {
                buffer.removeFirst(used)
                if let s = answer.status, (100..<200).contains(s) { continue } // 100 Continue
                parsed.append(answer)
            }
            if parsed.count >= responses || eof { break }
        }
        let received = buffer.count
        if parsed.count < responses {
            parsed.append(WireAnswer(outcome: eof ? .closed : .noAnswer, received: received))
        }
        return parsed
    }

    /// One whole response at the start of `buffer` and the bytes it took, or nil if more are needed.
    static func parse(_ buffer: [UInt8], eof: Bool, head isHead: Bool = false) -> (WireAnswer, Int)? {
        guard let headEnd = find([13, 10, 13, 10], in: buffer, from: 0) else { return nil }
        let head = String(decoding: buffer[0..<headEnd], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/"), let status = Int(statusLine[1]) else {
            return eof ? (WireAnswer(outcome: .closed, received: buffer.count), buffer.count) : nil
        }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let c = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<c]), line[line.index(after: c)...].trimmingCharacters(in: .whitespaces))
        }
        var answer = WireAnswer(outcome: .answered, status: status, headers: headers, received: buffer.count)
        let start = headEnd + 4
        if isHead || (100..<200).contains(status) || status == 204 || status == 304 { return (answer, start) }
        if answer.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            var i = start
            var body: [UInt8] = []
            while true {
                guard let lineEnd = find([13, 10], in: buffer, from: i) else { return nil }
                let sizeText = String(decoding: buffer[i..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
                guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                    return (WireAnswer(outcome: .closed, received: buffer.count), buffer.count)
                }
                i = lineEnd + 2
                if size == 0 {
                    guard let trailerEnd = find([13, 10], in: buffer, from: i) else { return nil }
                    answer.body = body
                    return (answer, trailerEnd + 2)
                }
                guard buffer.count >= i + size + 2 else { return nil }
                body.append(contentsOf: buffer[i..<(i + size)])
                i += size + 2
            }
        }
        if let cl = answer.header("Content-Length").flatMap({ Int($0) }) {
            guard buffer.count >= start + cl else { return nil }
            answer.body = Array(buffer[start..<(start + cl)])
            return (answer, start + cl)
        }
        // No length: the body runs to the end of the connection.
        guard eof else { return nil }
        answer.body = Array(buffer[start...])
        return (answer, buffer.count)
    }

    static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard hay.count >= needle.count, from <= hay.count - needle.count else { return nil }
        var i = from
        while i <= hay.count - needle.count {
            if hay[i] == needle[0] && hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    /// An ordinary request as bytes: `Connection: close`, the body's length unless `headers` set one.
    static func request(_ method: String, _ target: String, port: Int, headers: [(String, String)] = [],
                        body: [UInt8] = [], bearer: String? = nil) -> [UInt8] {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if let bearer { head += "Authorization: Bearer \(bearer)\r\n" }
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if !headers.contains(where: { $0.0.lowercased() == "content-length" }), !body.isEmpty || ["POST", "PUT", "PATCH"].contains(method) {
            head += "Content-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        return Array(head.utf8) + body
    }
}
