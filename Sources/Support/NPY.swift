import Foundation

/// A NumPy `.npy` array: shape plus values, held as Double (float32/float64/int/bool files all load).
///
/// The format (NEP 1): magic "\x93NUMPY", version, header length, a Python-dict header with
/// 'descr', 'fortran_order' and 'shape', then raw little-endian data in C order.
public struct NPYArray: Sendable, Equatable {
    /// Element type as written in the file.
    public enum ElementType: String, Sendable {
        case float32 = "<f4", float64 = "<f8", int32 = "<i4", int64 = "<i8", uint8 = "|u1", bool = "|b1"
        var size: Int {
            switch self {
            case .float32, .int32: return 4
            case .float64, .int64: return 8
            case .uint8, .bool: return 1
            }
        }
    }

    public var shape: [Int]
    public var values: [Double]
    public var elementType: ElementType

    public init(shape: [Int], values: [Double], elementType: ElementType = .float64) {
        precondition(shape.reduce(1, *) == values.count, "NPY shape does not match value count")
        self.shape = shape
        self.values = values
        self.elementType = elementType
    }

    /// Rows and columns of a 1-D (n → n×1) or 2-D array.
    public var rowsAndColumns: (rows: Int, columns: Int) {
        switch shape.count {
        case 0: return (1, 1)
        case 1: return (shape[0], 1)
        default: return (shape[0], shape.dropFirst().reduce(1, *))
        }
    }

    public static func read(path: String) throws -> NPYArray {
        guard FileManager.default.fileExists(atPath: path) else {
            throw UserError("file not found", at: path, expected: "an existing .npy file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw UserError("cannot read file", at: path)
        }
        return try parse(data, source: path)
    }

    public static func parse(_ data: Data, source: String) throws -> NPYArray {
        let bytes = [UInt8](data)
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw UserError("not a NumPy .npy file (bad magic bytes)", at: source, expected: "a file written by numpy.save")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else if major == 2 || major == 3 {
            guard bytes.count >= 12 else { throw UserError("truncated .npy header", at: source) }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        } else {
            throw UserError("unsupported .npy version \(major)", at: source, expected: "version 1, 2 or 3")
        }
        guard bytes.count >= headerStart + headerLength else { throw UserError("truncated .npy header", at: source) }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)

        func field(_ key: String) -> String? {
            guard let range = header.range(of: "'\(key)':") else { return nil }
            return String(header[range.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        guard let descrField = field("descr"), descrField.hasPrefix("'") else {
            throw UserError("malformed .npy header (no 'descr')", at: source)
        }
        let descr = String(descrField.dropFirst().prefix { $0 != "'" })
        if descr.hasPrefix("|O") || descr.hasPrefix("O") {
            throw UserError("the .npy file holds Python objects (a pickle), which cannot be read safely", at: source,
                            expected: "a numeric array (float32/float64); save with allow_pickle=False")
        }
        let normalized = descr.replacingOccurrences(of: "=", with: "<")
        guard let type = ElementType(rawValue: normalized == "<b1" ? "|b1" : normalized == "<u1" ? "|u1" : normalized) else {
            throw UserError("unsupported .npy element type '\(descr)'", at: source,
                            expected: "little-endian float32 ('<f4'), float64 ('<f8'), int32, int64, uint8 or bool")
        }
        if let fortran = field("fortran_order"), fortran.hasPrefix("True") {
            throw UserError("the .npy array is in Fortran order", at: source,
                            expected: "a C-ordered array (numpy.ascontiguousarray before numpy.save)")
        }
        guard let shapeField = field("shape"), shapeField.hasPrefix("("), let close = shapeField.firstIndex(of: ")") else {
            throw UserError("malformed .npy header (no 'shape')", at: source)
        }
        let shapeText = shapeField[shapeField.index(after: shapeField.startIndex)..<close]
        var shape: [Int] = []
        for part in shapeText.split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let dimension = Int(trimmed), dimension >= 0 else {
                throw UserError("malformed .npy shape '\(shapeText)'", at: source)
            }
            shape.append(dimension)
        }
        let count = shape.reduce(1, *)
        let dataStart = headerStart + headerLength
        guard bytes.count - dataStart >= count * type.size else {
            throw UserError("truncated .npy data: header says \(count) elements of \(type.size) bytes, file holds \(bytes.count - dataStart) bytes", at: source)
        }
        var values = [Double](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress!.advanced(by: dataStart)
            switch type {
            case .float32:
                for i in 0..<count { values[i] = Double(Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))) }
            case .float64:
                for i in 0..<count { values[i] = Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))) }
            case .int32:
                for i in 0..<count { values[i] = Double(Int32(littleEndian: base.loadUnaligned(fromByteOffset: i * 4, as: Int32.self))) }
            case .int64:
                for i in 0..<count { values[i] = Double(Int64(littleEndian: base.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))) }
            case .uint8, .bool:
                for i in 0..<count { values[i] = Double(base.load(fromByteOffset: i, as: UInt8.self)) }
            }
        }
        return NPYArray(shape: shape, values: values, elementType: type)
    }

    /// Serializes in format version 1.0, padding the header so data starts on a 64-byte boundary.
    public func serialized() -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(elementType.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let length = UInt16(header.utf8.count)
        out.append(UInt8(length & 0xFF)); out.append(UInt8(length >> 8))
        out.append(contentsOf: Array(header.utf8))
        var body = [UInt8]()
        body.reserveCapacity(values.count * elementType.size)
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { body.append(contentsOf: $0) } }
        for value in values {
            switch elementType {
            case .float32: append(Float(value).bitPattern)
            case .float64: append(value.bitPattern)
            case .int32: append(Int32(value))
            case .int64: append(Int64(value))
            case .uint8, .bool: body.append(UInt8(value))
            }
        }
        out.append(contentsOf: body)
        return out
    }

    public func write(path: String) throws {
        try AtomicFile.write(serialized(), to: URL(fileURLWithPath: path))
    }
}
