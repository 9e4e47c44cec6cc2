import XCTest
import Foundation
@testable import Pipeline
import Support

/// End to end on a tiny CSV dataset: every stage runs, artifacts land, caching works, and the
/// numbers in metrics.json agree with the artifacts they summarize.
final class PipelineRunTests: XCTestCase {
    static let featureNames = ["zlogz", "c1_b0_mmdt", "c1_b1_mmdt", "c1_b2_mmdt", "c2_b1_mmdt", "c2_b2_mmdt", "d2_b1_mmdt",
                               "d2_b2_mmdt", "d2_a1_b1_mmdt", "d2_a1_b2_mmdt", "m2_b1_mmdt", "m2_b2_mmdt", "n2_b1_mmdt",
                               "n2_b2_mmdt", "mass_mmdt", "multiplicity"]

    var directory: URL!

    override func setUpWithError() throws {
        directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("hls4swift-run-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Five separable-ish classes: class k shifts every feature by 0.6·k, plus deterministic noise.
        var csv = Self.featureNames.joined(separator: ",") + ",class\n"
        var state: UInt64 = 12345
        func noise() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) * 2 - 1
        }
        let classes = ["g", "q", "t", "w", "z"]
        for row in 0..<1500 {
            let label = row % 5
            let values = (0..<16).map { feature in 0.6 * Double(label) * (feature % 2 == 0 ? 1 : -1) + 1.5 * noise() }
            csv += values.map { String(format: "%.5f", $0) }.joined(separator: ",") + ",\(classes[label])\n"
        }
        try csv.write(to: directory.appendingPathComponent("jets.csv"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func pipeline(_ extra: String, precision: String = "ap_fixed<16,6>", csim: Bool = false) throws -> PipelineConfig {
        let yaml = """
        name: tiny
        dataset: {source: csv, path: jets.csv}
        training: {epochs: 2, batch_size: 128, seed: 3}
        \(extra)
        hls:
          HLSConfig:
            Model:
              Precision: \(precision)
        checks: {csim: \(csim), csim_samples: 50, max_auc_loss: 1.0, max_accuracy_loss: 1.0}
        output: {dir: \(directory.appendingPathComponent("artifacts").path)}
        """
        let file = directory.appendingPathComponent("tiny.yml").path
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        return try PipelineConfig.load(file: file)
    }

    func testFullRunWritesArtifactsAndCachesStages() throws {
        let first = try PipelineRunner(config: try pipeline(""), options: RunOptions(quiet: true)).run()
        XCTAssertFalse(first.upToDate)
        XCTAssertEqual(Set(first.stagesRun), ["data", "train", "hls", "simulate"])
        let root = URL(fileURLWithPath: first.artifactDirectory)
        for file in ["manifest.json", "metrics.json", "model.h5", "scaler.json", "report.html", "predictions/firmware.npy",
                     "predictions/float.npy", "predictions/labels.npy", "hls/myproject/firmware/myproject.cpp",
                     "hls/myproject/build_prj.tcl", "hls/myproject/hls4swift_graph.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent(file).path), "missing \(file)")
        }
        // metrics.json's firmware accuracy is the argmax accuracy of predictions/firmware.npy.
        let outputs = try NPYArray.read(path: root.appendingPathComponent("predictions/firmware.npy").path)
        let labels = try NPYArray.read(path: root.appendingPathComponent("predictions/labels.npy").path)
        XCTAssertEqual(outputs.shape, [300, 5])
        var correct = 0
        for row in 0..<300 {
            let scores = outputs.values[(row * 5)..<(row * 5 + 5)]
            let best = scores.indices.max { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 > $1) }! - row * 5
            if Double(best) == labels.values[row] { correct += 1 }
        }
        XCTAssertEqual(first.metrics.firmware!.accuracy, Double(correct) / 300, accuracy: 1e-12)
        XCTAssertEqual(first.metrics.testSamples, 300, "test fraction 0.2 of 1500 rows")
        // One stable schema: variants a run did not train are present as null.
        let metricsObject = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("metrics.json"))) as! [String: Any]
        for key in ["float", "pruned", "quantized", "firmware", "sparsity", "estimate", "parity", "csim"] {
            XCTAssertTrue(metricsObject.keys.contains(key), "metrics.json lacks \(key)")
        }
        XCTAssertTrue(metricsObject["quantized"] is NSNull)
        let html = try String(contentsOf: root.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("ROC curves") && html.contains("Numerical profiling") && html.contains("Resources and latency"))

        // Unchanged rerun: nothing runs.
        let second = try PipelineRunner(config: try pipeline(""), options: RunOptions(quiet: true)).run()
        XCTAssertTrue(second.upToDate)
        XCTAssertEqual(second.stagesRun, [])
        XCTAssertEqual(second.metrics, first.metrics)

        // Only the HLS precision changes: no retraining, new project and simulation.
        let third = try PipelineRunner(config: try pipeline("", precision: "ap_fixed<12,5>"), options: RunOptions(quiet: true)).run()
        XCTAssertEqual(Set(third.stagesRun), ["hls", "simulate"])
        XCTAssertTrue(third.stagesCached.contains("train"))
        let graph = try String(contentsOf: root.appendingPathComponent("hls/myproject/hls4swift_graph.json"), encoding: .utf8)
        XCTAssertTrue(graph.contains("fixed<12,5"))
    }

    func testQuantizationAwareModelHasExactFirmwareLogitsAndCSimAgrees() throws {
        let config = try pipeline("""
        pruning: {target_sparsity: 0.5, begin_step: 3, frequency: 2}
        quantization: {kernel_quantizer: "quantized_bits(6,0,alpha=1)", activation_quantizer: "quantized_relu(6)"}
        """, csim: true)
        let summary = try PipelineRunner(config: config, options: RunOptions(quiet: true)).run()
        XCTAssertEqual(summary.metrics.parity?.reference, "quantized")
        XCTAssertEqual(summary.metrics.parity?.logitMismatches, 0, "firmware logits must equal the QAT model's")
        XCTAssertEqual(summary.metrics.csim, CSimCheck(samples: 50, mismatches: 0))
        // 50 % pruning reaches the firmware as exact zeros in every Dense kernel.
        for (layer, sparsity) in summary.metrics.sparsity!.layers {
            XCTAssertEqual(sparsity, 0.5, accuracy: 0.01, layer)
        }
    }

    func testEvaluateScoresAnotherFileWithTheStoredScaler() throws {
        let summary = try PipelineRunner(config: try pipeline(""), options: RunOptions(quiet: true)).run()
        let result = try Evaluator.evaluate(artifactDirectory: summary.artifactDirectory,
                                            dataset: directory.appendingPathComponent("jets.csv").path)
        XCTAssertEqual(result.samples, 1500)
        XCTAssertEqual(Set(result.float.auc.keys), ["g", "q", "t", "w", "z"])
        // The same model on a superset of its test set: accuracy in the same neighbourhood, far above chance.
        XCTAssertGreaterThan(result.float.accuracy, 0.4)
        XCTAssertEqual(result.firmware.accuracy, result.float.accuracy, accuracy: 0.05)
        XCTAssertThrowsError(try Evaluator.evaluate(artifactDirectory: directory.path, dataset: "x.csv")) { error in
            XCTAssertTrue("\(error)".contains("no model.h5"), "\(error)")
        }
    }

    func testSweepRetrainsEachTargetFromTheBaseModel() throws {
        let config = try pipeline("pruning: {target_sparsity: 0.5, begin_step: 0, frequency: 2}")
        let summary = try SparsitySweep(config: config, targets: [0.25, 0.75], options: RunOptions(quiet: true), jobs: 2).run()
        XCTAssertEqual(summary.points.map(\.sparsity), [0.25, 0.75])
        for point in summary.points {
            let metrics = try JSONDecoder().decode(RunMetrics.self, from: Data(contentsOf:
                URL(fileURLWithPath: point.artifactDirectory).appendingPathComponent("metrics.json")))
            XCTAssertEqual(metrics.sparsity!.total, point.sparsity, accuracy: 0.01)
            XCTAssertNil(metrics.float, "sweep points start from the trained base model, they do not retrain it")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: summary.report))
        XCTAssertTrue(try String(contentsOfFile: summary.report, encoding: .utf8).contains("Pareto"))
    }

    func testMissingDatasetFileIsAClearError() throws {
        var config = try pipeline("")
        config.dataset.path = directory.appendingPathComponent("absent.csv").path
        XCTAssertThrowsError(try PipelineRunner(config: config, options: RunOptions(quiet: true)).run()) { error in
            XCTAssertTrue("\(error)".contains("absent.csv"), "\(error)")
            XCTAssertTrue("\(error)".contains("not found"), "\(error)")
        }
    }
}
