import Foundation
import Support

/// Byte-level helpers shared by the CSV and ARFF readers: line iteration, comma splitting with quotes,
/// and number parsing with glibc `strtod` (correctly rounded, the same result as Python's `float()`).
struct TextBuffer {
    /// File bytes followed by one NUL, so `strtod` always stops inside the buffer.
    let bytes: [UInt8]
    let count: Int

    init(_ fileBytes: [UInt8]) {
        var terminated = fileBytes
        terminated.append(0)
        bytes = terminated
        count = fileBytes.count
    }

    /// Calls `body(lineNumber, start, end)` for every line (1-based numbers; `end` excludes "\r\n"/"\n").
    /// `body` returns false to stop early.
    func forEachLine(_ body: (Int, Int, Int) throws -> Bool) rethrows {
        var lineNumber = 0
        var start = 0
        try bytes.withUnsafeBufferPointer { buffer in
            while start < count {
                lineNumber += 1
                var end = start
                while end < count && buffer[end] != 0x0A { end += 1 }
                let next = end + 1
                var trimmedEnd = end
                if trimmedEnd > start && buffer[trimmedEnd - 1] == 0x0D { trimmedEnd -= 1 }
                if try !body(lineNumber, start, trimmedEnd) { return }
                start = next
            }
        }
    }

    @inline(__always) static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    /// First non-blank position in `start..<end` (or `end`).
    func skipSpaces(_ start: Int, _ end: Int) -> Int {
        var i = start
        while i < end && TextBuffer.isSpace(bytes[i]) { i += 1 }
        return i
    }

    func string(_ start: Int, _ end: Int) -> String {
        String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// A field's content range; quoted fields exclude their quotes (escapes are kept raw; `unescaped` resolves them).
    struct Field {
        var start: Int
        var end: Int
        var quoted: Bool
    }

    /// Splits `start..<end` at `separator` outside quotes (' or " when `singleQuotes`, else only ").
    /// Unquoted fields are trimmed. Returns false for an unterminated quote.
    func split(_ start: Int, _ end: Int, separator: UInt8, singleQuotes: Bool, into fields: inout [Field]) -> Bool {
        fields.removeAll(keepingCapacity: true)
        var i = start
        while true {
            i = skipSpaces(i, end)
            if i < end && (bytes[i] == 0x22 || (singleQuotes && bytes[i] == 0x27)) {
                let quote = bytes[i]
                let contentStart = i + 1
                var j = contentStart
                var closed = false
                while j < end {
                    if bytes[j] == 0x5C && singleQuotes { j += 2; continue }  // ARFF backslash escape
                    if bytes[j] == quote {
                        if !singleQuotes && j + 1 < end && bytes[j + 1] == quote { j += 2; continue }  // CSV ""
                        closed = true
                        break
                    }
                    j += 1
                }
                guard closed else { return false }
                fields.append(Field(start: contentStart, end: j, quoted: true))
                i = skipSpaces(j + 1, end)
                if i < end && bytes[i] != separator { return false }
            } else {
                var j = i
                while j < end && bytes[j] != separator { j += 1 }
                var fieldEnd = j
                while fieldEnd > i && TextBuffer.isSpace(bytes[fieldEnd - 1]) { fieldEnd -= 1 }
                fields.append(Field(start: i, end: fieldEnd, quoted: false))
                i = j
            }
            if i >= end { return true }
            i += 1  // past the separator
            if i == end { fields.append(Field(start: end, end: end, quoted: false)); return true }
        }
    }

    /// The text of a field with CSV "" / ARFF backslash escapes resolved.
    func unescaped(_ field: Field) -> String {
        let raw = string(field.start, field.end)
        guard field.quoted else { return raw }
        if raw.contains("\\") {
            var out = ""
            var escaping = false
            for character in raw {
                if escaping { out.append(character); escaping = false } else if character == "\\" { escaping = true } else { out.append(character) }
            }
            return out
        }
        return raw.replacingOccurrences(of: "\"\"", with: "\"")
    }

    /// Parses the whole field as a number; nil if it is not one (NaN/Inf are returned and checked by callers).
    @inline(__always) func number(_ field: Field) -> Double? {
        if field.start == field.end { return nil }
        return bytes.withUnsafeBufferPointer { buffer -> Double? in
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            let begin = base + field.start
            var endPointer: UnsafeMutablePointer<CChar>? = nil
            let value = strtod(begin, &endPointer)
            guard let endPointer, UnsafePointer(endPointer) == base + field.end else { return nil }
            return value
        }
    }

    /// True when the field's bytes equal `text`.
    @inline(__always) func equals(_ field: Field, _ text: [UInt8]) -> Bool {
        guard field.end - field.start == text.count else { return false }
        for k in 0..<text.count where bytes[field.start + k] != text[k] { return false }
        return true
    }
}

/// Resolves a label field to a class index: a known class name, or an integer index into the classes.
struct LabelMatcher {
    let encoder: LabelEncoder
    let classBytes: [[UInt8]]
    let allowIntegers: Bool

    init(classNames: [String], allowIntegers: Bool) {
        encoder = LabelEncoder(classes: classNames)
        classBytes = encoder.classes.map { Array($0.utf8) }
        self.allowIntegers = allowIntegers
    }

    func index(_ field: TextBuffer.Field, in text: TextBuffer) -> Int? {
        for (k, name) in classBytes.enumerated() where text.equals(field, name) { return k }
        if allowIntegers, let value = text.number(field), value == value.rounded(), value >= 0, value < Double(classBytes.count) {
            return Int(value)
        }
        return nil
    }
}

/// Builds rows while counting bad ones; shared by CSV and ARFF.
struct RowCollector {
    var features: [Double] = []
    var labels: [Int32] = []
    var report = BadRowReport()
    var scratch: [Double]

    init(width: Int, expectedRows: Int) {
        scratch = [Double](repeating: 0, count: width)
        features.reserveCapacity(expectedRows * width)
        labels.reserveCapacity(expectedRows)
    }
}
