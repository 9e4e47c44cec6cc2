import Foundation
import Support

/// Features (row-major `count × featureCount`, Float32) with integer class labels.
///
/// Keras's one-hot targets are accepted through `init(features:featureCount:oneHot:)`; the trainer
/// works with class indices (categorical cross-entropy of a one-hot target is the same thing).
public struct LabeledData: Sendable, Equatable {
    public var features: [Float]
    public var featureCount: Int
    public var labels: [Int32]

    public var count: Int { labels.count }

    public init(features: [Float], featureCount: Int, labels: [Int32]) throws {
        guard featureCount > 0 else { throw UserError("feature count must be positive, got \(featureCount)") }
        guard features.count == labels.count * featureCount else {
            throw UserError("\(features.count) feature values do not fit \(labels.count) rows",
                            expected: "\(labels.count) × \(featureCount) = \(labels.count * featureCount) values")
        }
        guard labels.allSatisfy({ $0 >= 0 }) else { throw UserError("class labels must be ≥ 0") }
        self.features = features
        self.featureCount = featureCount
        self.labels = labels
    }

    /// From one-hot (or probability) targets, `count × classes`: the label is the argmax (first on ties).
    public init(features: [Float], featureCount: Int, oneHot: [Float], classes: Int) throws {
        guard classes > 0, oneHot.count % classes == 0 else {
            throw UserError("\(oneHot.count) target values are not a multiple of \(classes) classes")
        }
        var labels = [Int32](repeating: 0, count: oneHot.count / classes)
        for r in labels.indices {
            var best = 0
            for j in 1..<classes where oneHot[r * classes + j] > oneHot[r * classes + best] { best = j }
            labels[r] = Int32(best)
        }
        try self.init(features: features, featureCount: featureCount, labels: labels)
    }

    /// Rows `range` as a new data set.
    public func rows(_ range: Range<Int>) -> LabeledData {
        // Shapes are consistent by construction, so this cannot fail.
        try! LabeledData(features: Array(features[(range.lowerBound * featureCount)..<(range.upperBound * featureCount)]),
                         featureCount: featureCount, labels: Array(labels[range]))
    }

    /// Keras `validation_split`: the first ⌊n·(1−split)⌋ rows train, the LAST rows validate (before shuffling).
    public func splitForValidation(_ fraction: Double) throws -> (training: LabeledData, validation: LabeledData) {
        guard fraction > 0, fraction < 1 else {
            throw UserError("validation split \(fraction) is out of range", expected: "a value in (0, 1)")
        }
        let splitAt = Int((Double(count) * (1 - fraction)).rounded(.down))
        guard splitAt > 0, splitAt < count else {
            throw UserError("validation split \(fraction) of \(count) rows leaves an empty part")
        }
        return (rows(0..<splitAt), rows(splitAt..<count))
    }

    /// One-hot targets (`count × classes`).
    public func oneHot(classes: Int) -> [Float] {
        var out = [Float](repeating: 0, count: count * classes)
        for (r, y) in labels.enumerated() where Int(y) < classes { out[r * classes + Int(y)] = 1 }
        return out
    }
}
