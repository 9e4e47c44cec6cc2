import Foundation
import XCTest
@testable import Datasets
import Support

/// Per-class mean and std in physical units from shared/docs/jet-feature-stats.md §1 B (real jets, OpenML 42468),
/// classes g, q, t, w, z. Hard-coded here as the independent truth the generator is checked against.
let docMeanStd: [String: [(Double, Double)]] = [
    "zlogz": [(-3.092, 0.395), (-2.500, 0.468), (-3.104, 0.317), (-2.696, 0.351), (-2.711, 0.341)],
    "c1_b0_mmdt": [(0.452, 0.0365), (0.401, 0.0674), (0.462, 0.0249), (0.435, 0.0454), (0.437, 0.0408)],
    "c1_b1_mmdt": [(0.0297, 0.0280), (0.0150, 0.0211), (0.0770, 0.0280), (0.0328, 0.0144), (0.0377, 0.0158)],
    "c2_b1_mmdt": [(0.0440, 0.0388), (0.0219, 0.0285), (0.0968, 0.0429), (0.0347, 0.0185), (0.0402, 0.0209)],
    "d2_b1_mmdt": [(1.502, 0.380), (1.419, 0.440), (1.218, 0.353), (1.115, 0.444), (1.121, 0.466)],
    "d2_a1_b2_mmdt": [(0.249, 0.0608), (0.212, 0.0680), (0.196, 0.0580), (0.156, 0.0658), (0.152, 0.0653)],
    "m2_b1_mmdt": [(0.124, 0.0353), (0.103, 0.0387), (0.0963, 0.0310), (0.0780, 0.0339), (0.0755, 0.0337)],
    "n2_b1_mmdt": [(0.354, 0.0617), (0.315, 0.0760), (0.292, 0.0687), (0.250, 0.0789), (0.246, 0.0783)],
    "n2_b2_mmdt": [(0.191, 0.0635), (0.169, 0.0667), (0.149, 0.0662), (0.104, 0.0678), (0.0996, 0.0644)],
    "mass_mmdt": [(60.9, 59.7), (29.3, 42.3), (136.9, 47.3), (65.2, 28.1), (75.8, 30.9)],
    "multiplicity": [(71.9, 22.1), (41.6, 17.9), (67.1, 17.9), (41.1, 12.0), (43.0, 11.7)],
]

final class SyntheticJetsTests: XCTestCase {
    static let sample = SyntheticJets.generate(rows: 40_000, seed: 2024)
    static let rowsByClass: [[Int]] = (0..<5).map { c in (0..<sample.rows).filter { sample.labels[$0] == Int32(c) } }

    func testDeterministicForSeedAndIndependentOfThreads() {
        let a = SyntheticJets.generate(rows: 20_000, seed: 7, threads: 1)
        let b = SyntheticJets.generate(rows: 20_000, seed: 7, threads: 2)
        let c = SyntheticJets.generate(rows: 20_000, seed: 8, threads: 2)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a.features, c.features)
        XCTAssertEqual(a.featureNames, JetDataset.standardFeatureNames)
        XCTAssertEqual(a.classNames, ["g", "q", "t", "w", "z"])
        // A prefix of a longer run is the same jets (chunks are seeded by index).
        XCTAssertEqual(SyntheticJets.generate(rows: 9000, seed: 7).slice(0..<5000), a.slice(0..<5000))
    }

    func testPerClassMeansAndSpreadsMatchRealJets() {
        let d = Self.sample
        for (name, expected) in docMeanStd {
            let column = d.featureNames.firstIndex(of: name)!
            for classIndex in 0..<5 {
                let values = Self.rowsByClass[classIndex].map { d.value(row: $0, column: column) }
                let mean = values.reduce(0, +) / Double(values.count)
                let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
                let (docMean, docStd) = expected[classIndex]
                let label = "\(name) class \(d.classNames[classIndex]): mean \(mean) std \(std) vs real \(docMean) / \(docStd)"
                XCTAssertLessThan(abs(mean - docMean), 0.25 * docStd, label)
                XCTAssertLessThan(abs(std / docStd - 1), 0.25, label)
            }
        }
    }

    func testMassPeaksAndGroomedAwayFractions() {
        let d = Self.sample
        func masses(_ classIndex: Int) -> [Double] {
            Self.rowsByClass[classIndex].map { d.value(row: $0, column: 14) }
        }
        /// Most populated 2 GeV bin above 40 GeV.
        func mode(_ values: [Double]) -> Double {
            var bins = [Int](repeating: 0, count: 200)
            for v in values where v >= 40 && v < 400 { bins[Int(v / 2)] += 1 }
            return Double(bins.indices.max { bins[$0] < bins[$1] }!) * 2 + 1
        }
        XCTAssertEqual(mode(masses(3)), 80.4, accuracy: 3, "W peak")
        XCTAssertEqual(mode(masses(4)), 91.2, accuracy: 3, "Z peak")
        XCTAssertEqual(mode(masses(2)), 173, accuracy: 8, "top peak")
        // jet-feature-stats: 17–19% of W and Z jets below 40 GeV, ~4% of tops, 51% of g and 74% of q.
        func below40(_ classIndex: Int) -> Double { let m = masses(classIndex); return Double(m.filter { $0 < 40 }.count) / Double(m.count) }
        XCTAssertEqual(below40(3), 0.18, accuracy: 0.04)
        XCTAssertEqual(below40(4), 0.18, accuracy: 0.04)
        XCTAssertEqual(below40(2), 0.04, accuracy: 0.03)
        XCTAssertEqual(below40(0), 0.51, accuracy: 0.06)
        XCTAssertEqual(below40(1), 0.74, accuracy: 0.06)
        // About 20% of tops sit in 60–100 GeV (the W inside the top).
        let top = masses(2)
        XCTAssertEqual(Double(top.filter { $0 >= 60 && $0 < 100 }.count) / Double(top.count), 0.20, accuracy: 0.06)
    }

    func testStructureOfTheFeatures() {
        let d = Self.sample
        func correlation(_ a: Int, _ b: Int) -> Double {
            let x = d.column(a), y = d.column(b)
            let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
            var sxy = 0.0, sxx = 0.0, syy = 0.0
            for i in 0..<x.count { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) * (x[i] - mx); syy += (y[i] - my) * (y[i] - my) }
            return sxy / (sxx * syy).squareRoot()
        }
        for r in 0..<d.rows {
            XCTAssertEqual(d.value(row: r, column: 8), d.value(row: r, column: 6))  // d2_a1_b1 == d2_b1
            let multiplicity = d.value(row: r, column: 15)
            XCTAssertEqual(multiplicity, multiplicity.rounded())
            XCTAssertGreaterThanOrEqual(d.value(row: r, column: 14), 0)
            XCTAssertLessThanOrEqual(d.value(row: r, column: 1), 0.49 + 1e-9)  // c1_b0 hard edge
            if r > 2000 { break }
        }
        // The strongest real correlations (jet-feature-stats §1 C): c1_b1~mass +0.97, d2_a1_b2~n2_b1 +0.97,
        // m2_b1~m2_b2 +0.94, zlogz~multiplicity -0.83, zlogz~c1_b0 -0.85.
        XCTAssertGreaterThan(correlation(2, 14), 0.9)
        XCTAssertGreaterThan(correlation(9, 12), 0.9)
        XCTAssertGreaterThan(correlation(10, 11), 0.85)
        XCTAssertLessThan(correlation(0, 15), -0.65)
        XCTAssertLessThan(correlation(0, 1), -0.70)  // real -0.85; the generator gives about -0.73
    }

    func testWritersProduceLoadableFiles() throws {
        let dir = try temporaryDirectory()
        let d = SyntheticJets.generate(rows: 500, seed: 3)
        for name in ["s.csv", "s.arff", "s.npz"] {
            let path = dir.appendingPathComponent(name).path
            try SyntheticJets.write(d, to: path, format: try DatasetFormat.infer(fromPath: path))
            XCTAssertEqual(try DatasetLoader.loadUncached(path: path).dataset, d, name)
        }
    }
}
