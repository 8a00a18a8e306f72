import PublicErrors

/// Tokens of CQL2 text (and of the WKT inside it), with their 1-based character position.
struct CQL2Token: Hashable {
    enum Kind: Hashable {
        case word(String)            // identifier or keyword, as written
        case quotedIdentifier(String) // "a property"
        case string(String)          // 'a literal', '' unescaped
        case number(String)
        case symbol(String)          // ( ) , = <> < <= > >=
        case end
    }
    var kind: Kind
    var position: Int

    /// The token as an error message names it ("found 'OR'", "found the end of the filter").
    var describe: SafeMessage {
        switch kind {
        case .word(let w): SafeMessage("cql2.token.quoted", ["token": w])
        case .quotedIdentifier(let w): SafeMessage("cql2.token.doubleQuoted", ["token": w])
        case .string(let s): SafeMessage("cql2.token.quoted", ["token": s])
        case .number(let n): SafeMessage("cql2.token.plain", ["token": n])
        case .symbol(let s): SafeMessage("cql2.token.quoted", ["token": s])
        case .end: SafeMessage("cql2.token.end")
        }
    }

    /// The word in upper case when the token is a word (keywords are case-insensitive).
    var keyword: String? { if case .word(let w) = kind { w.uppercased() } else { nil } }
}

enum CQL2Lexer {
    static func tokens(_ text: String) throws(CQL2SyntaxError) -> [CQL2Token] {
        let chars = Array(text.unicodeScalars)
        var out: [CQL2Token] = []
        var i = 0
        func isWordStart(_ c: Unicode.Scalar) -> Bool { c.properties.isAlphabetic || c == "_" }
        func isWordPart(_ c: Unicode.Scalar) -> Bool {
            c.properties.isAlphabetic || c == "_" || c == ":" || c == "." || ("0"..."9").contains(c)
        }
        func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }
        while i < chars.count {
            let c = chars[i]
            let pos = i + 1
            if c.properties.isWhitespace { i += 1; continue }
            if isWordStart(c) {
                var j = i
                while j < chars.count, isWordPart(chars[j]) { j += 1 }
                out.append(CQL2Token(kind: .word(String(String.UnicodeScalarView(chars[i..<j]))), position: pos))
                i = j
            } else if isDigit(c) || ((c == "-" || c == "+" || c == ".") && i + 1 < chars.count && (isDigit(chars[i + 1]) || chars[i + 1] == ".")) {
                var j = i + 1
                while j < chars.count, isDigit(chars[j]) || chars[j] == "." { j += 1 }
                if j < chars.count, chars[j] == "e" || chars[j] == "E" {
                    var k = j + 1
                    if k < chars.count, chars[k] == "-" || chars[k] == "+" { k += 1 }
                    if k < chars.count, isDigit(chars[k]) {
                        j = k
                        while j < chars.count, isDigit(chars[j]) { j += 1 }
                    }
                }
                let literal = String(String.UnicodeScalarView(chars[i..<j]))
                guard Double(literal) != nil else { throw CQL2SyntaxError(SafeMessage("cql2.notANumber", ["value": literal]), position: pos) }
                out.append(CQL2Token(kind: .number(literal), position: pos))
                i = j
            } else if c == "'" || c == "\"" {
                var value = String.UnicodeScalarView()
                var j = i + 1
                var closed = false
                while j < chars.count {
                    if chars[j] == c {
                        if j + 1 < chars.count, chars[j + 1] == c { value.append(c); j += 2; continue }
                        closed = true; j += 1; break
                    }
                    value.append(chars[j]); j += 1
                }
                guard closed else {
                    throw CQL2SyntaxError(SafeMessage(c == "'" ? "cql2.unclosedText" : "cql2.unclosedName"), position: pos)
                }
                out.append(CQL2Token(kind: c == "'" ? .string(String(value)) : .quotedIdentifier(String(value)), position: pos))
                i = j
            } else if c == "<" || c == ">" {
                if i + 1 < chars.count, chars[i + 1] == "=" || (c == "<" && chars[i + 1] == ">") {
                    out.append(CQL2Token(kind: .symbol(String(c) + String(chars[i + 1])), position: pos)); i += 2
                } else {
                    out.append(CQL2Token(kind: .symbol(String(c)), position: pos)); i += 1
                }
            } else if c == "!" , i + 1 < chars.count, chars[i + 1] == "=" {
                throw CQL2SyntaxError(SafeMessage("cql2.notEqual"), position: pos)
            } else if "(),=".unicodeScalars.contains(c) {
                out.append(CQL2Token(kind: .symbol(String(c)), position: pos)); i += 1
            } else {
                throw CQL2SyntaxError(SafeMessage("cql2.unexpectedCharacter", ["character": String(c)]), position: pos)
            }
        }
        out.append(CQL2Token(kind: .end, position: chars.count + 1))
        return out
    }
}
