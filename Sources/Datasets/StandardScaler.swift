import Foundation
import Support

/// scikit-learn's `StandardScaler` (with_mean, with_std): per feature `(x - mean) / scale`, where scale is the
/// population standard deviation (ddof = 0) of the rows it was fitted on. Fit on the training part only and
/// store it with the model (JSON) so evaluation and firmware inputs are scaled identically.
public struct StandardScaler: Sendable, Equatable, Codable {
    public var featureNames: [String]
    public var mean: [Double]
    /// Population variance per feature.
    public var variance: [Double]
    /// sqrt(variance), with constant features set to 1 (sklearn's `_handle_zeros_in_scale`).
    public var scale: [Double]
    public var samplesSeen: Int

    public init(featureNames: [String], mean: [Double], variance: [Double], scale: [Double], samplesSeen: Int) {
        self.featureNames = featureNames
        self.mean = mean
        self.variance = variance
        self.scale = scale
        self.samplesSeen = samplesSeen
    }

    /// Fits on every row of `dataset` with sklearn's arithmetic: numpy's axis-0 sums run row by row, then
    /// `var = (Σ(x-m)² - (Σ(x-m))²/n) / n` (the corrected two-pass formula of `_incremental_mean_and_var`).
    public static func fit(_ dataset: JetDataset) throws -> StandardScaler {
        let n = dataset.rows, width = dataset.featureCount
        guard n > 0 else { throw UserError("cannot fit a StandardScaler on an empty training set") }
        var sum = [Double](repeating: 0, count: width)
        dataset.features.withUnsafeBufferPointer { x in
            for r in 0..<n { for j in 0..<width { sum[j] += x[r * width + j] } }
        }
        let count = Double(n)
        let mean = sum.map { $0 / count }
        var correction = [Double](repeating: 0, count: width)
        var squares = [Double](repeating: 0, count: width)
        dataset.features.withUnsafeBufferPointer { x in
            for r in 0..<n {
                for j in 0..<width {
                    let d = x[r * width + j] - mean[j]
                    correction[j] += d
                    squares[j] += d * d
                }
            }
        }
        var variance = [Double](repeating: 0, count: width)
        var scale = [Double](repeating: 0, count: width)
        let epsilon = Double.ulpOfOne
        for j in 0..<width {
            variance[j] = (squares[j] - correction[j] * correction[j] / count) / count
            // sklearn `_is_constant_feature`: var <= n·eps·var + (n·mean·eps)²
            let bound = count * epsilon * variance[j] + (count * mean[j] * epsilon) * (count * mean[j] * epsilon)
            scale[j] = variance[j] <= bound ? 1 : variance[j].squareRoot()
        }
        return StandardScaler(featureNames: dataset.featureNames, mean: mean, variance: variance, scale: scale, samplesSeen: n)
    }

    /// `(x - mean) / scale` for a row-major matrix with `featureNames.count` columns.
    public func transform(_ features: [Double]) -> [Double] {
        let width = mean.count
        var out = features
        out.withUnsafeMutableBufferPointer { x in
            let rows = x.count / width
            for r in 0..<rows {
                for j in 0..<width {
                    x[r * width + j] = (x[r * width + j] - mean[j]) / scale[j]
                }
            }
        }
        return out
    }

    /// The dataset with scaled features; its columns must match the features the scaler was fitted on.
    public func transform(_ dataset: JetDataset) throws -> JetDataset {
        guard dataset.featureNames == featureNames else {
            throw UserError("the dataset's features do not match the scaler's",
                            expected: "features \(featureNames.joined(separator: ","))")
        }
        var scaled = dataset
        scaled.features = transform(dataset.features)
        return scaled
    }

    /// `x * scale + mean`.
    public func inverseTransform(_ features: [Double]) -> [Double] {
        let width = mean.count
        return features.enumerated().map { index, value in value * scale[index % width] + mean[index % width] }
    }

    /// Pretty JSON (sorted keys) with a format tag.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(Stored(format: Self.formatTag, scaler: self))
    }

    public static let formatTag = "hls4swift.StandardScaler.v1"

    public static func fromJSON(_ data: Data, source: String? = nil) throws -> StandardScaler {
        let stored: Stored
        do { stored = try JSONDecoder().decode(Stored.self, from: data) } catch {
            throw UserError("not a StandardScaler JSON file (\(error.localizedDescription))", at: source, expected: "a file written by hls4swift (\(formatTag))")
        }
        let s = stored.scaler
        guard stored.format == formatTag, s.mean.count == s.featureNames.count, s.scale.count == s.mean.count,
              s.variance.count == s.mean.count, s.scale.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw UserError("malformed StandardScaler JSON", at: source, expected: "format \(formatTag) with one mean/scale per feature, scales > 0")
        }
        return s
    }

    public func write(to path: String) throws { try AtomicFile.write(try jsonData(), to: URL(fileURLWithPath: path)) }

    public static func read(path: String) throws -> StandardScaler {
        guard let data = FileManager.default.contents(atPath: path) else { throw UserError("scaler file not found", at: path) }
        return try fromJSON(data, source: path)
    }

    struct Stored: Codable {
        var format: String
        var scaler: StandardScaler
    }
}

/// The tutorial's preprocessing in one call: split (seeded, numpy-compatible or predefined by the file),
/// fit the scaler on the training part, scale both parts.
public struct PreparedSplit: Sendable {
    public var train: JetDataset
    public var test: JetDataset
    public var scaler: StandardScaler
    public var split: TrainTestSplit

    public static func prepare(_ loaded: LoadedDataset, testFraction: Double = 0.2, seed: UInt32 = 42,
                               usePredefinedSplit: Bool = true) throws -> PreparedSplit {
        let split: TrainTestSplit
        if usePredefinedSplit, let trainCount = loaded.predefinedTrainCount {
            split = .predefined(rows: loaded.dataset.rows, trainCount: trainCount)
        } else {
            split = try .numpyCompatible(rows: loaded.dataset.rows, testFraction: testFraction, seed: seed)
        }
        let (rawTrain, rawTest) = split.apply(to: loaded.dataset)
        let scaler = try StandardScaler.fit(rawTrain)
        return PreparedSplit(train: try scaler.transform(rawTrain), test: try scaler.transform(rawTest), scaler: scaler, split: split)
    }
}
