import Foundation
import Support

/// A receiver operating characteristic curve (sklearn `roc_curve` conventions).
public struct ROCCurve: Sendable, Codable, Equatable {
    /// False-positive rates, starting at 0 (threshold +∞) and ending at 1.
    public var falsePositiveRate: [Double]
    public var truePositiveRate: [Double]
    /// Decreasing score thresholds; the first is +∞. Point i counts scores ≥ thresholds[i] as positive.
    public var thresholds: [Double]
    /// Area under the curve by the trapezoid rule (ties between positives and negatives count ½).
    public var auc: Double
    public var positives: Int
    public var negatives: Int
}

/// Classification metrics: accuracy, cross-entropy, exact tie-aware ROC/AUC.
public enum Metrics {
    /// Fraction of rows whose argmax (first on ties) equals the label.
    public static func accuracy(outputs: [Float], classes: Int, labels: [Int32]) -> Double {
        precondition(outputs.count == labels.count * classes)
        guard !labels.isEmpty else { return .nan }
        var correct = 0
        for (r, y) in labels.enumerated() {
            var best = 0
            for j in 1..<classes where outputs[r * classes + j] > outputs[r * classes + best] { best = j }
            if best == Int(y) { correct += 1 }
        }
        return Double(correct) / Double(labels.count)
    }

    /// Keras categorical cross-entropy on probabilities: mean of −log(clip(p_y, 1e−7, 1−1e−7))
    /// (probabilities renormalized per row, as Keras does).
    public static func crossEntropy(probabilities: [Float], classes: Int, labels: [Int32]) -> Double {
        precondition(probabilities.count == labels.count * classes)
        guard !labels.isEmpty else { return .nan }
        let eps = 1e-7
        var total = 0.0
        for (r, y) in labels.enumerated() {
            var sum = 0.0
            for j in 0..<classes { sum += Double(probabilities[r * classes + j]) }
            let p = Double(probabilities[r * classes + Int(y)]) / sum
            total -= log(min(max(p, eps), 1 - eps))
        }
        return total / Double(labels.count)
    }

    /// ROC curve of `scores` against boolean truth, O(n log n). Equal scores form one point, so
    /// ties produce a diagonal segment and the trapezoid AUC counts them ½, exactly (integer sums).
    /// With `dropIntermediate` collinear points are removed like sklearn's default (same AUC).
    public static func roc(scores: [Float], positive: [Bool], dropIntermediate: Bool = false) -> ROCCurve {
        precondition(scores.count == positive.count)
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var fps = [0], tps = [0]
        var thresholds = [Double.infinity]
        var tp = 0, fp = 0
        var i = 0
        while i < order.count {
            let score = scores[order[i]]
            while i < order.count, scores[order[i]] == score {
                if positive[order[i]] { tp += 1 } else { fp += 1 }
                i += 1
            }
            fps.append(fp)
            tps.append(tp)
            thresholds.append(Double(score))
        }
        if dropIntermediate, fps.count > 3 {
            // sklearn: on the thresholded points (without the origin) keep the first, the last and every
            // point where the curve bends (non-zero second difference), then prepend the origin.
            var keep = [0, 1]
            for k in 2..<(fps.count - 1) {
                let secondFP = fps[k + 1] - 2 * fps[k] + fps[k - 1]
                let secondTP = tps[k + 1] - 2 * tps[k] + tps[k - 1]
                if secondFP != 0 || secondTP != 0 { keep.append(k) }
            }
            keep.append(fps.count - 1)
            fps = keep.map { fps[$0] }
            tps = keep.map { tps[$0] }
            thresholds = keep.map { thresholds[$0] }
        }
        var twiceArea = 0
        for k in 1..<fps.count { twiceArea += (fps[k] - fps[k - 1]) * (tps[k] + tps[k - 1]) }
        let p = tp, n = fp
        let auc = (p == 0 || n == 0) ? Double.nan : Double(twiceArea) / (2 * Double(p) * Double(n))
        return ROCCurve(falsePositiveRate: fps.map { n == 0 ? .nan : Double($0) / Double(n) },
                        truePositiveRate: tps.map { p == 0 ? .nan : Double($0) / Double(p) },
                        thresholds: thresholds, auc: auc, positives: p, negatives: n)
    }

    /// One-vs-rest ROC per class from row-major `rows × classes` outputs (tutorial `makeRoc`).
    public static func oneVsRestROC(outputs: [Float], classes: Int, labels: [Int32],
                                    dropIntermediate: Bool = false) -> [ROCCurve] {
        precondition(outputs.count == labels.count * classes)
        return (0..<classes).map { c in
            let scores = labels.indices.map { outputs[$0 * classes + c] }
            let positive = labels.map { Int($0) == c }
            return roc(scores: scores, positive: positive, dropIntermediate: dropIntermediate)
        }
    }

    /// Per-class one-vs-rest AUC.
    public static func oneVsRestAUC(outputs: [Float], classes: Int, labels: [Int32]) -> [Double] {
        oneVsRestROC(outputs: outputs, classes: classes, labels: labels).map(\.auc)
    }
}
