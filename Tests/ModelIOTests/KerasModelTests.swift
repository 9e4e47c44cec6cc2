import XCTest
import TestSupport
import Foundation
import HDF5
import Support
@testable import ModelIO

/// Shared helpers for the ModelIO tests.
enum Fixtures {
    static let kerasDirectory = "../shared/data/keras"
    static let referenceDirectory = "../shared/data/hls4ml-reference"

    static func require(_ path: String) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("\(path) not present (shared reference data is only on the development machine)")
        }
        return path
    }

    static func keras3Layer() throws -> KerasModel {
        try KerasModel.load(json: require("\(kerasDirectory)/KERAS_3layer.json"),
                            weights: require("\(kerasDirectory)/KERAS_3layer_weights.h5"))
    }

    static func qkeras3Layer() throws -> KerasModel {
        try KerasModel.load(json: require("\(kerasDirectory)/qkeras_3layer.json"),
                            weights: require("\(kerasDirectory)/qkeras_3layer_weights.h5"))
    }
}

final class KerasModelTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("modelio-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func testReadsFunctionalKerasJsonAndWeights() throws {
        let model = try Fixtures.keras3Layer()
        XCTAssertEqual(model.layers.map(\.name), ["input_1", "fc1_relu", "fc2_relu", "fc3_relu", "output_softmax"])
        XCTAssertEqual(model.layers.map(\.className), ["InputLayer", "Dense", "Dense", "Dense", "Dense"])
        XCTAssertEqual(model.inputSize, 16)
        XCTAssertEqual(model.kerasVersion, "2.0.0")
        XCTAssertEqual(model.layers[1].config["activation"], "relu")
        XCTAssertEqual(model.layers[4].config["activation"], "softmax")
        XCTAssertEqual(model.layers[1].weight("kernel")?.shape, [16, 64])
        XCTAssertEqual(model.layers[2].weight("kernel")?.shape, [64, 32])
        XCTAssertEqual(model.layers[4].weight("bias")?.shape, [5])
        XCTAssertEqual(model.layers[1].weights.map(\.name), ["fc1_relu/kernel:0", "fc1_relu/bias:0"])
    }

    func testReadsQKerasSequential() throws {
        let model = try Fixtures.qkeras3Layer()
        XCTAssertEqual(model.layers.map(\.name), ["fc1_input", "fc1", "relu1", "fc2", "relu2", "fc3", "relu3", "output", "softmax"])
        XCTAssertEqual(model.layers[1].className, "QDense")
        XCTAssertEqual(model.layers[1].config["kernel_quantizer"]?["config"]?["bits"]?.intValue, 6)
        XCTAssertEqual(model.layers[2].config["activation"]?["class_name"], "quantized_relu")
        XCTAssertEqual(model.layers[7].weight("kernel")?.shape, [32, 5])
    }

    func testSingleFileRoundTripOfTheJetTagger() throws {
        let original = try Fixtures.keras3Layer()
        try original.writeH5(to: path("jet.h5"))
        let reread = try KerasModel.load(path: path("jet.h5"))
        XCTAssertEqual(reread, original)

        // The layout Keras' own loader expects, checked at the HDF5 level.
        let file = try HDF5File.open(path: path("jet.h5"))
        let config = try XCTUnwrap(try file.readStringAttribute("model_config"))
        XCTAssertTrue(config.contains("\"class_name\":\"Sequential\""))
        XCTAssertEqual(try file.readStringAttribute("keras_version"), "2.0.0")
        XCTAssertEqual(try file.readStringAttribute("backend"), "tensorflow")
        XCTAssertEqual(try file.readStringArrayAttribute("layer_names", of: "model_weights"),
                       ["input_1", "fc1_relu", "fc2_relu", "fc3_relu", "output_softmax"])
        XCTAssertEqual(try file.readStringArrayAttribute("weight_names", of: "model_weights/fc2_relu"),
                       ["fc2_relu/kernel:0", "fc2_relu/bias:0"])
        XCTAssertEqual(try file.readStringArrayAttribute("weight_names", of: "model_weights/input_1"), [])
        XCTAssertEqual(try file.datasetShape("model_weights/fc2_relu/fc2_relu/kernel:0"), [64, 32])
        let kernel = try file.readFloats("model_weights/output_softmax/output_softmax/kernel:0").values
        XCTAssertEqual(kernel, original.layers[4].weight("kernel")?.values)
    }

    func testBuiltModelRoundTripsInBothLayouts() throws {
        let model = KerasModel.sequential(inputSize: 3, layers: [
            .qDense(name: "fc1", inputs: 3, units: 2, kernel: [0.5, -0.25, 0.125, 1, -1, 0], bias: [0.03125, -0.5],
                    kernelQuantizer: KerasLayer.quantizedBits(bits: 6, integer: 0),
                    biasQuantizer: KerasLayer.quantizedBits(bits: 6, integer: 0)),
            .batchNormalization(name: "bn1", gamma: [1, 2], beta: [0, 0.5], movingMean: [0.1, 0.2], movingVariance: [1, 4]),
            .qActivation(name: "relu1", quantizer: KerasLayer.quantizedRelu(bits: 6)),
            .dropout(name: "drop", rate: 0.2),
            .dense(name: "out", inputs: 2, units: 2, kernel: [1, 2, 3, 4], bias: nil, activation: "softmax"),
        ])
        XCTAssertEqual(model.inputName, "fc1_input")
        try model.writeH5(to: path("m.h5"))
        XCTAssertEqual(try KerasModel.load(path: path("m.h5")), model)
        try model.writeArchitectureJSON(to: path("m.json"))
        try model.writeWeightsH5(to: path("w.h5"))
        XCTAssertEqual(try KerasModel.load(path: path("m.json"), weights: path("w.h5")), model)
        XCTAssertEqual(try KerasModel.load(json: path("m.json"), weights: path("m.h5")), model,
                       "a full-model file works as the weights file")
    }

    func testFunctionalKeras3InboundNodesAndBranchError() throws {
        func layer(_ cls: String, _ name: String, _ config: JSONValue, from: String?) -> JSONValue {
            var entry: [String: JSONValue] = ["class_name": .string(cls), "name": .string(name), "config": config]
            if let from {
                entry["inbound_nodes"] = [["args": [["class_name": "__keras_tensor__",
                                                     "config": ["keras_history": [.string(from), 0, 0]]]], "kwargs": [:]]]
            } else {
                entry["inbound_nodes"] = []
            }
            return .object(entry)
        }
        let input = layer("InputLayer", "in", ["batch_shape": [nil, 2], "name": "in"], from: nil)
        let d2 = layer("Dense", "d2", ["name": "d2", "units": 1, "activation": "linear"], from: "d1")
        let d1 = layer("Dense", "d1", ["name": "d1", "units": 3, "activation": "relu"], from: "in")
        let json: JSONValue = ["class_name": "Functional", "config": ["name": "f", "layers": [input, d2, d1]]]
        let model = try KerasModel.parseArchitecture(json, source: "mem")
        XCTAssertEqual(model.layers.map(\.name), ["in", "d1", "d2"], "ordered by the chain, not by listing")
        XCTAssertEqual(model.inputSize, 2)

        let branch = layer("Dense", "d3", ["name": "d3", "units": 1], from: "d1")
        let branched: JSONValue = ["class_name": "Functional", "config": ["name": "f", "layers": [input, d2, d1, branch]]]
        assertUserError(try KerasModel.parseArchitecture(branched, source: "mem"), contains: "feeds several layers", "d1")
    }

    func testClearErrors() throws {
        let json = try Fixtures.require("\(Fixtures.kerasDirectory)/KERAS_3layer.json")
        let weights = try Fixtures.require("\(Fixtures.kerasDirectory)/KERAS_3layer_weights.h5")
        assertUserError(try KerasModel.load(path: path("nope.h5")), contains: "file not found")
        assertUserError(try KerasModel.load(path: directory.path), contains: "is a directory")
        try Data([0x50, 0x4B, 3, 4, 0, 0]).write(to: URL(fileURLWithPath: path("m.keras")))
        assertUserError(try KerasModel.load(path: path("m.keras")), contains: "Keras 3 `.keras` zip")
        assertUserError(try KerasModel.load(json: json, weights: path("nope.h5")), contains: "file not found")
        assertUserError(try KerasModel.load(json: json, weights: json), contains: "not an HDF5 file")
        assertUserError(try KerasModel.load(path: json), contains: "--weights")
        assertUserError(try KerasModel.load(path: weights), contains: "only weights")

        // Missing layer group: a weights file without fc2_relu.
        var model = try Fixtures.keras3Layer()
        var pruned = model
        pruned.layers.removeAll { $0.name == "fc2_relu" }
        try pruned.writeWeightsH5(to: path("missing.h5"))
        assertUserError(try KerasModel.load(json: json, weights: path("missing.h5")), contains: "missing layer group 'fc2_relu'")

        // Shape mismatch: the architecture says 48 units, the file has 64.
        let text = try String(contentsOfFile: json, encoding: .utf8).replacingOccurrences(of: "\"units\": 64", with: "\"units\": 48")
        try text.write(toFile: path("wide.json"), atomically: true, encoding: .utf8)
        assertUserError(try KerasModel.load(json: path("wide.json"), weights: weights),
                        contains: "shape mismatch for 'fc1_relu' kernel", "[16, 64]", "[16, 48]")

        // Unsupported layer type: named, and the supported ones listed.
        model.layers[2].className = "Conv2D"
        try model.writeArchitectureJSON(to: path("conv.json"))
        assertUserError(try KerasModel.load(json: path("conv.json"), weights: weights),
                        contains: "unsupported layer type 'Conv2D' (layer 'fc2_relu')", "QDense", "BatchNormalization")

        try "{\"class_name\": ".write(toFile: path("bad.json"), atomically: true, encoding: .utf8)
        assertUserError(try KerasModel.load(json: path("bad.json"), weights: weights), contains: "malformed JSON")
    }
}

final class ThirdPartyFileTests: XCTestCase {
    /// A file written by h5py (see Tests/ModelIOFixtures/README.md); outputs worked by hand for x = [1, 2, 3]:
    /// d1 = [1+1−3+0.125, −2+0.5+9−0.5] = [−0.875, 7] → relu [0, 7]; bn scale = [2/√4, 1/√1] = [1, 1],
    /// bias = [0.5−1, 0+1] = [−0.5, 1] → [−0.5, 8].
    func testReadsH5pyWrittenFileWithVariableLengthStrings() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ModelIOFixtures/keras3_style_tiny.h5").path
        let model = try KerasModel.load(path: path)
        XCTAssertEqual(model.kerasVersion, "3.5.0")
        XCTAssertEqual(model.layers.map(\.name), ["x", "d1", "drop", "bn"])
        XCTAssertEqual(model.inputSize, 3)
        XCTAssertEqual(model.layers[3].weight("moving_variance")?.values, [3.999, 0.999])
        let graph = try model.makeModelGraph()
        XCTAssertEqual(graph.layers.map(\.name), ["d1", "d1_relu", "bn"])
        XCTAssertEqual(graph.layers.map(\.index), [2, 3, 4], "Dropout takes no index")
        let outputs = graph.floatForward([1, 2, 3])
        XCTAssertEqual(outputs[0], [-0.875, 7])
        XCTAssertEqual(outputs[1], [0, 7])
        XCTAssertEqual(outputs[2][0], -0.5, accuracy: 1e-6)
        XCTAssertEqual(outputs[2][1], 8, accuracy: 1e-6)
    }
}

final class PrunedWeightsTests: XCTestCase {
    /// KERAS_3layer_70pruned_retrained_weights.h5: the same architecture with 70 % of all kernel
    /// weights zero (pruned globally, so the fraction varies by layer).
    func testPrunedWeightsLoadWithTheirZeros() throws {
        let model = try KerasModel.load(json: Fixtures.require("\(Fixtures.kerasDirectory)/KERAS_3layer.json"),
                                        weights: Fixtures.require("\(Fixtures.kerasDirectory)/KERAS_3layer_70pruned_retrained_weights.h5"))
        let graph = try model.makeModelGraph()
        var zeros = 0
        var total = 0
        for layer in graph.layers {
            guard case .dense(let dense) = layer.operation else { continue }
            zeros += dense.zeroWeightCount
            total += dense.weights.count
            XCTAssertGreaterThan(Double(dense.zeroWeightCount) / Double(dense.weights.count), 0.5, layer.name)
        }
        XCTAssertEqual(total, 16 * 64 + 64 * 32 + 32 * 32 + 32 * 5)
        XCTAssertEqual(Double(zeros) / Double(total), 0.7, accuracy: 0.03)
    }
}

final class ArchitectureVariantsTests: XCTestCase {
    /// Keras 2.0/2.1 Sequential: `config` is the layer list and the input shape sits on the first
    /// layer; Keras names the implicit input `<first>_input` (hls4ml's `fc1_input`).
    func testOldSequentialListWithoutInputLayer() throws {
        let json = try JSONValue.parse("""
        {"class_name": "Sequential", "keras_version": "2.1.5", "config": [
          {"class_name": "Dense", "config": {"name": "fc1", "units": 4, "activation": "relu", "batch_input_shape": [null, 3]}},
          {"class_name": "Dropout", "config": {"name": "d", "rate": 0.1}},
          {"class_name": "Dense", "config": {"name": "out", "units": 2, "activation": "softmax"}}]}
        """, source: "old.json")
        let model = try KerasModel.parseArchitecture(json, source: "old.json")
        XCTAssertEqual(model.layers.map(\.name), ["fc1_input", "fc1", "d", "out"])
        XCTAssertEqual(model.inputSize, 3)
        XCTAssertEqual(model.kerasVersion, "2.1.5")
        XCTAssertEqual(try KerasModel.outputWidths(model.layers.map { layer -> KerasLayer in
            var copy = layer
            if layer.name == "fc1" { copy.weights = [KerasWeight(name: "fc1/kernel:0", shape: [3, 4], values: .init(repeating: 0, count: 12)),
                                                     KerasWeight(name: "fc1/bias:0", shape: [4], values: .init(repeating: 0, count: 4))] }
            if layer.name == "out" { copy.weights = [KerasWeight(name: "out/kernel:0", shape: [4, 2], values: .init(repeating: 0, count: 8)),
                                                     KerasWeight(name: "out/bias:0", shape: [2], values: [0, 0])] }
            return copy
        }, source: "old.json"), [3, 4, 4, 2])
    }

    func testStructuralErrors() {
        func parse(_ text: String) throws -> KerasModel {
            try KerasModel.parseArchitecture(try JSONValue.parse(text, source: "m.json"), source: "m.json")
        }
        assertUserError(try parse(#"{"class_name": "Graph", "config": {}}"#), contains: "unsupported model class 'Graph'")
        assertUserError(try parse(#"{"config": {}}"#), contains: "class_name")
        assertUserError(try parse(#"{"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"name": "a", "units": 2}}]}}"#),
                        contains: "no input shape")
        assertUserError(try parse(#"{"class_name": "Sequential", "config": {"layers": [{"class_name": "InputLayer", "config": {"name": "i", "batch_input_shape": [null, 28, 28]}}, {"class_name": "Dense", "config": {"name": "a", "units": 2}}]}}"#),
                        contains: "not a flat vector")
        assertUserError(try parse(#"{"class_name": "Sequential", "config": {"layers": [{"class_name": "InputLayer", "config": {"name": "i", "batch_input_shape": [null, 4]}}]}}"#),
                        contains: "no layers after the input")
    }
}

final class ChunkedAttributeTests: XCTestCase {
    /// Keras splits `weight_names`/`layer_names` over 64 KiB into `weight_names0`, `weight_names1`, ...
    func testChunkedWeightNames() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("chunked-\(UUID().uuidString).h5").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = KerasModel.sequential(inputSize: 2, layers: [.dense(name: "d", inputs: 2, units: 1, kernel: [1, 2], bias: [3])])
        try model.writeWeightsH5(to: path)
        let file = try HDF5File.open(path: path, writable: true)
        try file.writeAttribute("weight_names0", of: "d", value: .strings(["d/kernel:0"]))
        try file.writeAttribute("weight_names1", of: "d", value: .strings(["d/bias:0"]))
        try file.deleteAttribute("weight_names", of: "d")
        file.close()
        let chunked = try HDF5File.open(path: path)
        XCTAssertNil(try chunked.readAttribute("weight_names", of: "d"))
        XCTAssertEqual(try KerasModel.kerasStringList(chunked, "weight_names", of: "d"), ["d/kernel:0", "d/bias:0"])
        let json = path + ".json"
        defer { try? FileManager.default.removeItem(atPath: json) }
        try model.writeArchitectureJSON(to: json)
        XCTAssertEqual(try KerasModel.load(json: json, weights: path), model)
        chunked.close()
    }
}
