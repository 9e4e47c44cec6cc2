import Foundation
import Support

/// Jet datasets in NumPy files.
///
/// * `.npy`: a feature matrix `X*.npy` (n × 16, C order) with its labels in the sibling `y*.npy`
///   (`X_test.npy` → `y_test.npy`): class indices (n) or one-hot rows (n × classes), and optional `classes.npy`
///   (the tutorial's `le.classes_`, usually '<U1'). A *directory* holding the tutorial's
///   `X_train_val.npy, X_test.npy, y_train_val.npy, y_test.npy, classes.npy` loads as train rows then test rows,
///   with `predefinedTrainCount` marking the split.
/// * `.npz`: members `X`, `y`, optional `classes` and `feature_names` (what `write(npz:)` produces), or the
///   tutorial's four arrays plus `classes`.
public enum NumPyDataset {
    public static let tutorialFiles = ["X_train_val.npy", "X_test.npy", "y_train_val.npy", "y_test.npy"]

    public static func loadNPY(path: String, options: DatasetLoadOptions) throws -> LoadedDataset {
        if path.lowercased().hasSuffix(".npz") { return try loadNPZ(path: path, options: options) }
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if isDirectory.boolValue {
            let directory = URL(fileURLWithPath: path)
            var arrays: [String: NumPyArray] = [:]
            for name in tutorialFiles {
                let file = directory.appendingPathComponent(name).path
                guard FileManager.default.fileExists(atPath: file) else {
                    throw UserError("the tutorial file \(name) is missing", at: path, expected: "a directory with \(tutorialFiles.joined(separator: ", ")) and classes.npy")
                }
                arrays[(name as NSString).deletingPathExtension] = try NumPyArray.read(path: file)
            }
            let classesPath = directory.appendingPathComponent("classes.npy").path
            if FileManager.default.fileExists(atPath: classesPath) { arrays["classes"] = try NumPyArray.read(path: classesPath) }
            return try assemble(arrays, source: path, options: options)
        }
        let url = URL(fileURLWithPath: path)
        let name = url.lastPathComponent
        guard name.hasPrefix("X") else {
            throw UserError("cannot tell the labels file for '\(name)'", at: path,
                            expected: "a features file named X*.npy with labels in y*.npy next to it, or the tutorial directory")
        }
        let labelsPath = url.deletingLastPathComponent().appendingPathComponent("y" + name.dropFirst()).path
        guard FileManager.default.fileExists(atPath: labelsPath) else {
            throw UserError("labels file \((labelsPath as NSString).lastPathComponent) not found next to \(name)", at: path,
                            expected: "y*.npy with class indices or one-hot rows")
        }
        var arrays = ["X": try NumPyArray.read(path: path), "y": try NumPyArray.read(path: labelsPath)]
        let classesPath = url.deletingLastPathComponent().appendingPathComponent("classes.npy").path
        if FileManager.default.fileExists(atPath: classesPath) { arrays["classes"] = try NumPyArray.read(path: classesPath) }
        return try assemble(arrays, source: path, options: options)
    }

    public static func loadNPZ(path: String, options: DatasetLoadOptions) throws -> LoadedDataset {
        guard let data = FileManager.default.contents(atPath: path) else { throw UserError("cannot read dataset file", at: path) }
        if data.isEmpty { throw UserError("dataset file is empty", at: path) }
        let members = try data.withUnsafeBytes { try ZipArchive.read($0, source: path) }
        var arrays: [String: NumPyArray] = [:]
        for member in members where member.name.hasSuffix(".npy") {
            arrays[String(member.name.dropLast(4))] = try member.data.withUnsafeBytes { try NumPyArray.parse($0, source: "\(path) (\(member.name))") }
        }
        return try assemble(arrays, source: path, options: options)
    }

    /// Builds a dataset from named arrays (X/y or the tutorial's train/test quartet).
    static func assemble(_ arrays: [String: NumPyArray], source: String, options: DatasetLoadOptions) throws -> LoadedDataset {
        var fileClasses = options.classNames
        if let classes = arrays["classes"] {
            guard let names = classes.strings ?? classes.numbers.map({ $0.map { CSVReader.formatNumber($0) } }), !names.isEmpty else {
                throw UserError("classes array is empty", at: source)
            }
            fileClasses = names
        }
        let encoder = LabelEncoder(classes: options.classNames)
        // File class k -> encoder index (or -1 for a class the options do not know).
        let classMap = fileClasses.map { encoder.index(of: $0) ?? -1 }

        var fileFeatureNames: [String]? = nil
        if let names = arrays["feature_names"] {
            guard let strings = names.strings else { throw UserError("feature_names must be a string array", at: source) }
            fileFeatureNames = strings
        }
        let parts: [(x: String, y: String)]
        if arrays["X_train_val"] != nil || arrays["X_test"] != nil {
            parts = [("X_train_val", "y_train_val"), ("X_test", "y_test")]
        } else {
            parts = [("X", "y")]
        }
        var features: [Double] = []
        var labels: [Int32] = []
        var report = BadRowReport()
        var trainCount: Int? = nil
        let width = options.featureNames.count
        var rowBase = 0
        for part in parts {
            guard let x = arrays[part.x] else {
                throw UserError("array '\(part.x)' is missing", at: source, expected: "arrays \(parts.map { "\($0.x), \($0.y)" }.joined(separator: ", "))")
            }
            guard let y = arrays[part.y] else {
                throw UserError("class labels '\(part.y)' are missing (class column missing)", at: source, expected: "an array \(part.y) of class indices or one-hot rows")
            }
            guard let xValues = x.numbers else { throw UserError("'\(part.x)' is not numeric (\(x.descr))", at: source) }
            guard let yValues = y.numbers else { throw UserError("'\(part.y)' is not numeric (\(y.descr))", at: source) }
            guard x.shape.count == 2 else {
                throw UserError("'\(part.x)' has shape \(x.shape)", at: source, expected: "a 2-D array (rows × \(width) features)")
            }
            let rows = x.shape[0], columns = x.shape[1]
            // Column for each requested feature.
            var columnIndex: [Int] = []
            if let fileFeatureNames {
                guard fileFeatureNames.count == columns else {
                    throw UserError("feature_names has \(fileFeatureNames.count) names but '\(part.x)' has \(columns) columns", at: source)
                }
                for feature in options.featureNames {
                    guard let index = fileFeatureNames.firstIndex(of: feature) else {
                        throw UserError("feature '\(feature)' is missing from feature_names", at: source,
                                        expected: nearestName(to: feature, in: fileFeatureNames).map { "closest: '\($0)'" })
                    }
                    columnIndex.append(index)
                }
            } else {
                guard columns == width else {
                    throw UserError("'\(part.x)' has \(columns) columns but \(width) features are expected", at: source,
                                    expected: "columns in the order \(options.featureNames.joined(separator: ","))")
                }
                columnIndex = Array(0..<width)
            }
            let oneHot: Bool
            if y.shape.count == 1 || (y.shape.count == 2 && y.shape[1] == 1) {
                oneHot = false
            } else if y.shape.count == 2 && y.shape[1] == fileClasses.count {
                oneHot = true
            } else {
                throw UserError("'\(part.y)' has shape \(y.shape)", at: source, expected: "(\(rows),) class indices or (\(rows), \(fileClasses.count)) one-hot rows")
            }
            guard y.shape[0] == rows else {
                throw UserError("'\(part.x)' has \(rows) rows but '\(part.y)' has \(y.shape[0])", at: source, expected: "one label per row")
            }
            features.reserveCapacity(features.count + rows * width)
            labels.reserveCapacity(labels.count + rows)
            var scratch = [Double](repeating: 0, count: width)
            let classCount = fileClasses.count
            rowLoop: for r in 0..<rows {
                for (j, column) in columnIndex.enumerated() {
                    let value = xValues[r * columns + column]
                    guard value.isFinite else {
                        report.add("\(part.x) row \(r)", "'\(options.featureNames[j])' is \(value.isNaN ? "NaN" : "infinite")")
                        continue rowLoop
                    }
                    scratch[j] = value
                }
                var fileClass = -1
                if oneHot {
                    var ones = 0
                    for k in 0..<classCount {
                        let v = yValues[r * classCount + k]
                        if v == 1 { ones += 1; fileClass = k } else if v != 0 { ones = 99 }
                    }
                    if ones != 1 { report.add("\(part.y) row \(r)", "not a one-hot row"); continue }
                } else {
                    let v = yValues[r]
                    guard v == v.rounded(), v >= 0, v < Double(classCount) else { report.add("\(part.y) row \(r)", "unknown label \(v)"); continue }
                    fileClass = Int(v)
                }
                let label = classMap[fileClass]
                guard label >= 0 else { report.add("\(part.y) row \(r)", "unknown label '\(fileClasses[fileClass])'"); continue }
                features.append(contentsOf: scratch)
                labels.append(Int32(label))
            }
            rowBase += rows
            if parts.count == 2 && trainCount == nil { trainCount = labels.count }
        }
        try DatasetLoader.refuseIfNeeded(report, path: source, options: options)
        guard !labels.isEmpty else { throw UserError("the dataset has no rows", at: source) }
        let dataset = JetDataset(featureNames: options.featureNames, classNames: encoder.classes, features: features, labels: labels)
        return LoadedDataset(dataset: dataset, droppedRows: report, predefinedTrainCount: trainCount)
    }

    /// The `.npz` image of `dataset`: `X` (float32 or float64), `y` (int64 class indices), `classes` and
    /// `feature_names` (unicode arrays). `numpy.load(f)['X']` reads it back.
    public static func npzImage(_ dataset: JetDataset, float32: Bool = false) throws -> [UInt8] {
        let shape = [dataset.rows, dataset.featureCount]
        let x = float32 ? NumPyArray.float32(dataset.features, shape: shape) : NumPyArray.float64(dataset.features, shape: shape)
        return try ZipArchive.write([
            .init(name: "X.npy", data: x.serialized()),
            .init(name: "y.npy", data: NumPyArray.int64(dataset.labels.map(Double.init), shape: [dataset.rows]).serialized()),
            .init(name: "classes.npy", data: NumPyArray.unicode(dataset.classNames).serialized()),
            .init(name: "feature_names.npy", data: NumPyArray.unicode(dataset.featureNames).serialized()),
        ])
    }

    public static func writeNPZ(_ dataset: JetDataset, to path: String, float32: Bool = false) throws {
        try AtomicFile.write(Data(try npzImage(dataset, float32: float32)), to: URL(fileURLWithPath: path))
    }

    /// Writes the tutorial's layout into `directory`: X_train_val.npy, X_test.npy, y_train_val.npy and
    /// y_test.npy (one-hot float64, `to_categorical`), classes.npy ('<U1').
    public static func writeTutorialDirectory(train: JetDataset, test: JetDataset, to directory: String) throws {
        let url = URL(fileURLWithPath: directory)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, part) in [("train_val", train), ("test", test)] {
            try AtomicFile.write(Data(NumPyArray.float64(part.features, shape: [part.rows, part.featureCount]).serialized()),
                                 to: url.appendingPathComponent("X_\(name).npy"))
            try AtomicFile.write(Data(NumPyArray.float64(part.oneHotLabels(), shape: [part.rows, part.classCount]).serialized()),
                                 to: url.appendingPathComponent("y_\(name).npy"))
        }
        try AtomicFile.write(Data(NumPyArray.unicode(train.classNames).serialized()), to: url.appendingPathComponent("classes.npy"))
    }
}
