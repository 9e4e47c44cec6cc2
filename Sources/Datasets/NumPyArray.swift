import Foundation
import Support

/// A NumPy `.npy` array with numeric or fixed-width string elements.
///
/// `Support.NPYArray` covers numbers only; the tutorial's `classes.npy` is a '<U1' unicode array
/// (UTF-32LE code units, NUL-padded to the declared width), so the dataset readers use this type.
public struct NumPyArray: Sendable, Equatable {
    public enum Values: Sendable, Equatable {
        case numbers([Double])
        case strings([String])
    }

    public var shape: [Int]
    /// The dtype as written (`<f4`, `<f8`, `<i8`, `<U1`, `|S5`, ...).
    public var descr: String
    public var values: Values

    public init(shape: [Int], descr: String, values: Values) {
        self.shape = shape
        self.descr = descr
        self.values = values
    }

    public static func float64(_ values: [Double], shape: [Int]) -> NumPyArray { NumPyArray(shape: shape, descr: "<f8", values: .numbers(values)) }
    public static func float32(_ values: [Double], shape: [Int]) -> NumPyArray { NumPyArray(shape: shape, descr: "<f4", values: .numbers(values)) }
    public static func int64(_ values: [Double], shape: [Int]) -> NumPyArray { NumPyArray(shape: shape, descr: "<i8", values: .numbers(values)) }
    /// A 1-D unicode array; the width is the longest string (numpy's choice for `np.array([...])`).
    public static func unicode(_ strings: [String]) -> NumPyArray {
        let width = max(1, strings.map { $0.unicodeScalars.count }.max() ?? 1)
        return NumPyArray(shape: [strings.count], descr: "<U\(width)", values: .strings(strings))
    }

    public var numbers: [Double]? { if case .numbers(let v) = values { return v }; return nil }
    public var strings: [String]? { if case .strings(let v) = values { return v }; return nil }
    public var elementCount: Int { shape.reduce(1, *) }

    public static func read(path: String) throws -> NumPyArray {
        guard FileManager.default.fileExists(atPath: path) else { throw UserError("file not found", at: path, expected: "an existing .npy file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw UserError("cannot read file", at: path) }
        if data.isEmpty { throw UserError("dataset file is empty", at: path) }
        return try data.withUnsafeBytes { try parse($0, source: path) }
    }

    /// Parses a complete .npy image (format versions 1–3).
    public static func parse(_ bytes: UnsafeRawBufferPointer, source: String) throws -> NumPyArray {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10, (0..<6).allSatisfy({ bytes[$0] == magic[$0] }) else {
            throw UserError("not a NumPy .npy file (bad magic bytes)", at: source, expected: "a file written by numpy.save")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1: headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw UserError("truncated .npy header", at: source) }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24; headerStart = 12
        default: throw UserError("unsupported .npy format version \(major)", at: source, expected: "version 1, 2 or 3")
        }
        guard bytes.count >= headerStart + headerLength else { throw UserError("truncated .npy header", at: source) }
        let header = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[headerStart..<(headerStart + headerLength)]), as: UTF8.self)

        func field(_ key: String) -> Substring? {
            for quote in ["'", "\""] {
                if let range = header.range(of: "\(quote)\(key)\(quote)") {
                    var rest = header[range.upperBound...].drop { $0 == " " }
                    guard rest.first == ":" else { return nil }
                    rest = rest.dropFirst().drop { $0 == " " }
                    return rest
                }
            }
            return nil
        }
        guard let descrField = field("descr"), let quote = descrField.first, quote == "'" || quote == "\"" else {
            if field("descr")?.first == "[" {
                throw UserError("the .npy file holds a structured (record) array", at: source, expected: "a plain numeric or string array")
            }
            throw UserError("malformed .npy header (no 'descr')", at: source)
        }
        let descr = String(descrField.dropFirst().prefix { $0 != quote })
        if descr.contains("O") {
            throw UserError("the .npy file holds Python objects (a pickle), which are not read for safety", at: source,
                            expected: "a numeric or fixed-width string array; save with allow_pickle=False (e.g. classes.astype('U'))")
        }
        if let fortran = field("fortran_order"), fortran.hasPrefix("True") {
            throw UserError("the .npy array is in Fortran order", at: source, expected: "a C-ordered array (numpy.ascontiguousarray before numpy.save)")
        }
        guard let shapeField = field("shape"), shapeField.first == "(", let close = shapeField.firstIndex(of: ")") else {
            throw UserError("malformed .npy header (no 'shape')", at: source)
        }
        var shape: [Int] = []
        for part in shapeField[shapeField.index(after: shapeField.startIndex)..<close].split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let dimension = Int(trimmed.hasSuffix("L") ? String(trimmed.dropLast()) : trimmed), dimension >= 0 else {
                throw UserError("malformed .npy shape", at: source)
            }
            shape.append(dimension)
        }
        let count = shape.reduce(1, *)
        let dataStart = headerStart + headerLength
        let available = bytes.count - dataStart

        let order = descr.first ?? "<"
        let kind = descr.dropFirst(order == "<" || order == ">" || order == "|" || order == "=" ? 1 : 0)
        guard let typeCode = kind.first, let size = Int(kind.dropFirst()), size > 0 else {
            throw UserError("unsupported .npy element type '\(descr)'", at: source)
        }
        if order == ">" && size > 1 && typeCode != "S" {
            throw UserError("the .npy array is big-endian ('\(descr)')", at: source, expected: "little-endian data (numpy's default on x86/ARM)")
        }
        let elementSize = typeCode == "U" ? 4 * size : size
        guard available >= count * elementSize else {
            throw UserError("truncated .npy data: \(count) elements of \(elementSize) bytes declared, \(available) bytes present", at: source)
        }
        let base = bytes.baseAddress!.advanced(by: dataStart)
        switch (typeCode, size) {
        case ("f", 4):
            return NumPyArray(shape: shape, descr: descr, values: .numbers((0..<count).map {
                Double(Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))) }))
        case ("f", 8):
            return NumPyArray(shape: shape, descr: descr, values: .numbers((0..<count).map {
                Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }))
        case ("i", 1): return NumPyArray(shape: shape, descr: descr, values: .numbers((0..<count).map { Double(base.load(fromByteOffset: $0, as: Int8.self)) }))
        case ("u", 1), ("b", 1): return NumPyArray(shape: shape, descr: descr, values: .numbers((0..<count).map { Double(base.load(fromByteOffset: $0, as: UInt8.self)) }))
        case ("i", 2): return NumPyArray(shape: shape, descr: descr, values: .numbers((0..<count).map { Double(Int16(littleEndian: base.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self))) }))
        case ("i", 4): return NumPyArray(shape: shape, descr: descr, values: .numbers((0..<count).map { Double(Int32(littleEndian: base.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) }))
        case ("i", 8): return NumPyArray(shape: shape, descr: descr, values: .numbers((0..<count).map { Double(Int64(littleEndian: base.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self))) }))
        case ("u", 4): return NumPyArray(shape: shape, descr: descr, values: .numbers((0..<count).map { Double(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }))
        case ("u", 8): return NumPyArray(shape: shape, descr: descr, values: .numbers((0..<count).map { Double(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }))
        case ("U", _):
            var strings: [String] = []
            strings.reserveCapacity(count)
            for i in 0..<count {
                var scalars = String.UnicodeScalarView()
                for k in 0..<size {
                    let code = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: (i * size + k) * 4, as: UInt32.self))
                    if code == 0 { break }
                    guard let scalar = Unicode.Scalar(code) else { throw UserError("invalid unicode code point in '\(descr)' array", at: source) }
                    scalars.append(scalar)
                }
                strings.append(String(scalars))
            }
            return NumPyArray(shape: shape, descr: descr, values: .strings(strings))
        case ("S", _):
            let strings = (0..<count).map { i -> String in
                let raw = UnsafeRawBufferPointer(start: base.advanced(by: i * size), count: size)
                return String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            return NumPyArray(shape: shape, descr: descr, values: .strings(strings))
        default:
            throw UserError("unsupported .npy element type '\(descr)'", at: source,
                            expected: "float32/float64, integers, bool, or unicode/bytes strings")
        }
    }

    /// The .npy image, format 1.0, header padded so the data starts on a 64-byte boundary (as numpy does).
    public func serialized() -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0]
        let length = header.utf8.count
        out.append(UInt8(length & 0xFF)); out.append(UInt8(length >> 8))
        out.append(contentsOf: header.utf8)
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) } }
        switch values {
        case .numbers(let numbers):
            switch descr {
            case "<f4": out.reserveCapacity(out.count + numbers.count * 4); for v in numbers { append(Float(v).bitPattern) }
            case "<f8": out.reserveCapacity(out.count + numbers.count * 8); for v in numbers { append(v.bitPattern) }
            case "<i4": for v in numbers { append(Int32(v)) }
            case "<i8": for v in numbers { append(Int64(v)) }
            case "|u1", "|b1": for v in numbers { out.append(UInt8(v)) }
            default: preconditionFailure("cannot serialize numbers as \(descr)")
            }
        case .strings(let strings):
            let width = Int(descr.dropFirst(2)) ?? 1
            for string in strings {
                let scalars = Array(string.unicodeScalars.prefix(width))
                for scalar in scalars { append(scalar.value) }
                for _ in scalars.count..<width { append(UInt32(0)) }
            }
        }
        return out
    }
}
