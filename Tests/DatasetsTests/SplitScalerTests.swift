import Foundation
import XCTest
@testable import Datasets
import Support

final class SplitTests: XCTestCase {
    func testMT19937FirstOutputsForSeed42() {
        // init_genrand(42): the reference MT19937 (also C++ std::mt19937(42)) starts 1608637542, 3421126067, ...
        var random = NumPyRandomState(seed: 42)
        XCTAssertEqual((0..<3).map { _ in random.nextUInt32() }, [1_608_637_542, 3_421_126_067, 4_083_286_876])
        // Output 10000 of mt19937 seeded with the reference default 5489 is 4123659995 (C++ standard, [rand.predef]).
        var standard = NumPyRandomState(seed: 5489)
        for _ in 0..<9999 { _ = standard.nextUInt32() }
        XCTAssertEqual(standard.nextUInt32(), 4_123_659_995)
    }

    func testPermutationOfFiveHandWalked() {
        // Walking numpy's legacy shuffle by hand with the outputs above (1608637542, 3421126067, 4083286876,
        // 787846414, 3143890026):
        // i=4 mask 7: 1608637542&7=6 > 4 reject; 3421126067&7=3 -> swap(4,3) [0,1,2,4,3]
        // i=3 mask 3: 4083286876&3=0 -> swap(3,0) [4,1,2,0,3]
        // i=2 mask 3: 787846414&3=2 -> swap(2,2)
        // i=1 mask 1: 3143890026&1=0 -> swap(1,0) [1,4,2,0,3]
        var random = NumPyRandomState(seed: 42)
        XCTAssertEqual(random.permutation(5), [1, 4, 2, 0, 3])
    }

    func testSmallPermutationsMatchNumpy() {
        // Expected values generated with numpy.random.RandomState(seed).permutation(n) (numpy 2.4.6).
        var a = NumPyRandomState(seed: 42)
        XCTAssertEqual(a.permutation(10), [8, 1, 5, 0, 7, 2, 9, 4, 3, 6])
        var b = NumPyRandomState(seed: 42)
        XCTAssertEqual(b.permutation(17), [0, 1, 5, 15, 11, 14, 8, 13, 2, 9, 16, 4, 7, 10, 12, 3, 6])
        var c = NumPyRandomState(seed: 0)
        XCTAssertEqual(c.permutation(10), [2, 8, 4, 9, 1, 6, 7, 3, 0, 5])
        var d = NumPyRandomState(seed: 12345)
        XCTAssertEqual(d.permutation(20), [13, 8, 16, 3, 15, 12, 0, 10, 7, 11, 6, 17, 19, 18, 14, 9, 4, 1, 5, 2])
    }

    func testTutorialSplitOf830000() throws {
        // hls4ml-facts §8.1: train_test_split(test_size=0.2, random_state=42) on 830000 jets.
        let split = try TrainTestSplit.numpyCompatible(rows: 830_000, testFraction: 0.2, seed: 42)
        XCTAssertEqual(split.test.count, 166_000)
        XCTAssertEqual(split.train.count, 664_000)
        XCTAssertEqual(Array(split.test.prefix(5)), [751_634, 86353, 230_730, 5812, 817_200])
        XCTAssertEqual(Array(split.train.prefix(5)), [277_184, 48441, 739_630, 35870, 709_798])
    }

    func testSplitErrors() {
        assertUserError(["test fraction"]) { _ = try TrainTestSplit.numpyCompatible(rows: 10, testFraction: 1.5) }
        assertUserError(["cannot split 1 rows"]) { _ = try TrainTestSplit.numpyCompatible(rows: 1, testFraction: 0.2) }
    }
}

final class ScalerTests: XCTestCase {
    func testHandWorkedMeanAndPopulationStd() throws {
        // Column 0: 1,2,3,4 -> mean 2.5, population variance 1.25. Column 1 constant 7 -> scale 1 (sklearn).
        let d = JetDataset(featureNames: ["a", "b"], classNames: ["g"], features: [1, 7, 2, 7, 3, 7, 4, 7], labels: [0, 0, 0, 0])
        let scaler = try StandardScaler.fit(d)
        XCTAssertEqual(scaler.mean, [2.5, 7])
        XCTAssertEqual(scaler.variance, [1.25, 0])
        XCTAssertEqual(scaler.scale, [(1.25).squareRoot(), 1])
        let scaled = try scaler.transform(d)
        XCTAssertEqual(scaled.value(row: 0, column: 0), -1.5 / (1.25).squareRoot())
        XCTAssertEqual(scaled.value(row: 3, column: 1), 0)
        // JSON round trip keeps every bit.
        XCTAssertEqual(try StandardScaler.fromJSON(scaler.jsonData()), scaler)
        assertUserError(["malformed StandardScaler"]) {
            _ = try StandardScaler.fromJSON(Data(#"{"format":"hls4swift.StandardScaler.v1","scaler":{"featureNames":["a"],"mean":[1],"variance":[1],"scale":[0],"samplesSeen":1}}"#.utf8))
        }
    }

    func testMatchesSklearnOnFactsRows() throws {
        // sklearn.preprocessing.StandardScaler().fit(X) on the five rows of hls4ml-facts §8.1 (float64), sklearn's
        // mean_/scale_ for zlogz and mass_mmdt, computed with numpy: mean = sum/5, std = sqrt(mean((x-m)^2)).
        let text = featureHeader + ",class\n" + factsRows.map { "\($0.0),\($0.1)" }.joined(separator: "\n")
        let dir = try temporaryDirectory()
        let d = try DatasetLoader.loadUncached(path: write(text, "jets.csv", in: dir)).dataset
        let scaler = try StandardScaler.fit(d)
        let zlogz = [-2.935125, -1.927335, -3.112147, -2.666515, -2.484843]
        let mean = zlogz.reduce(0, +) / 5
        XCTAssertEqual(scaler.mean[0], mean)
        XCTAssertEqual(scaler.scale[0], 0.4102666111415844, accuracy: 1e-15)  // numpy: np.std(zlogz column)
        XCTAssertEqual(scaler.mean[15], (75.0 + 31 + 61 + 39 + 35) / 5)
    }

    func testPrepareUsesTrainingPartOnly() throws {
        let rows = 50
        let features = (0..<rows).flatMap { [Double($0), Double($0 % 7)] }
        let d = JetDataset(featureNames: ["a", "b"], classNames: ["g", "q"], features: features, labels: (0..<rows).map { Int32($0 % 2) })
        let prepared = try PreparedSplit.prepare(LoadedDataset(dataset: d, droppedRows: BadRowReport()), testFraction: 0.2, seed: 42)
        XCTAssertEqual(prepared.test.rows, 10)
        XCTAssertEqual(prepared.train.rows, 40)
        let trainValues = prepared.split.train.map(Double.init)
        XCTAssertEqual(prepared.scaler.mean[0], trainValues.reduce(0, +) / 40, accuracy: 1e-12)
        XCTAssertEqual(prepared.scaler.samplesSeen, 40)
    }
}
