// The `.npy` header dictionary, e.g. `{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }`:
// a strict parser for the small Python-literal subset NumPy writes, and the encoder NumPy itself uses.

/// The three header fields of a `.npy` file.
struct NPYHeader: Equatable {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    /// NumPy reserves this many digits for the growth axis so headers can be rewritten in place.
    private static let growthAxisMaxDigits = 21

    /// The header text exactly as `numpy.lib.format` writes it, before the alignment padding and newline:
    /// keys sorted, `repr` values, a trailing `, }`, then spare spaces for the first axis to grow.
    func encoded() -> String {
        let order = fortranOrder ? "True" : "False"
        var text = "{'descr': '\(descr)', 'fortran_order': \(order), 'shape': \(NumPyError.shapeString(shape)), }"
        if let growthExtent = fortranOrder ? shape.last : shape.first {
            text += String(repeating: " ", count: max(0, Self.growthAxisMaxDigits - String(growthExtent).count))
        }
        return text
    }

    /// Parses header bytes: one dict literal with exactly the keys `descr` (a string, or any literal for the
    /// structured dtypes reported as unsupported later), `fortran_order` (a bool) and `shape` (a tuple of
    /// non-negative ints), surrounded by whitespace only. Throws `malformedHeader` without a location.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws -> (header: NPYHeader, descrIsString: Bool) {
        var parser = LiteralParser(bytes: bytes)
        let value = try parser.parseTopLevel()
        guard case .dict(let entries) = value else { throw malformed("header is not a dict literal") }

        var fields: [String: (value: Literal, text: String)] = [:]
        for (key, entry) in entries {
            guard fields[key] == nil else { throw malformed("duplicate key '\(key)'") }
            fields[key] = entry
        }
        let expected: Set = ["descr", "fortran_order", "shape"]
        guard Set(fields.keys) == expected else {
            let keys = fields.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
            throw malformed("keys must be 'descr', 'fortran_order', 'shape'; found \(keys.isEmpty ? "none" : keys)")
        }

        guard case .bool(let fortranOrder) = fields["fortran_order"]!.value else {
            throw malformed("'fortran_order' must be True or False, found \(fields["fortran_order"]!.text)")
        }
        let shapeField = fields["shape"]!
        guard case .tuple(let items) = shapeField.value else {
            throw malformed("'shape' must be a tuple of ints, found \(shapeField.text)")
        }
        var shape: [Int] = []
        shape.reserveCapacity(items.count)
        for item in items {
            guard case .int(let extent) = item, extent >= 0 else {
                throw malformed("'shape' must be a tuple of non-negative ints, found \(shapeField.text)")
            }
            shape.append(extent)
        }
        let descrField = fields["descr"]!
        if case .string(let descr) = descrField.value {
            return (NPYHeader(descr: descr, fortranOrder: fortranOrder, shape: shape), true)
        }
        return (NPYHeader(descr: descrField.text, fortranOrder: fortranOrder, shape: shape), false)
    }

    static func malformed(_ why: String) -> NumPyError {
        NumPyError(.malformedHeader(why))
    }
}

/// A parsed Python literal.
private indirect enum Literal {
    case string(String)
    case int(Int)
    case bool(Bool)
    case none
    case tuple([Literal])
    case list([Literal])
    case dict([(String, (value: Literal, text: String))])
}

/// A recursive-descent parser for Python literals: strings, ints, True/False/None, tuples, lists, dicts.
private struct LiteralParser {
    let bytes: UnsafeRawBufferPointer
    var position = 0
    var depth = 0

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    mutating func parseTopLevel() throws -> Literal {
        let value = try parseValue()
        skipWhitespace()
        guard position == bytes.count else { throw error("unexpected \(describeNext()) after the dict") }
        return value
    }

    private func error(_ why: String) -> NumPyError {
        NPYHeader.malformed("\(why) at byte \(position) of the header")
    }

    private func describeNext() -> String {
        guard position < bytes.count else { return "end of header" }
        let byte = bytes[position]
        guard (0x21...0x7e).contains(byte) else { return "byte 0x\(String(byte, radix: 16))" }
        return "'\(Character(Unicode.Scalar(byte)))'"
    }

    private mutating func skipWhitespace() {
        while position < bytes.count, [0x20, 0x09, 0x0a, 0x0d].contains(bytes[position]) { position += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == byte else {
            throw error("expected '\(Character(Unicode.Scalar(byte)))', found \(describeNext())")
        }
        position += 1
    }

    /// Consumes `byte` (after whitespace) if it is next.
    private mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    private mutating func parseValue() throws -> Literal {
        skipWhitespace()
        guard position < bytes.count else { throw error("unexpected end of header") }
        depth += 1
        defer { depth -= 1 }
        guard depth <= 32 else { throw error("literal nested too deeply") }
        switch bytes[position] {
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .int(try parseInt())
        case UInt8(ascii: "("):
            position += 1
            let (items, trailingComma) = try parseItems(closing: UInt8(ascii: ")"))
            // `(x)` is just x in Python; only `(x,)` is a one-element tuple.
            return items.count == 1 && !trailingComma ? items[0] : .tuple(items)
        case UInt8(ascii: "["):
            position += 1
            return .list(try parseItems(closing: UInt8(ascii: "]")).items)
        case UInt8(ascii: "{"):
            position += 1
            return try parseDict()
        default:
            if consumeWord("True") { return .bool(true) }
            if consumeWord("False") { return .bool(false) }
            if consumeWord("None") { return .none }
            throw error("unexpected \(describeNext())")
        }
    }

    private mutating func consumeWord(_ word: String) -> Bool {
        let utf8 = Array(word.utf8)
        guard position + utf8.count <= bytes.count,
            zip(utf8, bytes[position..<position + utf8.count]).allSatisfy({ $0 == $1 })
        else { return false }
        let end = position + utf8.count
        if end < bytes.count {
            let next = bytes[end]
            if next == UInt8(ascii: "_") || (0x30...0x39).contains(next) || (0x41...0x5a).contains(next)
                || (0x61...0x7a).contains(next)
            {
                return false
            }
        }
        position = end
        return true
    }

    private mutating func parseString() throws -> String {
        let quote = bytes[position]
        position += 1
        var content: [UInt8] = []
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if byte == quote { return String(decoding: content, as: UTF8.self) }
            if byte == 0x0a { break }
            if byte == UInt8(ascii: "\\") {
                guard position < bytes.count else { break }
                content.append(bytes[position])
                position += 1
            } else {
                content.append(byte)
            }
        }
        throw error("unterminated string")
    }

    private mutating func parseInt() throws -> Int {
        let start = position
        var negative = false
        if bytes[position] == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        var value = 0
        var digits = 0
        while position < bytes.count, (0x30...0x39).contains(bytes[position]) {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(bytes[position] - 0x30))
            guard !o1, !o2 else {
                position = start
                throw error("integer too large")
            }
            value = sum
            digits += 1
            position += 1
        }
        guard digits > 0 else { throw error("expected digits") }
        if position < bytes.count, bytes[position] == UInt8(ascii: "L") { position += 1 }  // Python 2 long
        return negative ? -value : value
    }

    /// Parses `item, item, …` up to `closing` (whose opener was consumed); reports a trailing comma.
    private mutating func parseItems(closing: UInt8) throws -> (items: [Literal], trailingComma: Bool) {
        var items: [Literal] = []
        var trailingComma = false
        while !consume(closing) {
            if !items.isEmpty && !trailingComma {
                throw error("expected ',' or '\(Character(Unicode.Scalar(closing)))', found \(describeNext())")
            }
            items.append(try parseValue())
            trailingComma = consume(UInt8(ascii: ","))
        }
        return (items, trailingComma)
    }

    private mutating func parseDict() throws -> Literal {
        var entries: [(String, (value: Literal, text: String))] = []
        var separated = true
        while !consume(UInt8(ascii: "}")) {
            guard separated else { throw error("expected ',' or '}', found \(describeNext())") }
            skipWhitespace()
            guard case .string(let key) = try parseValue() else { throw error("dict keys must be strings") }
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            let start = position
            let value = try parseValue()
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            entries.append((key, (value, text)))
            separated = consume(UInt8(ascii: ","))
        }
        return .dict(entries)
    }
}
