import Foundation
import Support

/// The file formats the loaders understand.
public enum DatasetFormat: String, Sendable, CaseIterable, Codable {
    case arff, csv, npy, npz, hdf5

    /// The format implied by a file name (`.arff`, `.csv`, `.npy`, `.npz`, `.h5`/`.hdf5`/`.z`).
    public static func infer(fromPath path: String) throws -> DatasetFormat {
        let lower = path.lowercased()
        if lower.hasSuffix(".arff") { return .arff }
        if lower.hasSuffix(".csv") { return .csv }
        if lower.hasSuffix(".npy") { return .npy }
        if lower.hasSuffix(".npz") { return .npz }
        if lower.hasSuffix(".h5") || lower.hasSuffix(".hdf5") || lower.hasSuffix(".hdf") || lower.hasSuffix(".z") { return .hdf5 }
        throw UserError("unknown dataset format for '\((path as NSString).lastPathComponent)'", at: path,
                        expected: "a file ending in .arff, .csv, .npy, .npz, .h5/.hdf5 or .z (the original jet HDF5 file)")
    }

    /// Parses a format name from a config/flag ("arff", "csv", "npy", "npz", "hdf5"/"h5").
    public init(name: String, at location: String? = nil) throws {
        let lowered = name.lowercased()
        if lowered == "h5" { self = .hdf5; return }
        guard let format = DatasetFormat(rawValue: lowered) else {
            throw UserError("unknown dataset format '\(name)'", at: location,
                            expected: "one of arff, csv, npy, npz, hdf5")
        }
        self = format
    }
}

/// One rejected row: where it is (1-based line for text files, 0-based row for binary) and why.
public struct BadRow: Sendable, Equatable, CustomStringConvertible {
    /// "line 12" (text files) or "row 7" (binary files).
    public var location: String
    public var reason: String
    public var description: String { "\(location): \(reason)" }
}

/// Bad rows found while loading: the total and the first few with their locations.
public struct BadRowReport: Sendable, Equatable {
    public static let keptExamples = 10
    public internal(set) var count = 0
    public private(set) var examples: [BadRow] = []

    public init() {}

    mutating func add(_ location: @autoclosure () -> String, _ reason: @autoclosure () -> String) {
        count += 1
        if examples.count < Self.keptExamples { examples.append(BadRow(location: location(), reason: reason())) }
    }

    /// One human line: "3 bad rows (line 4: ..., line 9: ...)".
    public var summary: String {
        let shown = examples.prefix(3).map(\.description).joined(separator: "; ")
        let more = count > 3 ? "; ..." : ""
        return "\(count) bad row\(count == 1 ? "" : "s") (\(shown)\(more))"
    }
}

/// How to read a dataset file.
public struct DatasetLoadOptions: Sendable, Equatable {
    /// Feature columns to read, in this order (missing ones are an error naming the feature).
    public var featureNames: [String] = JetDataset.standardFeatureNames
    /// The label column (CSV/ARFF).
    public var classColumn: String = "class"
    /// Known classes; other labels are bad rows. Index order is the sorted order of these names.
    public var classNames: [String] = JetDataset.standardClassNames
    /// Drop bad rows (NaN/Inf, wrong column count, unknown label) instead of refusing the file.
    public var dropBadRows = false
    /// HDF5: the compound dataset holding the jets.
    public var hdf5Dataset = "t_allpar_new"
    /// HDF5: prefix of the field names (`j_zlogz` for feature `zlogz`).
    public var hdf5FieldPrefix = "j_"

    public init(featureNames: [String] = JetDataset.standardFeatureNames, classColumn: String = "class",
                classNames: [String] = JetDataset.standardClassNames, dropBadRows: Bool = false) {
        self.featureNames = featureNames
        self.classColumn = classColumn
        self.classNames = classNames
        self.dropBadRows = dropBadRows
    }
}

/// The outcome of a load: the dataset, the bad rows that were dropped (empty unless `dropBadRows`),
/// and a split stored in the file itself (the tutorial's X_train_val/X_test layout), if any.
public struct LoadedDataset: Sendable, Equatable {
    public var dataset: JetDataset
    public var droppedRows: BadRowReport
    /// Rows `0..<trainCount` are the file's training part and the rest its test part, when the file is pre-split.
    public var predefinedTrainCount: Int?
    /// True when the dataset came from the binary cache instead of parsing the source.
    public var fromCache = false
}

/// Entry point: load any supported dataset file.
public enum DatasetLoader {
    /// Loads `path` (format from the extension unless given) without the cache. Throws `UserError` for a
    /// missing/empty/malformed file, a missing feature or class column, or bad rows (unless `options.dropBadRows`).
    public static func loadUncached(path: String, format: DatasetFormat? = nil,
                                    options: DatasetLoadOptions = DatasetLoadOptions()) throws -> LoadedDataset {
        let format = try format ?? DatasetFormat.infer(fromPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw UserError("dataset file not found", at: path, expected: "an existing \(format.rawValue) file")
        }
        if isDirectory.boolValue && format != .npy {
            throw UserError("dataset path is a directory", at: path, expected: "a \(format.rawValue) file")
        }
        switch format {
        case .arff: return try ARFFReader.load(path: path, options: options)
        case .csv: return try CSVReader.load(path: path, options: options)
        case .npy: return try NumPyDataset.loadNPY(path: path, options: options)
        case .npz: return try NumPyDataset.loadNPZ(path: path, options: options)
        case .hdf5: return try HDF5JetReader.load(path: path, options: options)
        }
    }

    /// Throws the standard "refusing the file" error when `report` is non-empty and bad rows are not dropped.
    static func refuseIfNeeded(_ report: BadRowReport, path: String, options: DatasetLoadOptions) throws {
        guard report.count > 0, !options.dropBadRows else { return }
        throw UserError("refusing dataset with \(report.summary)", at: path,
                        expected: "clean rows, or drop them with --drop-bad-rows (dataset.drop_bad_rows: true)")
    }

    /// Reads a whole file, with the standard missing/empty errors.
    static func readBytes(_ path: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw UserError("dataset file not found", at: path)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw UserError("cannot read dataset file", at: path)
        }
        if data.isEmpty { throw UserError("dataset file is empty", at: path) }
        return [UInt8](data)
    }
}
