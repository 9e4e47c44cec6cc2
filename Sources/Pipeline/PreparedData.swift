import Datasets
import Foundation
import Support

/// The `data` stage's output: scaled train/test arrays plus what is needed to reuse them
/// (feature and class names, the scaler fitted on the training part).
public struct PreparedData: Sendable {
    public var featureNames: [String]
    public var classNames: [String]
    public var trainFeatures: [Float]
    public var trainLabels: [Int32]
    public var testFeatures: [Float]
    public var testLabels: [Int32]
    public var scaler: StandardScaler?
    public var description: String

    public var featureCount: Int { featureNames.count }
    public var trainCount: Int { trainLabels.count }
    public var testCount: Int { testLabels.count }

    struct Meta: Codable {
        var featureNames: [String]
        var classNames: [String]
        var trainCount: Int
        var testCount: Int
        var scaler: StandardScaler?
        var description: String
    }

    /// Writes raw little-endian arrays (fast to reload: no parsing) and a JSON header.
    public func write(to directory: URL) throws {
        func raw<T>(_ array: [T]) -> Data { array.withUnsafeBufferPointer { Data(buffer: $0) } }
        try AtomicFile.write(raw(trainFeatures), to: directory.appendingPathComponent("train_x.f32"))
        try AtomicFile.write(raw(trainLabels), to: directory.appendingPathComponent("train_y.i32"))
        try AtomicFile.write(raw(testFeatures), to: directory.appendingPathComponent("test_x.f32"))
        try AtomicFile.write(raw(testLabels), to: directory.appendingPathComponent("test_y.i32"))
        let meta = Meta(featureNames: featureNames, classNames: classNames, trainCount: trainCount, testCount: testCount,
                        scaler: scaler, description: description)
        try AtomicFile.write(try JSONEncoder().encode(meta), to: directory.appendingPathComponent("meta.json"))
    }

    public static func read(from directory: URL) throws -> PreparedData {
        let metaData = try Data(contentsOf: directory.appendingPathComponent("meta.json"))
        let meta = try JSONDecoder().decode(Meta.self, from: metaData)
        func load<T>(_ name: String, count: Int, as: T.Type) throws -> [T] {
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            guard data.count == count * MemoryLayout<T>.stride else {
                throw UserError("corrupt cached array \(name) (\(data.count) bytes)", at: directory.path)
            }
            return data.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
        }
        let features = meta.featureNames.count
        return PreparedData(featureNames: meta.featureNames, classNames: meta.classNames,
                            trainFeatures: try load("train_x.f32", count: meta.trainCount * features, as: Float.self),
                            trainLabels: try load("train_y.i32", count: meta.trainCount, as: Int32.self),
                            testFeatures: try load("test_x.f32", count: meta.testCount * features, as: Float.self),
                            testLabels: try load("test_y.i32", count: meta.testCount, as: Int32.self),
                            scaler: meta.scaler, description: meta.description)
    }

    /// Loads the configured source, splits it (the tutorial's numpy split by default) and scales it
    /// with a StandardScaler fitted on the training part only.
    public static func prepare(_ section: DatasetSection) throws -> PreparedData {
        let dataset: JetDataset
        var predefinedTrainCount: Int?
        let description: String
        switch section.source {
        case .synthetic:
            dataset = try SyntheticSource.generate(rows: section.rows, seed: section.seed)
            description = "SYNTHETIC jets (\(section.rows) rows, seed \(section.seed)) — a stand-in for OpenML 42468"
        default:
            let format: DatasetFormat? = switch section.source {
            case .arff: .arff
            case .csv: .csv
            case .hdf5: .hdf5
            default: nil
            }
            let path = section.path!
            let loaded = try DatasetLoader.load(path: path, format: format,
                                                options: DatasetLoadOptions(dropBadRows: section.dropBadRows))
            dataset = loaded.dataset
            predefinedTrainCount = loaded.predefinedTrainCount
            description = "\(section.source.rawValue) file \(path) (\(loaded.dataset.labels.count) rows"
                + (loaded.droppedRows.count > 0 ? ", \(loaded.droppedRows.count) bad rows dropped)" : ")")
        }
        guard dataset.labels.count >= 10 else {
            throw UserError("the dataset has only \(dataset.labels.count) rows", at: section.path ?? "synthetic",
                            expected: "at least 10 rows")
        }
        let split: TrainTestSplit
        if let trainCount = predefinedTrainCount {
            split = .predefined(rows: dataset.labels.count, trainCount: trainCount)
        } else if section.splitMethod == "numpy" {
            split = try .numpyCompatible(rows: dataset.labels.count, testFraction: section.testFraction,
                                         seed: UInt32(truncatingIfNeeded: section.splitSeed))
        } else {
            split = try .numpyCompatible(rows: dataset.labels.count, testFraction: section.testFraction,
                                         seed: UInt32(truncatingIfNeeded: section.splitSeed &+ 1))
        }
        var (train, test) = split.apply(to: dataset)
        if section.maxTestRows > 0 && test.labels.count > section.maxTestRows {
            test = test.slice(0..<section.maxTestRows)
        }
        var scaler: StandardScaler?
        if section.standardize {
            let fitted = try StandardScaler.fit(train)
            train = try fitted.transform(train)
            test = try fitted.transform(test)
            scaler = fitted
        }
        return PreparedData(featureNames: dataset.featureNames, classNames: dataset.classNames,
                            trainFeatures: train.featuresAsFloat(), trainLabels: train.labels,
                            testFeatures: test.featuresAsFloat(), testLabels: test.labels,
                            scaler: scaler, description: description)
    }
}
