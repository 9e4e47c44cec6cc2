import Foundation
import Support

/// An in-memory table of jets: features row-major (`rows` × `featureNames.count`), one class index per row.
///
/// Features are Double because the tutorial works in float64 (pandas → StandardScaler); values read from
/// float32 sources (HDF5, .npy '<f4') are widened exactly. Labels index `classNames`, which are sorted the
/// way scikit-learn's LabelEncoder sorts them (g=0, q=1, t=2, w=3, z=4 for the jet data).
public struct JetDataset: Sendable, Equatable {
    /// The 16 high-level features of OpenML 42468 in the tutorial's column order (hls4ml-facts §8.1).
    public static let standardFeatureNames = [
        "zlogz", "c1_b0_mmdt", "c1_b1_mmdt", "c1_b2_mmdt", "c2_b1_mmdt", "c2_b2_mmdt",
        "d2_b1_mmdt", "d2_b2_mmdt", "d2_a1_b1_mmdt", "d2_a1_b2_mmdt", "m2_b1_mmdt", "m2_b2_mmdt",
        "n2_b1_mmdt", "n2_b2_mmdt", "mass_mmdt", "multiplicity",
    ]
    /// The five jet classes in LabelEncoder (sorted) order: gluon, light quark, top, W, Z.
    public static let standardClassNames = ["g", "q", "t", "w", "z"]

    public var featureNames: [String]
    public var classNames: [String]
    /// Row-major feature matrix, `rows * featureCount` values.
    public var features: [Double]
    /// Class index per row, `0..<classNames.count`.
    public var labels: [Int32]

    public init(featureNames: [String], classNames: [String], features: [Double], labels: [Int32]) {
        precondition(!featureNames.isEmpty, "a dataset needs at least one feature")
        precondition(features.count == labels.count * featureNames.count, "feature matrix does not match row count")
        self.featureNames = featureNames
        self.classNames = classNames
        self.features = features
        self.labels = labels
    }

    public var rows: Int { labels.count }
    public var featureCount: Int { featureNames.count }
    public var classCount: Int { classNames.count }

    /// Feature `column` of row `row`.
    @inlinable public func value(row: Int, column: Int) -> Double { features[row * featureNames.count + column] }

    /// The feature values of one row.
    public func row(_ index: Int) -> ArraySlice<Double> {
        features[(index * featureCount)..<((index + 1) * featureCount)]
    }

    /// One column as an array.
    public func column(_ index: Int) -> [Double] {
        (0..<rows).map { features[$0 * featureCount + index] }
    }

    /// Rows taken in the given order (a split, a shuffle, a subset).
    public func subset(_ indices: [Int]) -> JetDataset {
        let width = featureCount
        var newFeatures = [Double](repeating: 0, count: indices.count * width)
        var newLabels = [Int32](repeating: 0, count: indices.count)
        features.withUnsafeBufferPointer { source in
            newFeatures.withUnsafeMutableBufferPointer { target in
                for (out, index) in indices.enumerated() {
                    for j in 0..<width { target[out * width + j] = source[index * width + j] }
                    newLabels[out] = labels[index]
                }
            }
        }
        return JetDataset(featureNames: featureNames, classNames: classNames, features: newFeatures, labels: newLabels)
    }

    /// Rows `range` (contiguous).
    public func slice(_ range: Range<Int>) -> JetDataset {
        JetDataset(featureNames: featureNames, classNames: classNames,
                   features: Array(features[(range.lowerBound * featureCount)..<(range.upperBound * featureCount)]),
                   labels: Array(labels[range]))
    }

    /// Labels one-hot encoded, row-major `rows × classCount` (Keras `to_categorical`).
    public func oneHotLabels() -> [Double] {
        var out = [Double](repeating: 0, count: rows * classCount)
        for (i, label) in labels.enumerated() { out[i * classCount + Int(label)] = 1 }
        return out
    }

    /// Features converted to Float (for Float trainers), row-major.
    public func featuresAsFloat() -> [Float] { features.map { Float($0) } }

    /// Number of rows per class.
    public func classCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for label in labels { counts[Int(label)] += 1 }
        return counts
    }

    /// A copy whose columns are `names`, in that order (e.g. to bring a file's columns into the standard order).
    public func selectingFeatures(_ names: [String], source: String? = nil) throws -> JetDataset {
        var indices: [Int] = []
        for name in names {
            guard let index = featureNames.firstIndex(of: name) else {
                let hint = nearestName(to: name, in: featureNames).map { "did you mean '\($0)'?" }
                throw UserError("feature '\(name)' is missing from the dataset", at: source, expected: hint)
            }
            indices.append(index)
        }
        let width = featureCount
        var out = [Double](repeating: 0, count: rows * names.count)
        for r in 0..<rows {
            for (j, index) in indices.enumerated() { out[r * names.count + j] = features[r * width + index] }
        }
        return JetDataset(featureNames: names, classNames: classNames, features: out, labels: labels)
    }
}

/// Encodes label strings as class indices in sorted order, as scikit-learn's `LabelEncoder` does.
public struct LabelEncoder: Sendable, Equatable {
    /// Classes in index order (sorted by Unicode scalar values, like numpy's `np.unique` on strings).
    public let classes: [String]

    public init(fitting labels: some Sequence<String>) {
        classes = Array(Set(labels)).sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
    }

    public init(classes: [String]) {
        self.classes = classes.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
    }

    /// Index of `label`, or nil for a label the encoder was not fitted on.
    public func index(of label: String) -> Int? { classes.firstIndex(of: label) }
}
