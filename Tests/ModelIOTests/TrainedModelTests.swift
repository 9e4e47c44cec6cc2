import XCTest
import Foundation
import ModelGraph
import Support
import Training
@testable import ModelIO

final class TrainedModelTests: XCTestCase {
    private func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("trained-\(UUID().uuidString)-\(name)").path
    }

    /// Trained model → Keras .h5 → back: same layers and weights; the graph's float forward pass
    /// agrees with the trainer's own predict().
    func testTrainedModelRoundTripAndFloatAgreement() throws {
        let model = try Training.Model.jetTagger(seed: 11)
        let keras = KerasModel(trained: model)
        XCTAssertEqual(keras.layers.map(\.className), ["InputLayer", "Dense", "Activation", "Dense", "Activation", "Dense",
                                                       "Activation", "Dense", "Activation"])
        let path = temporaryPath("jet.h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try keras.writeH5(to: path)
        let reread = try KerasModel.load(path: path)
        XCTAssertEqual(reread, keras)
        let back = try reread.trainingModel()
        XCTAssertEqual(back.layers.map(\.name), model.layers.map(\.name))
        for (a, b) in zip(back.layers, model.layers) {
            XCTAssertEqual(a.dense?.kernel, b.dense?.kernel)
            XCTAssertEqual(a.dense?.bias, b.dense?.bias)
            XCTAssertEqual(a.dense?.activation, b.dense?.activation)
        }

        var generator = SystemRandomNumberGenerator()
        let rows = 50
        let inputs = (0..<(rows * 16)).map { _ in Float.random(in: -3...3, using: &generator) }
        let expected = try model.predict(inputs)
        let graph = try keras.makeModelGraph()
        let actual = graph.floatPredict(inputs.map(Double.init), rows: rows)
        for k in actual.indices { XCTAssertEqual(actual[k], Double(expected[k]), accuracy: 1e-5) }
    }

    /// Two independent implementations of QKeras quantized_bits (the trainer's and the converter's)
    /// must give the same weights, for alpha=1 and for alpha=None (→ auto_po2 inside QDense).
    func testConverterQuantizationMatchesTheTrainer() throws {
        for alpha in [QuantizerAlpha.value(1), nil] {
            let model = try Training.Model.jetTagger(seed: 3, weightQuantizer: .bits(6, 0, alpha: alpha),
                                                     activationQuantizer: .relu(6))
            let keras = KerasModel(trained: model)
            XCTAssertEqual(keras.layers[1].className, "QDense")
            let graph = try keras.makeModelGraph()
            let denseLayers = model.layers.compactMap(\.dense)
            var position = 0
            for trained in denseLayers {
                guard case .dense(let converted) = graph.layers[position].operation else { return XCTFail("\(position)") }
                let expected = trained.quantizedKernel()
                if alpha == nil {
                    // kernel = (weights in the graph) · (ApplyAlpha scale per column)
                    guard case .batchNormalization(let applyAlpha) = graph.layers[position + 1].operation else {
                        return XCTFail("ApplyAlpha expected after \(graph.layers[position].name)")
                    }
                    XCTAssertEqual(graph.layers[position + 1].name, graph.layers[position].name + "_alpha")
                    for i in 0..<converted.inputs {
                        for j in 0..<converted.outputs {
                            let k = i * converted.outputs + j
                            XCTAssertEqual(converted.weights[k] * applyAlpha.scale[j], expected[k], "\(trained.units) [\(i),\(j)]")
                        }
                    }
                    position += 3
                } else {
                    XCTAssertEqual(converted.weights, expected)
                    XCTAssertEqual(converted.biases, trained.quantizedBias())
                    position += 2
                }
            }
        }
    }
}

final class ExportedQuantizerTests: XCTestCase {
    /// A trained QDense with alpha=None is saved as QKeras saves it: alpha 'auto_po2', symmetric 1.
    func testAlphaNoneIsSavedAsAutoPo2() throws {
        let model = try Training.Model.jetTagger(seed: 5, weightQuantizer: .bits(6, 0), activationQuantizer: .relu(6))
        let keras = KerasModel(trained: model)
        let kernel = try XCTUnwrap(keras.layers[1].config["kernel_quantizer"]?["config"])
        XCTAssertEqual(kernel["alpha"], "auto_po2")
        XCTAssertEqual(kernel["symmetric"]?.intValue, 1)
        XCTAssertEqual(keras.layers[1].config["bias_quantizer"]?["config"]?["alpha"], .null, "bias keeps alpha None (scale 1)")
        let back = try keras.trainingModel()
        XCTAssertEqual(back.layers[0].dense?.quantizedKernel(), model.layers[0].dense?.quantizedKernel())
    }
}
