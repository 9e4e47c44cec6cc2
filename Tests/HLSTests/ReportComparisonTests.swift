import XCTest
@testable import HLS

final class ReportComparisonTests: XCTestCase {
    func testRelativeErrorHandWorked() {
        XCTAssertEqual(EstimateComparison.Field(name: "dsp", estimate: 120, actual: 100).relativeError ?? .nan, 0.2, accuracy: 1e-12)
        XCTAssertEqual(EstimateComparison.Field(name: "dsp", estimate: 75, actual: 100).relativeError ?? .nan, -0.25, accuracy: 1e-12)
        XCTAssertEqual(EstimateComparison.Field(name: "uram", estimate: 0, actual: 0).relativeError, 0)
        XCTAssertNil(EstimateComparison.Field(name: "bram_18k", estimate: 5, actual: 0).relativeError)
    }

    /// The pruned tutorial estimate against the real Vitis 2024.1 report of a 75 %-pruned jet tagger.
    func testPrunedEstimateAgainstVitisReport() throws {
        let path = "../shared/data/reports/vitis_hls_2024.1_jet_prune75_csynth.rpt"
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("shared report \(path) is absent") }
        let report = try SynthesisReport.read(from: path)
        let estimate = try Estimator.estimate(TutorialGraphs.part3Pruned())
        let comparison = EstimateComparison(estimate: estimate, report: report)
        XCTAssertEqual(comparison.total.map(\.name), ["dsp", "lut", "ff", "bram_18k", "latency_cycles", "latency_ns", "ii"])
        let dsp = try XCTUnwrap(comparison.total("dsp"))
        XCTAssertEqual(dsp.actual, 817)
        XCTAssertEqual(dsp.estimate, Double(estimate.total.dsp))
        XCTAssertEqual(dsp.relativeError ?? .nan, (Double(estimate.total.dsp) - 817) / 817, accuracy: 1e-12)
        XCTAssertEqual(comparison.total("latency_cycles")?.actual, 14)
        XCTAssertEqual(comparison.total("ii")?.relativeError, 0)
        // The estimate is within ±30 % of this real report on DSP, LUT and FF.
        for name in ["dsp", "lut", "ff"] {
            XCTAssertLessThan(abs(try XCTUnwrap(comparison.total(name)?.relativeError)), 0.3, name)
        }
        // Every layer finds its module through config<N>.
        XCTAssertEqual(comparison.layers.map(\.name), ["fc1", "relu1", "fc2", "relu2", "fc3", "relu3", "output", "softmax"])
        XCTAssertEqual(comparison.layers.last?.fields.first { $0.name == "dsp" }?.actual, 5)
        XCTAssertEqual(comparison.layers.last?.fields.first { $0.name == "dsp" }?.relativeError, 0)
        XCTAssertTrue(comparison.table().contains("Vitis HLS 2024.1"))
        let json = try JSONSerialization.jsonObject(with: Data(try comparison.jsonString().utf8)) as? [String: Any]
        XCTAssertNotNil(json?["total"])
    }
}
