// A small Swift layer over libhdf5: files, groups, numeric datasets, attributes (numbers and the
// string layouts Keras/h5py write) and named columns of compound datasets.
//
// Objects are addressed by path ("/model_weights/fc1/fc1/kernel:0"); every call opens what it
// needs and closes it again, so no HDF5 handle outlives a call except the file's own.
// libhdf5 (serial build) is not thread-safe: every call holds one process-wide lock.
import CHDF5
import Foundation
import Support

/// One process-wide lock around libhdf5 (recursive: public calls may nest).
private let libraryLock = NSRecursiveLock()

/// Turns libhdf5's stderr error printing off once; failures become `UserError`s instead.
private let errorPrintingSilenced: Bool = {
    hs_silence_errors()
    return true
}()

private func locked<T>(_ body: () throws -> T) rethrows -> T {
    libraryLock.lock()
    defer { libraryLock.unlock() }
    _ = errorPrintingSilenced
    return try body()
}

/// libhdf5's own explanation of the last failure (innermost first), for error messages.
private func libraryMessage() -> String {
    var buffer = [CChar](repeating: 0, count: 1024)
    hs_last_error(&buffer)
    return decodeCString(buffer)
}

/// A NUL-terminated C buffer as a Swift string (UTF-8).
private func decodeCString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// An attribute value in the forms Keras and h5py use.
public enum HDF5AttributeValue: Equatable, Sendable {
    /// A scalar string (fixed- or variable-length), e.g. `model_config`, `keras_version`.
    case string(String)
    /// A 1-D array of strings, e.g. `layer_names`, `weight_names`.
    case strings([String])
    /// Floating-point numbers (scalar = one element).
    case numbers([Double])
    /// Integers (scalar = one element).
    case integers([Int64])
}

/// A numeric dataset read into memory (C order).
public struct HDF5Array: Equatable, Sendable {
    public var shape: [Int]
    public var values: [Double]

    public init(shape: [Int], values: [Double]) {
        self.shape = shape
        self.values = values
    }
}

/// Element type of a compound field or a written dataset.
public enum HDF5ScalarType: Sendable, Equatable {
    case float32, float64, int32, int64
}

/// What a path names inside a file.
public enum HDF5ObjectKind: Sendable, Equatable {
    case group, dataset, other
}

/// An open HDF5 file. The handle closes when the object is released (or on `close()`).
public final class HDF5File: @unchecked Sendable {
    /// The file's path on disk (used in error messages).
    public let path: String
    private var id: hid_t

    private init(path: String, id: hid_t) {
        self.path = path
        self.id = id
    }

    deinit { close() }

    /// Closes the file now (idempotent). Later calls on this object fail with a `UserError`.
    public func close() {
        locked {
            if id >= 0 { H5Fclose(id) }
            id = -1
        }
    }

    /// Opens an existing file. Errors: missing file, not an HDF5 file, truncated/corrupt file.
    public static func open(path: String, writable: Bool = false) throws -> HDF5File {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw UserError("file not found", at: path, expected: "an existing HDF5 (.h5) file")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw UserError("file is not readable (permissions)", at: path)
        }
        return try locked {
            let signature = H5Fis_hdf5(path)
            if signature <= 0 {
                _ = libraryMessage()
                throw UserError("not an HDF5 file (no HDF5 signature)", at: path,
                                expected: "an HDF5 file such as a Keras .h5 model or weights file")
            }
            let id = H5Fopen(path, writable ? hs_acc_rdwr() : hs_acc_rdonly(), hs_file_access_default())
            if id < 0 {
                let message = libraryMessage()
                let hint = message.contains("truncated") ? "truncated HDF5 file" : "cannot open HDF5 file"
                throw UserError("\(hint) (libhdf5: \(message))", at: path,
                                expected: "a complete, uncorrupted HDF5 file (was it copied or downloaded completely?)")
            }
            return HDF5File(path: path, id: id)
        }
    }

    /// Creates (or truncates) a file for writing.
    public static func create(path: String) throws -> HDF5File {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        return try locked {
            let access = hs_file_access_v18()
            defer { if access >= 0 { H5Pclose(access) } }
            let id = H5Fcreate(path, hs_acc_trunc(), hs_file_access_default(), access >= 0 ? access : hs_file_access_default())
            if id < 0 {
                throw UserError("cannot create HDF5 file (libhdf5: \(libraryMessage()))", at: path,
                                expected: "a writable location")
            }
            return HDF5File(path: path, id: id)
        }
    }

    // MARK: - Paths and structure

    private func location(_ object: String) -> String { "\(path):\(normalized(object))" }

    private func normalized(_ object: String) -> String {
        object.hasPrefix("/") ? object : "/" + object
    }

    private func checkOpen() throws {
        if id < 0 { throw UserError("HDF5 file already closed", at: path) }
    }

    /// True when every component of `object` exists (the root always does).
    public func exists(_ object: String) -> Bool {
        locked {
            guard id >= 0 else { return false }
            var current = ""
            for component in normalized(object).split(separator: "/") {
                current += "/" + component
                if H5Lexists(id, current, hs_file_access_default()) <= 0 {
                    _ = libraryMessage()
                    return false
                }
                // Intermediate components must be groups for the next lookup to make sense.
                if current != normalized(object), H5Oexists_by_name(id, current, hs_file_access_default()) <= 0 {
                    _ = libraryMessage()
                    return false
                }
            }
            return true
        }
    }

    /// Whether `object` is a group or a dataset (nil when absent).
    public func kind(of object: String) -> HDF5ObjectKind? {
        locked {
            guard exists(object) else { return nil }
            let handle = H5Oopen(id, normalized(object), hs_file_access_default())
            guard handle >= 0 else { _ = libraryMessage(); return nil }
            defer { H5Oclose(handle) }
            switch H5Iget_type(handle) {
            case H5I_GROUP: return .group
            case H5I_DATASET: return .dataset
            default: return .other
            }
        }
    }

    private func open(_ object: String, as expected: HDF5ObjectKind) throws -> hid_t {
        try checkOpen()
        guard exists(object) else {
            throw UserError("no \(expected == .group ? "group" : "dataset") '\(normalized(object))' in the file", at: path)
        }
        let handle: hid_t
        switch expected {
        case .group: handle = H5Gopen2(id, normalized(object), hs_file_access_default())
        case .dataset: handle = H5Dopen2(id, normalized(object), hs_file_access_default())
        case .other: handle = H5Oopen(id, normalized(object), hs_file_access_default())
        }
        if handle < 0 {
            throw UserError("'\(normalized(object))' is not a \(expected == .group ? "group" : "dataset") (libhdf5: \(libraryMessage()))",
                            at: path)
        }
        return handle
    }

    /// Names of the direct members of a group, in name order.
    public func members(of group: String = "/") throws -> [String] {
        try locked {
            let handle = try open(group, as: .group)
            defer { H5Gclose(handle) }
            var info = H5G_info_t()
            guard H5Gget_info(handle, &info) >= 0 else {
                throw UserError("cannot list group (libhdf5: \(libraryMessage()))", at: location(group))
            }
            var names: [String] = []
            for index in 0..<info.nlinks {
                let length = H5Lget_name_by_idx(handle, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, hs_file_access_default())
                guard length >= 0 else { throw UserError("cannot read member name (libhdf5: \(libraryMessage()))", at: location(group)) }
                var buffer = [CChar](repeating: 0, count: Int(length) + 1)
                H5Lget_name_by_idx(handle, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, Int(length) + 1, hs_file_access_default())
                names.append(decodeCString(buffer))
            }
            return names
        }
    }

    /// Creates a group and any missing parents (no error when it already exists).
    public func createGroup(_ group: String) throws {
        try locked {
            try checkOpen()
            var current = ""
            for component in normalized(group).split(separator: "/") {
                current += "/" + component
                if exists(current) { continue }
                let handle = H5Gcreate2(id, current, hs_file_access_default(), hs_file_access_default(), hs_file_access_default())
                guard handle >= 0 else {
                    throw UserError("cannot create group (libhdf5: \(libraryMessage()))", at: location(current))
                }
                H5Gclose(handle)
            }
        }
    }

    // MARK: - Numeric datasets

    private func shape(ofSpace space: hid_t) -> [Int] {
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank > 0 else { return [] }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        H5Sget_simple_extent_dims(space, &dims, nil)
        return dims.map { Int($0) }
    }

    /// Shape of a dataset ([] for a scalar).
    public func datasetShape(_ dataset: String) throws -> [Int] {
        try locked {
            let handle = try open(dataset, as: .dataset)
            defer { H5Dclose(handle) }
            let space = H5Dget_space(handle)
            defer { H5Sclose(space) }
            return shape(ofSpace: space)
        }
    }

    private func readNumeric<T>(_ dataset: String, memoryType: hid_t, zero: T) throws -> (shape: [Int], values: [T]) {
        try locked {
            let handle = try open(dataset, as: .dataset)
            defer { H5Dclose(handle) }
            let type = H5Dget_type(handle)
            defer { H5Tclose(type) }
            let typeClass = H5Tget_class(type)
            guard typeClass == H5T_FLOAT || typeClass == H5T_INTEGER else {
                throw UserError("dataset is not numeric (HDF5 class \(typeClass.rawValue))", at: location(dataset),
                                expected: "a float or integer dataset")
            }
            let space = H5Dget_space(handle)
            defer { H5Sclose(space) }
            let dims = shape(ofSpace: space)
            let count = Int(H5Sget_simple_extent_npoints(space))
            var values = [T](repeating: zero, count: count)
            if count > 0 {
                let status = values.withUnsafeMutableBytes {
                    H5Dread(handle, memoryType, hs_space_all(), hs_space_all(), hs_file_access_default(), $0.baseAddress)
                }
                guard status >= 0 else {
                    throw UserError("cannot read dataset (libhdf5: \(libraryMessage()))", at: location(dataset))
                }
            }
            return (dims, values)
        }
    }

    /// Reads a float or integer dataset, converted to Double.
    public func readDataset(_ dataset: String) throws -> HDF5Array {
        let (shape, values) = try readNumeric(dataset, memoryType: hs_native_double(), zero: 0.0)
        return HDF5Array(shape: shape, values: values)
    }

    /// Reads a float or integer dataset as Float (exact for float32 files such as Keras weights).
    public func readFloats(_ dataset: String) throws -> (shape: [Int], values: [Float]) {
        try readNumeric(dataset, memoryType: hs_native_float(), zero: Float(0))
    }

    private func writeNumeric(_ dataset: String, shape: [Int], fileType: hid_t, memoryType: hid_t,
                              count: Int, bytes: UnsafeRawPointer?) throws {
        try locked {
            try checkOpen()
            let expectedCount = shape.reduce(1, *)
            guard expectedCount == count, shape.allSatisfy({ $0 >= 0 }) else {
                throw UserError("dataset shape \(shape) does not hold \(count) values", at: location(dataset))
            }
            let parent = (normalized(dataset) as NSString).deletingLastPathComponent
            if parent != "/" && !parent.isEmpty { try createGroup(parent) }
            if exists(dataset) {
                H5Ldelete(id, normalized(dataset), hs_file_access_default())
            }
            let space: hid_t
            if shape.isEmpty {
                space = H5Screate(H5S_SCALAR)
            } else {
                let dims = shape.map { hsize_t($0) }
                space = H5Screate_simple(Int32(dims.count), dims, nil)
            }
            defer { H5Sclose(space) }
            let handle = H5Dcreate2(id, normalized(dataset), fileType, space, hs_file_access_default(),
                                    hs_file_access_default(), hs_file_access_default())
            guard handle >= 0 else {
                throw UserError("cannot create dataset (libhdf5: \(libraryMessage()))", at: location(dataset))
            }
            defer { H5Dclose(handle) }
            if count > 0 {
                guard H5Dwrite(handle, memoryType, hs_space_all(), hs_space_all(), hs_file_access_default(), bytes) >= 0 else {
                    throw UserError("cannot write dataset (libhdf5: \(libraryMessage()))", at: location(dataset))
                }
            }
        }
    }

    /// Writes a float32 dataset (creating parent groups; replaces an existing dataset).
    public func writeDataset(_ dataset: String, shape: [Int], values: [Float]) throws {
        try values.withUnsafeBytes {
            try writeNumeric(dataset, shape: shape, fileType: hs_ieee_f32le(), memoryType: hs_native_float(),
                             count: values.count, bytes: $0.baseAddress)
        }
    }

    /// Writes a float64 dataset.
    public func writeDataset(_ dataset: String, shape: [Int], values: [Double]) throws {
        try values.withUnsafeBytes {
            try writeNumeric(dataset, shape: shape, fileType: hs_ieee_f64le(), memoryType: hs_native_double(),
                             count: values.count, bytes: $0.baseAddress)
        }
    }

    /// Writes an int32 dataset.
    public func writeDataset(_ dataset: String, shape: [Int], values: [Int32]) throws {
        try values.withUnsafeBytes {
            try writeNumeric(dataset, shape: shape, fileType: hs_std_i32le(), memoryType: hs_native_int32(),
                             count: values.count, bytes: $0.baseAddress)
        }
    }

    // MARK: - Compound datasets

    /// Field names of a compound dataset, in stored order.
    public func compoundFieldNames(_ dataset: String) throws -> [String] {
        try locked {
            let handle = try open(dataset, as: .dataset)
            defer { H5Dclose(handle) }
            let type = H5Dget_type(handle)
            defer { H5Tclose(type) }
            guard H5Tget_class(type) == H5T_COMPOUND else {
                throw UserError("dataset is not a compound (table) dataset", at: location(dataset),
                                expected: "rows with named fields")
            }
            var names: [String] = []
            for index in 0..<max(0, H5Tget_nmembers(type)) {
                guard let raw = H5Tget_member_name(type, UInt32(index)) else { continue }
                names.append(String(cString: raw))
                hs_free(raw)
            }
            return names
        }
    }

    /// Reads the named numeric fields of a compound dataset as Double columns (one read; libhdf5
    /// converts float32/int32/... fields by name). A missing field is a `UserError` naming the
    /// nearest existing one.
    public func readCompoundColumns(_ dataset: String, fields requested: [String]) throws -> [String: [Double]] {
        var seen = Set<String>()
        let fields = requested.filter { seen.insert($0).inserted }
        return try locked {
            let available = try compoundFieldNames(dataset)
            for field in fields where !available.contains(field) {
                let near = nearestName(to: field, in: available).map { "a field such as '\($0)'" }
                throw UserError("compound dataset has no field '\(field)'", at: location(dataset),
                                expected: near ?? "one of \(available.joined(separator: ", "))")
            }
            let handle = try open(dataset, as: .dataset)
            defer { H5Dclose(handle) }
            let space = H5Dget_space(handle)
            defer { H5Sclose(space) }
            let rows = Int(H5Sget_simple_extent_npoints(space))
            let width = fields.count
            guard width > 0 else { return [:] }
            let memoryType = H5Tcreate(H5T_COMPOUND, width * MemoryLayout<Double>.size)
            defer { H5Tclose(memoryType) }
            for (offset, field) in fields.enumerated() {
                H5Tinsert(memoryType, field, offset * MemoryLayout<Double>.size, hs_native_double())
            }
            var buffer = [Double](repeating: 0, count: rows * width)
            if rows > 0 {
                let status = buffer.withUnsafeMutableBytes {
                    H5Dread(handle, memoryType, hs_space_all(), hs_space_all(), hs_file_access_default(), $0.baseAddress)
                }
                guard status >= 0 else {
                    throw UserError("cannot read compound fields \(fields) (libhdf5: \(libraryMessage()))", at: location(dataset),
                                    expected: "numeric fields")
                }
            }
            var columns: [String: [Double]] = [:]
            for (offset, field) in fields.enumerated() {
                var column = [Double](repeating: 0, count: rows)
                for row in 0..<rows { column[row] = buffer[row * width + offset] }
                columns[field] = column
            }
            return columns
        }
    }

    /// Writes a 1-D compound dataset with the given numeric columns (all the same length). Used to
    /// produce files in the layout of the jet dataset (`t_allpar_new`) and in tests.
    public func writeCompoundDataset(_ dataset: String, columns: [(name: String, type: HDF5ScalarType, values: [Double])]) throws {
        try locked {
            try checkOpen()
            guard let rows = columns.first?.values.count, columns.allSatisfy({ $0.values.count == rows }) else {
                throw UserError("compound columns must be non-empty and of equal length", at: location(dataset))
            }
            func size(_ type: HDF5ScalarType) -> Int { type == .float32 || type == .int32 ? 4 : 8 }
            func fileType(_ type: HDF5ScalarType) -> hid_t {
                switch type {
                case .float32: return hs_ieee_f32le()
                case .float64: return hs_ieee_f64le()
                case .int32: return hs_std_i32le()
                case .int64: return hs_std_i64le()
                }
            }
            let rowSize = columns.reduce(0) { $0 + size($1.type) }
            let type = H5Tcreate(H5T_COMPOUND, rowSize)
            defer { H5Tclose(type) }
            var offsets: [Int] = []
            var offset = 0
            for column in columns {
                offsets.append(offset)
                H5Tinsert(type, column.name, offset, fileType(column.type))
                offset += size(column.type)
            }
            var bytes = [UInt8](repeating: 0, count: rowSize * rows)
            for (c, column) in columns.enumerated() {
                for row in 0..<rows {
                    let at = row * rowSize + offsets[c]
                    let value = column.values[row]
                    switch column.type {
                    case .float32: withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { for k in 0..<4 { bytes[at + k] = $0[k] } }
                    case .float64: withUnsafeBytes(of: value.bitPattern.littleEndian) { for k in 0..<8 { bytes[at + k] = $0[k] } }
                    case .int32: withUnsafeBytes(of: Int32(value).littleEndian) { for k in 0..<4 { bytes[at + k] = $0[k] } }
                    case .int64: withUnsafeBytes(of: Int64(value).littleEndian) { for k in 0..<8 { bytes[at + k] = $0[k] } }
                    }
                }
            }
            try bytes.withUnsafeBytes {
                try writeNumeric(dataset, shape: [rows], fileType: type, memoryType: type, count: rows, bytes: $0.baseAddress)
            }
        }
    }

    // MARK: - Attributes

    /// Names of the attributes attached to a group or dataset, in name order.
    public func attributeNames(of object: String = "/") throws -> [String] {
        try locked {
            let handle = try open(object, as: .other)
            defer { H5Oclose(handle) }
            var info = H5O_info_t()
            guard H5Oget_info2(handle, &info, UInt32(H5O_INFO_NUM_ATTRS)) >= 0 else {
                throw UserError("cannot read object info (libhdf5: \(libraryMessage()))", at: location(object))
            }
            var names: [String] = []
            for index in 0..<info.num_attrs {
                let order = H5_INDEX_NAME
                let size = H5Aget_name_by_idx(handle, ".", order, H5_ITER_INC, index, nil, 0, hs_file_access_default())
                guard size >= 0 else { throw UserError("cannot read attribute name (libhdf5: \(libraryMessage()))", at: location(object)) }
                var buffer = [CChar](repeating: 0, count: Int(size) + 1)
                H5Aget_name_by_idx(handle, ".", order, H5_ITER_INC, index, &buffer, Int(size) + 1, hs_file_access_default())
                names.append(decodeCString(buffer))
            }
            return names
        }
    }

    /// Reads an attribute of a group or dataset; nil when the object has no such attribute.
    public func readAttribute(_ name: String, of object: String = "/") throws -> HDF5AttributeValue? {
        try locked {
            let handle = try open(object, as: .other)
            defer { H5Oclose(handle) }
            let present = H5Aexists(handle, name)
            if present <= 0 { _ = libraryMessage(); return nil }
            let attribute = H5Aopen(handle, name, hs_file_access_default())
            guard attribute >= 0 else {
                throw UserError("cannot open attribute '\(name)' (libhdf5: \(libraryMessage()))", at: location(object))
            }
            defer { H5Aclose(attribute) }
            let type = H5Aget_type(attribute)
            defer { H5Tclose(type) }
            let space = H5Aget_space(attribute)
            defer { H5Sclose(space) }
            let count = Int(H5Sget_simple_extent_npoints(space))
            let isScalar = H5Sget_simple_extent_ndims(space) == 0
            let where_ = "\(location(object)) attribute '\(name)'"
            switch H5Tget_class(type) {
            case H5T_STRING:
                let strings = try readStrings(attribute: attribute, fileType: type, space: space, count: count, where_: where_)
                return isScalar ? .string(strings.first ?? "") : .strings(strings)
            case H5T_FLOAT:
                var values = [Double](repeating: 0, count: count)
                guard values.withUnsafeMutableBytes({ H5Aread(attribute, hs_native_double(), $0.baseAddress) }) >= 0 else {
                    throw UserError("cannot read attribute (libhdf5: \(libraryMessage()))", at: where_)
                }
                return .numbers(values)
            case H5T_INTEGER:
                var values = [Int64](repeating: 0, count: count)
                guard values.withUnsafeMutableBytes({ H5Aread(attribute, hs_native_int64(), $0.baseAddress) }) >= 0 else {
                    throw UserError("cannot read attribute (libhdf5: \(libraryMessage()))", at: where_)
                }
                return .integers(values)
            default:
                throw UserError("unsupported attribute type (HDF5 class \(H5Tget_class(type).rawValue))", at: where_,
                                expected: "a string, string array or numeric attribute")
            }
        }
    }

    private func readStrings(attribute: hid_t, fileType: hid_t, space: hid_t, count: Int, where_: String) throws -> [String] {
        guard count > 0 else { return [] }
        if H5Tis_variable_str(fileType) > 0 {
            let memoryType = H5Tcopy(hs_c_s1())
            defer { H5Tclose(memoryType) }
            H5Tset_size(memoryType, hs_string_variable_length())
            H5Tset_cset(memoryType, H5Tget_cset(fileType))
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            guard pointers.withUnsafeMutableBytes({ H5Aread(attribute, memoryType, $0.baseAddress) }) >= 0 else {
                throw UserError("cannot read string attribute (libhdf5: \(libraryMessage()))", at: where_)
            }
            let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
            _ = pointers.withUnsafeMutableBytes { H5Dvlen_reclaim(memoryType, space, hs_file_access_default(), $0.baseAddress) }
            return strings
        }
        let size = H5Tget_size(fileType)
        let memoryType = H5Tcopy(hs_c_s1())
        defer { H5Tclose(memoryType) }
        H5Tset_size(memoryType, size)
        H5Tset_strpad(memoryType, H5T_STR_NULLPAD)
        var bytes = [UInt8](repeating: 0, count: size * count)
        guard bytes.withUnsafeMutableBytes({ H5Aread(attribute, memoryType, $0.baseAddress) }) >= 0 else {
            throw UserError("cannot read string attribute (libhdf5: \(libraryMessage()))", at: where_)
        }
        let spacePadded = H5Tget_strpad(fileType) == H5T_STR_SPACEPAD
        return (0..<count).map { index in
            var slice = Array(bytes[(index * size)..<((index + 1) * size)])
            if let end = slice.firstIndex(of: 0) { slice.removeSubrange(end...) }
            if spacePadded { while slice.last == 0x20 { slice.removeLast() } }
            return String(decoding: slice, as: UTF8.self)
        }
    }

    /// A string attribute (scalar), or nil when absent. Throws when it exists but is not a string.
    public func readStringAttribute(_ name: String, of object: String = "/") throws -> String? {
        switch try readAttribute(name, of: object) {
        case nil: return nil
        case .string(let text): return text
        case .strings(let texts) where texts.count == 1: return texts[0]
        default: throw UserError("attribute '\(name)' is not a string", at: location(object))
        }
    }

    /// A string-array attribute (a scalar string counts as one element), or nil when absent.
    public func readStringArrayAttribute(_ name: String, of object: String = "/") throws -> [String]? {
        switch try readAttribute(name, of: object) {
        case nil: return nil
        case .string(let text): return [text]
        case .strings(let texts): return texts
        // numpy writes an empty list as an empty float64 array (seen in Keras weight files).
        case .numbers(let values) where values.isEmpty: return []
        case .integers(let values) where values.isEmpty: return []
        default: throw UserError("attribute '\(name)' is not a string array", at: location(object))
        }
    }

    /// Writes (or replaces) an attribute. Strings are written fixed-length and null-padded, as h5py
    /// stores Python `bytes`/numpy `S` arrays (the layout Keras 2 uses); pass `variableLength: true`
    /// for variable-length UTF-8 strings (h5py's layout for Python `str`).
    public func writeAttribute(_ name: String, of object: String = "/", value: HDF5AttributeValue,
                               variableLength: Bool = false) throws {
        try locked {
            let handle = try open(object, as: .other)
            defer { H5Oclose(handle) }
            if H5Aexists(handle, name) > 0 { H5Adelete(handle, name) } else { _ = libraryMessage() }
            let where_ = "\(location(object)) attribute '\(name)'"
            func makeSpace(_ count: Int, scalar: Bool) -> hid_t {
                if scalar { return H5Screate(H5S_SCALAR) }
                var dims = [hsize_t(count)]
                return H5Screate_simple(1, &dims, nil)
            }
            func create(_ type: hid_t, _ space: hid_t) throws -> hid_t {
                let attribute = H5Acreate2(handle, name, type, space, hs_file_access_default(), hs_file_access_default())
                guard attribute >= 0 else {
                    throw UserError("cannot create attribute (libhdf5: \(libraryMessage()))", at: where_)
                }
                return attribute
            }
            switch value {
            case .string, .strings:
                let strings: [String]
                let scalar: Bool
                if case .string(let text) = value { strings = [text]; scalar = true } else if case .strings(let texts) = value {
                    strings = texts; scalar = false
                } else { strings = []; scalar = false }
                let type = H5Tcopy(hs_c_s1())
                defer { H5Tclose(type) }
                let space = makeSpace(strings.count, scalar: scalar)
                defer { H5Sclose(space) }
                if variableLength {
                    H5Tset_size(type, hs_string_variable_length())
                    H5Tset_cset(type, H5T_CSET_UTF8)
                    let attribute = try create(type, space)
                    defer { H5Aclose(attribute) }
                    var storage = strings.map { strdup($0) }
                    defer { storage.forEach { free($0) } }
                    guard strings.isEmpty || storage.withUnsafeMutableBytes({ H5Awrite(attribute, type, $0.baseAddress) }) >= 0 else {
                        throw UserError("cannot write attribute (libhdf5: \(libraryMessage()))", at: where_)
                    }
                } else {
                    let encoded = strings.map { Array($0.utf8) }
                    let size = max(1, encoded.map(\.count).max() ?? 1)
                    H5Tset_size(type, size)
                    H5Tset_strpad(type, H5T_STR_NULLPAD)
                    var bytes = [UInt8](repeating: 0, count: size * strings.count)
                    for (index, text) in encoded.enumerated() {
                        for (k, byte) in text.enumerated() { bytes[index * size + k] = byte }
                    }
                    let attribute = try create(type, space)
                    defer { H5Aclose(attribute) }
                    guard strings.isEmpty || bytes.withUnsafeBytes({ H5Awrite(attribute, type, $0.baseAddress) }) >= 0 else {
                        throw UserError("cannot write attribute (libhdf5: \(libraryMessage()))", at: where_)
                    }
                }
            case .numbers(let numbers):
                let space = makeSpace(numbers.count, scalar: numbers.count == 1)
                defer { H5Sclose(space) }
                let attribute = try create(hs_ieee_f64le(), space)
                defer { H5Aclose(attribute) }
                guard numbers.isEmpty || numbers.withUnsafeBytes({ H5Awrite(attribute, hs_native_double(), $0.baseAddress) }) >= 0 else {
                    throw UserError("cannot write attribute (libhdf5: \(libraryMessage()))", at: where_)
                }
            case .integers(let numbers):
                let space = makeSpace(numbers.count, scalar: numbers.count == 1)
                defer { H5Sclose(space) }
                let attribute = try create(hs_std_i64le(), space)
                defer { H5Aclose(attribute) }
                guard numbers.isEmpty || numbers.withUnsafeBytes({ H5Awrite(attribute, hs_native_int64(), $0.baseAddress) }) >= 0 else {
                    throw UserError("cannot write attribute (libhdf5: \(libraryMessage()))", at: where_)
                }
            }
        }
    }

    /// Removes an attribute (no error when it does not exist).
    public func deleteAttribute(_ name: String, of object: String = "/") throws {
        try locked {
            let handle = try open(object, as: .other)
            defer { H5Oclose(handle) }
            guard H5Aexists(handle, name) > 0 else { _ = libraryMessage(); return }
            guard H5Adelete(handle, name) >= 0 else {
                throw UserError("cannot delete attribute '\(name)' (libhdf5: \(libraryMessage()))", at: location(object))
            }
        }
    }

    /// Flushes buffered data to disk.
    public func flush() throws {
        try locked {
            try checkOpen()
            guard H5Fflush(id, H5F_SCOPE_GLOBAL) >= 0 else {
                throw UserError("cannot flush (libhdf5: \(libraryMessage()))", at: path)
            }
        }
    }
}
