import XCTest
import Foundation
@testable import Pipeline
import Support

final class PipelineConfigTests: XCTestCase {
    func testEveryShippedPipelineParses() throws {
        let names = ["jets", "part1_getting_started", "part2_advanced_config", "part3_compression", "part4_quantization"]
        for name in names {
            let config = try PipelineConfig.load(file: "pipelines/\(name).yml")
            XCTAssertEqual(config.name, name)
            XCTAssertEqual(config.dataset.source, .synthetic, "\(name) must run on the embedded default")
            XCTAssertEqual(config.model.layers, ModelSection.tutorialLayers, name)
            XCTAssertNotNil(config.hls, name)
        }
        let part4 = try PipelineConfig.load(file: "pipelines/part4_quantization.yml")
        XCTAssertEqual(part4.pruning?.targetSparsity, 0.75)
        XCTAssertEqual(part4.pruning?.beginStep, 2000)
        XCTAssertEqual(part4.quantization?.kernel, "quantized_bits(6,0,alpha=1)")
        XCTAssertEqual(part4.quantization?.activation, "quantized_relu(6)")
        XCTAssertEqual(try PipelineConfig.load(file: "pipelines/jets.yml").sweep?.sparsity, [0.5, 0.75, 0.9, 0.95])
    }

    func testUnknownKeyNamesNearestKeyAndLine() throws {
        let yaml = """
        name: demo
        training:
          epochs: 3
          batch_sise: 128
        """
        XCTAssertThrowsError(try PipelineConfig.parse(try YAMLNode.parse(yaml, file: "demo.yml"), file: "demo.yml")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("demo.yml:4"), text)
            XCTAssertTrue(text.contains("'batch_sise'"), text)
            XCTAssertTrue(text.contains("'batch_size'"), text)
        }
    }

    func testBadValuesAreRefusedWithLocation() throws {
        func error(_ yaml: String) -> String {
            do {
                _ = try PipelineConfig.parse(try YAMLNode.parse(yaml, file: "x.yml"), file: "x.yml")
                return "no error"
            } catch { return "\(error)" }
        }
        XCTAssertTrue(error("training:\n  epochs: ten\n").contains("x.yml:2 (training.epochs): expected an integer"))
        XCTAssertTrue(error("dataset:\n  source: parquet\n").contains("unknown value 'parquet'"))
        XCTAssertTrue(error("dataset:\n  source: csv\n").contains("needs a 'path'"))
        XCTAssertTrue(error("pruning:\n  target_sparsity: 1.5\n").contains("target_sparsity must be in [0, 1)"))
        XCTAssertTrue(error("model:\n  layers:\n    - conv2d: {units: 3}\n").contains("unknown layer type 'conv2d'"))
        XCTAssertTrue(error("name: a b\n").contains("invalid pipeline name"))
    }

    func testDefaultsFollowTheTutorial() throws {
        let config = try PipelineConfig.parse(try YAMLNode.parse("name: d\n", file: "d.yml"), file: "d.yml")
        XCTAssertEqual(config.training.epochs, 30)
        XCTAssertEqual(config.training.batchSize, 1024)
        XCTAssertEqual(config.training.validationSplit, 0.25)
        XCTAssertEqual(config.dataset.testFraction, 0.2)
        XCTAssertEqual(config.dataset.rows, 830_000)
        XCTAssertEqual(config.checks.maxAUCLoss, 0.005)
        XCTAssertEqual(config.model.l1, 1e-4)
    }
}

final class StageCacheTests: XCTestCase {
    func testKeyIsSHA256OfFramedParts() {
        // Different framing of the same characters must give different keys.
        XCTAssertNotEqual(StageCache.key(["ab", "c"]), StageCache.key(["a", "bc"]))
        XCTAssertEqual(StageCache.key(["x"]).count, 64)
    }

    func testFileDigestMatchesKnownSHA256() throws {
        let path = NSTemporaryDirectory() + "/hls4swift-digest-\(getpid()).txt"
        try Data("abc".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        // FIPS 180-2 test vector for "abc".
        XCTAssertEqual(try StageCache.fileDigest(path), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testInterruptedStageLeavesNothingAndIsRebuilt() throws {
        let root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("hls4swift-cache-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        let cache = StageCache(root: root)
        struct Interrupted: Error {}
        XCTAssertThrowsError(try cache.materialize(stage: "train", key: "k1") { dir in
            try Data("half".utf8).write(to: dir.appendingPathComponent("model.bin"))
            throw Interrupted()
        })
        XCTAssertFalse(cache.isComplete(stage: "train", key: "k1"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path), [])
        var builds = 0
        let first = try cache.materialize(stage: "train", key: "k1") { dir in
            builds += 1
            try Data("whole".utf8).write(to: dir.appendingPathComponent("model.bin"))
        }
        let second = try cache.materialize(stage: "train", key: "k1") { _ in builds += 1 }
        XCTAssertFalse(first.cached)
        XCTAssertTrue(second.cached)
        XCTAssertEqual(builds, 1)
        XCTAssertEqual(try String(contentsOf: second.url.appendingPathComponent("model.bin"), encoding: .utf8), "whole")
    }
}
