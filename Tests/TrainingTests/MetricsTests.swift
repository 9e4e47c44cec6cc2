import XCTest
@testable import Training

/// ROC/AUC against hand-counted cases; ties count ½ (the trapezoid over a tied group).
final class MetricsTests: XCTestCase {
    func testROCWithTiesByHand() {
        // Positives score .9, .8, .7; negatives .8, .6, .6.
        let scores: [Float] = [0.9, 0.8, 0.8, 0.7, 0.6, 0.6]
        let positive = [true, true, false, true, false, false]
        let roc = Metrics.roc(scores: scores, positive: positive)
        XCTAssertEqual(roc.thresholds, [.infinity, Double(Float(0.9)), Double(Float(0.8)), Double(Float(0.7)), Double(Float(0.6))])
        XCTAssertEqual(roc.falsePositiveRate, [0, 0, 1.0 / 3, 1.0 / 3, 1])
        XCTAssertEqual(roc.truePositiveRate, [0, 1.0 / 3, 2.0 / 3, 1, 1])
        // Pairs won: .9 beats 3; .8 ties one (½) and beats two; .7 beats two → 7.5 of 9.
        XCTAssertEqual(roc.auc, 7.5 / 9, accuracy: 1e-15)
        XCTAssertEqual(roc.positives, 3)
        XCTAssertEqual(roc.negatives, 3)
    }

    func testDegenerateCurves() {
        XCTAssertEqual(Metrics.roc(scores: [0.5, 0.5, 0.5, 0.5], positive: [true, false, true, false]).auc, 0.5)
        XCTAssertEqual(Metrics.roc(scores: [0.9, 0.8, 0.1, 0.2], positive: [true, true, false, false]).auc, 1)
        XCTAssertEqual(Metrics.roc(scores: [0.1, 0.2, 0.9, 0.8], positive: [true, true, false, false]).auc, 0)
        XCTAssertTrue(Metrics.roc(scores: [0.1, 0.2], positive: [true, true]).auc.isNaN)
        // One positive tied with one of two negatives, above the other: (1 + ½)/2.
        XCTAssertEqual(Metrics.roc(scores: [0.4, 0.4, 0.1], positive: [true, false, false]).auc, 0.75)
    }

    func testDropIntermediateLikeSklearn() {
        // sklearn's rule on the thresholded points (fps [0,0,1,2], tps [1,2,2,2] for thresholds 4,3,2,1):
        // keep first, last and bends → thresholds 4, 3, 1; then the origin (threshold +∞) is prepended.
        let roc = Metrics.roc(scores: [4, 3, 2, 1], positive: [true, true, false, false], dropIntermediate: true)
        XCTAssertEqual(roc.falsePositiveRate, [0, 0, 0, 1])
        XCTAssertEqual(roc.truePositiveRate, [0, 0.5, 1, 1])
        XCTAssertEqual(roc.thresholds, [.infinity, 4, 3, 1])
        XCTAssertEqual(roc.auc, 1)
        // Collinear interior points vanish, the area does not change.
        let scores: [Float] = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]
        let positive = [true, true, true, false, true, false, false, false]
        let full = Metrics.roc(scores: scores, positive: positive)
        let thin = Metrics.roc(scores: scores, positive: positive, dropIntermediate: true)
        XCTAssertEqual(thin.thresholds.map { Float($0) }, [.infinity, 0.9, 0.7, 0.6, 0.5, 0.2])
        XCTAssertEqual(thin.auc, full.auc)
        XCTAssertEqual(full.auc, 15.0 / 16)
    }

    func testOneVsRestAccuracyAndCrossEntropy() {
        // 3 rows, 3 classes.
        let outputs: [Float] = [0.7, 0.2, 0.1,
                                0.1, 0.6, 0.3,
                                0.5, 0.4, 0.1]
        let labels: [Int32] = [0, 2, 1]
        XCTAssertEqual(Metrics.accuracy(outputs: outputs, classes: 3, labels: labels), 1.0 / 3)
        let ce = Metrics.crossEntropy(probabilities: outputs, classes: 3, labels: labels)
        XCTAssertEqual(ce, -(log(0.7) + log(0.3) + log(0.4)) / 3, accuracy: 1e-6)
        let aucs = Metrics.oneVsRestAUC(outputs: outputs, classes: 3, labels: labels)
        // Class 0: positive .7 vs negatives .1, .5 → 1. Class 1: positive .4 vs .2, .6 → ½.
        // Class 2: positive .3 vs .1, .1 → 1.
        XCTAssertEqual(aucs, [1, 0.5, 1])
    }

    func testLargeRandomAUCEqualsPairCount() {
        // O(n log n) AUC equals the O(n²) Mann–Whitney pair count with ½ for ties.
        var g = Xoshiro256(seed: 9)
        let n = 600
        let scores = (0..<n).map { _ in Float(g.nextIndex(below: 40)) / 40 }
        let positive = (0..<n).map { i in g.nextUnitDouble() < 0.3 + 0.4 * Double(scores[i]) }
        var wins = 0.0, pairs = 0.0
        for i in 0..<n where positive[i] {
            for j in 0..<n where !positive[j] {
                pairs += 1
                if scores[i] > scores[j] { wins += 1 } else if scores[i] == scores[j] { wins += 0.5 }
            }
        }
        XCTAssertEqual(Metrics.roc(scores: scores, positive: positive).auc, wins / pairs, accuracy: 1e-12)
    }
}

final class RandomTests: XCTestCase {
    /// xoshiro256** reference: state {1, 2, 3, 4} gives 11520, 0, 1509978240, 1215971899390074240 (the
    /// published reference implementation's first outputs).
    func testXoshiroMatchesTheReferenceSequence() {
        var g = Xoshiro256(seed: 0)
        g.state = [1, 2, 3, 4]
        XCTAssertEqual((0..<4).map { _ in g.next() }, [11520, 0, 1509978240, 1215971899390074240])
        // SplitMix64 seeding of 0 starts with 0xE220A8397B1DCDAF (the SplitMix64 reference).
        XCTAssertEqual(Xoshiro256(seed: 0).state[0], 0xE220_A839_7B1D_CDAF)
        // Bounded draws are in range and the state survives a JSON round trip.
        var h = Xoshiro256(seed: 3)
        XCTAssertTrue((0..<1000).allSatisfy { _ in (0..<7).contains(h.nextIndex(below: 7)) })
        let copy = try! JSONDecoder().decode(Xoshiro256.self, from: try! JSONEncoder().encode(h))
        XCTAssertEqual(copy, h)
    }
}
