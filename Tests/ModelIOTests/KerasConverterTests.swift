import XCTest
import TestSupport
import Foundation
import FixedPoint
import ModelGraph
import Support
@testable import ModelIO

final class KerasConverterTests: XCTestCase {
    /// Keras' own float outputs for 20,000 rows (y_keras_float.npy) from our double-precision forward pass.
    func testFloatForwardReproducesKerasOnReferenceInputs() throws {
        let inputs = try NPYArray.read(path: Fixtures.require("\(Fixtures.referenceDirectory)/ref_inputs_16.npy"))
        let expected = try NPYArray.read(path: Fixtures.require("\(Fixtures.referenceDirectory)/y_keras_float.npy"))
        let graph = try Fixtures.keras3Layer().makeModelGraph()
        let rows = inputs.shape[0]
        XCTAssertEqual(inputs.shape, [20000, 16])
        XCTAssertEqual(expected.shape, [20000, 5])
        let outputs = graph.floatPredict(inputs.values, rows: rows)
        var worst = 0.0
        for k in outputs.indices { worst = max(worst, abs(outputs[k] - expected.values[k])) }
        XCTAssertLessThan(worst, 1e-5, "largest deviation from Keras")
        print("float forward vs y_keras_float.npy: largest deviation \(worst) over \(rows) rows")

        // Per-layer outputs: one entry per graph layer, the last equals the prediction.
        let first = Array(inputs.values[0..<16])
        let perLayer = graph.floatForward(first)
        XCTAssertEqual(perLayer.count, graph.layers.count)
        XCTAssertEqual(perLayer.map(\.count), [64, 64, 32, 32, 32, 32, 5, 5])
        XCTAssertEqual(perLayer.last!, Array(outputs[0..<5]))
        XCTAssertTrue(perLayer[1].allSatisfy { $0 >= 0 }, "ReLU output")
    }

    func testKerasJetTaggerGraphWithDefaultConfig() throws {
        let start = Date()
        let graph = try Fixtures.keras3Layer().makeModelGraph()
        print("load JSON + weights and convert (debug build): \(Int(Date().timeIntervalSince(start) * 1e6)) µs")
        // Dense(activation=relu) → Dense + `<dense>_relu`; no linear nodes, so indices are consecutive.
        XCTAssertEqual(graph.layers.map(\.name), ["fc1_relu", "fc1_relu_relu", "fc2_relu", "fc2_relu_relu", "fc3_relu",
                                                  "fc3_relu_relu", "output_softmax", "output_softmax_softmax"])
        XCTAssertEqual(graph.layers.map(\.index), [2, 3, 4, 5, 6, 7, 8, 9])
        XCTAssertEqual(graph.inputName, "input_1")
        XCTAssertEqual(graph.inputSize, 16)
        XCTAssertEqual(graph.inputType, .fixed(.fixed(16, 6)))
        for layer in graph.layers {
            XCTAssertEqual(layer.resultType, .fixed(.fixed(16, 6)), layer.name)
            XCTAssertEqual(layer.reuseFactor, 1)
            XCTAssertEqual(layer.strategy, .latency)
        }
        guard case .dense(let fc1) = graph.layers[0].operation, case .softmax(let softmax) = graph.layers[7].operation else {
            return XCTFail("unexpected operations")
        }
        XCTAssertEqual(fc1.inputs, 16)
        XCTAssertEqual(fc1.outputs, 64)
        XCTAssertEqual(fc1.accumType, .fixed(.fixed(16, 6)))
        XCTAssertEqual(fc1.weights, try Fixtures.keras3Layer().layers[1].weight("kernel")?.values)
        // Softmax defaults (facts §3.6.1): tables fixed<18,8,RND,SAT>, accum from the config lookup = model default.
        XCTAssertEqual(softmax.expTableType, .fixed(18, 8, .rnd, .sat))
        XCTAssertEqual(softmax.invTableType, .fixed(18, 8, .rnd, .sat))
        XCTAssertEqual(softmax.accumType, .fixed(.fixed(16, 6)))
        XCTAssertEqual(softmax.tableSize, 1024)
        XCTAssertEqual(softmax.implementation, .stable)
    }

    /// The QKeras tutorial model with its hls4ml config: tutorial layer indices and the §3.8 type mapping.
    func testQKerasModelWithItsConfig() throws {
        let config = try HLSConfig.load(path: Fixtures.require("\(Fixtures.kerasDirectory)/qkeras_3layer_config.yml"))
        let model = try Fixtures.qkeras3Layer()
        let graph = try model.makeModelGraph(config: config)
        XCTAssertEqual(graph.layers.map(\.name), ["fc1", "relu1", "fc2", "relu2", "fc3", "relu3", "output", "softmax"])
        XCTAssertEqual(graph.layers.map(\.index), [2, 4, 5, 7, 8, 10, 11, 13])
        XCTAssertEqual(graph.inputName, "fc1_input")
        XCTAssertTrue(graph.layers.allSatisfy(\.trace))
        XCTAssertEqual(graph.target.part, "xcvu9p-flga2577-2-e")
        for position in [0, 2, 4, 6] {
            guard case .dense(let dense) = graph.layers[position].operation else { return XCTFail() }
            XCTAssertEqual(dense.weightType, .fixed(.fixed(6, 1)))
            XCTAssertEqual(dense.biasType, .fixed(.fixed(6, 1)))
            XCTAssertEqual(dense.accumType, .fixed(.fixed(16, 6)))
            XCTAssertEqual(graph.layers[position].resultType, .fixed(.fixed(16, 6)))
            // quantized_bits(6,0,alpha=1): multiples of 1/32 in [-1, 31/32], the nearest to the latent weight.
            let latent = model.layers.first { $0.name == graph.layers[position].name }!.weight("kernel")!.values
            for (q, x) in zip(dense.weights, latent) {
                XCTAssertEqual(q * 32, (q * 32).rounded())
                XCTAssertTrue(q >= -1 && q <= 31.0 / 32)
                XCTAssertLessThanOrEqual(abs(q - min(max(x, -1), 31.0 / 32)), 1.0 / 64 + 1e-7)
            }
        }
        // relu results come from the config (explicit), not from quantized_relu(6).
        XCTAssertEqual(graph.layers[1].resultType, .fixed(.fixed(7, 1, .rndConv, .sat)))
        guard case .softmax(let softmax) = graph.layers[7].operation else { return XCTFail() }
        XCTAssertEqual(softmax.expTableType, .fixed(18, 8))
        XCTAssertEqual(softmax.invTableType, .fixed(18, 4))
        XCTAssertEqual(softmax.tableSize, 1024)
    }

    func testQuantizedReluTypeWithoutExplicitConfig() throws {
        let graph = try Fixtures.qkeras3Layer().makeModelGraph()
        XCTAssertEqual(graph.layers[1].resultType, .fixed(.ufixed(6, 0, .rndConv, .sat)), "quantized_relu(6) → ufixed<6,0,RND_CONV,SAT>")
        guard case .dense(let dense) = graph.layers[0].operation else { return XCTFail() }
        XCTAssertEqual(dense.weightType, .fixed(.fixed(6, 1)), "quantized_bits(6,0) → fixed<6,1>")
    }

    /// Hand-worked quantizer values (facts §6.1).
    func testQuantizedBitsValues() {
        let q = QKerasQuantizer.QuantizedBits(bits: 6, integer: 0)
        // x·32 = 3.5 → 4 (half to even), 2.5 → 2, −40 → clip −32, 40 → 31.
        XCTAssertEqual(q.quantize([3.5 / 32, 2.5 / 32, -1.25, 1.25, -0.0]), [4.0 / 32, 2.0 / 32, -1, 31.0 / 32, 0])
        XCTAssertEqual(q.hlsType, .fixed(6, 1))
        XCTAssertEqual(QKerasQuantizer.QuantizedBits(bits: 4, integer: 4).hlsType, .int(4))
        let symmetric = QKerasQuantizer.QuantizedBits(bits: 6, integer: 0, symmetric: true)
        XCTAssertEqual(symmetric.quantize([-1]), [-31.0 / 32])
        let wide = QKerasQuantizer.QuantizedBits(bits: 8, integer: 2)
        XCTAssertEqual(wide.quantize([1.03, 10]), [1.03125, 127.0 / 32])  // step 2^-5, max (2^7−1)/2^5
    }

    func testQuantizerStringsParse() throws {
        XCTAssertEqual(try QKerasQuantizer.parse("quantized_relu(6)", at: "t"), .quantizedRelu(bits: 6, integer: 0, negativeSlope: 0))
        XCTAssertEqual(try QKerasQuantizer.parse("quantized_bits(8, 3, alpha='auto_po2')", at: "t"),
                       .quantizedBits(.init(bits: 8, integer: 3, alpha: .autoPo2)))
        XCTAssertEqual(try QKerasQuantizer.parse("quantized_bits(4,0,1,alpha=1)", at: "t"),
                       .quantizedBits(.init(bits: 4, integer: 0, symmetric: true, alpha: .number(1))))
    }

    /// alpha='auto_po2' on a 2×2 kernel, worked by hand: column 0 = [0.5, −0.25], column 1 = [0.1, 0.05].
    /// bits 4 → levels 14, initial scale 2·max/14 → po2; kernel written as z·2^−3 and an ApplyAlpha layer.
    func testAutoPo2FactorizesIntoApplyAlpha() throws {
        let layer = KerasLayer.qDense(name: "fc", inputs: 2, units: 2, kernel: [0.5, 0.1, -0.25, 0.05], bias: [0.25, -0.5],
                                      kernelQuantizer: KerasLayer.quantizedBits(bits: 4, integer: 0, alpha: "auto_po2"),
                                      biasQuantizer: KerasLayer.quantizedBits(bits: 4, integer: 0))
        let model = KerasModel.sequential(inputSize: 2, layers: [layer])
        let graph = try model.makeModelGraph()
        XCTAssertEqual(graph.layers.map(\.name), ["fc", "fc_alpha"])
        XCTAssertEqual(graph.layers.map(\.index), [2, 3])
        guard case .dense(let dense) = graph.layers[0].operation,
              case .batchNormalization(let alpha) = graph.layers[1].operation else { return XCTFail() }
        // Column 0: max 0.5 → scale 1/14 → po2 2^−4 (log2 = −3.81); z = round(0.5·16)=8 → min(8, 7) = 7,
        // −0.25·16 = −4; least squares (0.5·7 + 0.25·4)/(49+16) = 0.0692 → 2^−4 again.
        // Column 1: max 0.1 → 0.0143 → 2^−6 (log2 −6.13); z = 6.4→6, 3.2→3; LS (0.6+0.15)/45 = 0.01667 → 2^−6.
        XCTAssertEqual(alpha.scale, [8 * 0.0625, 8 * 0.015625], "quantizer.scale = scale·m, m = 2^(bits−1)")
        XCTAssertEqual(dense.weights, [7.0 / 8, 6.0 / 8, -4.0 / 8, 3.0 / 8], "kernel_q / scale = z·m_i/m")
        XCTAssertEqual(dense.biases, [0, 0], "bias moves to ApplyAlpha")
        XCTAssertEqual(alpha.bias, [0.25, -0.5])
        XCTAssertEqual(dense.weightType, .fixed(.fixed(4, 1)))
        // Scales 2^−1 and 2^−3 exactly: I = −1 + 2 = 1, F = 3 → fixed<4,1>.
        XCTAssertEqual(alpha.scaleType, .fixed(.fixed(4, 1)))
        // Float model is preserved up to the quantization: x=[1, 1] → 7/16+(−4/16)+0.25, 6/64+3/64−0.5.
        let y = graph.floatForward([1, 1]).last!
        XCTAssertEqual(y[0], 0.4375, accuracy: 1e-12)
        XCTAssertEqual(y[1], 9.0 / 64 - 0.5, accuracy: 1e-12)
    }

    func testConverterErrors() throws {
        let sigmoidish = KerasModel.sequential(inputSize: 2, layers: [
            .dense(name: "d", inputs: 2, units: 1, kernel: [1, 1], bias: [0], activation: "elu"),
        ])
        assertUserError(try sigmoidish.makeModelGraph(), contains: "unsupported activation 'elu'", "relu")

        var config = HLSConfig()
        config.layerName["d"] = LayerSettings(reuseFactor: 3, strategy: .resource, reuseFactorLocation: "hls.yml:7")
        let model = KerasModel.sequential(inputSize: 32, layers: [
            .dense(name: "d", inputs: 32, units: 5, kernel: [Float](repeating: 0.5, count: 160), bias: nil),
        ])
        assertUserError(try model.makeModelGraph(config: config), contains: "hls.yml:7", "ReuseFactor 3", "2 or 4",
                        "1,2,4,8,16,32,160")
    }
}

final class KerasConversionTests: XCTestCase {
    /// The config names the model (KerasJson/KerasH5 relative to the data folder).
    func testConvertFromConfigAlone() throws {
        let config = try Fixtures.require("\(Fixtures.kerasDirectory)/qkeras_3layer_config.yml")
        let (keras, hls, graph) = try KerasConversion.convert(model: nil, config: config)
        XCTAssertEqual(keras.layers.count, 9)
        XCTAssertEqual(hls.projectName, "myproject")
        XCTAssertEqual(graph.layers.last?.index, 13)
        XCTAssertEqual(hls.warnings, [], "every LayerName of the tutorial config names a layer")
        assertUserError(try KerasConversion.convert(model: nil, config: nil), contains: "no model given")
    }
}

final class ConfigMatchingTests: XCTestCase {
    func testMisspeltLayerNamesAreReported() throws {
        let model = try Fixtures.keras3Layer()
        let config = try HLSConfig.parse(yaml: """
        HLSConfig:
          LayerName:
            fc1_rleu:
              ReuseFactor: 2
            output_softmax_softmax:
              Implementation: latency
          LayerType:
            Dens:
              ReuseFactor: 4
        """, source: "hls.yml")
        let warnings = model.unmatchedConfigEntries(config)
        XCTAssertEqual(warnings.count, 2)
        XCTAssertTrue(warnings[0].contains("hls.yml:4") && warnings[0].contains("fc1_rleu") && warnings[0].contains("'fc1_relu'"), warnings[0])
        XCTAssertTrue(warnings[1].contains("Dens") && warnings[1].contains("'Dense'"), warnings[1])
    }
}

final class ConfigFromKerasTests: XCTestCase {
    /// granularity 'name' → everything "auto" → widths from the arithmetic, exactly the examples of
    /// facts §4.5 (16→64: fixed<37,17>; 64→32: fixed<39,19>; 32→32 and 32→5: fixed<38,18>), except that
    /// the Dense feeding the softmax gets fixed<16,6,RND,SAT> instead of collapsing the softmax.
    func testNameGranularityInfersTheDocumentedWidths() throws {
        let model = try Fixtures.keras3Layer()
        let config = try HLSConfig.fromKerasModel(model, granularity: .name)
        XCTAssertEqual(config.layerName["fc1_relu"]?.precision?.variables["accum"], .auto)
        XCTAssertEqual(config.layerName["output_softmax_softmax"]?.implementation, .stable)
        XCTAssertEqual(model.unmatchedConfigEntries(config), [])
        let graph = try model.makeModelGraph(config: config)
        var accumulators: [String] = []
        var results: [String] = []
        for layer in graph.layers {
            if case .dense(let dense) = layer.operation { accumulators.append(dense.accumType.description) }
            results.append(layer.resultType.description)
        }
        XCTAssertEqual(accumulators, ["fixed<37,17>", "fixed<39,19>", "fixed<38,18>", "fixed<38,18>"])
        XCTAssertEqual(results, ["fixed<37,17>", "fixed<16,6>", "fixed<39,19>", "fixed<16,6>", "fixed<38,18>", "fixed<16,6>",
                                 "fixed<16,6,RND,SAT>", "fixed<16,6>"])
        guard case .softmax(let softmax) = graph.layers[7].operation else { return XCTFail() }
        XCTAssertEqual(softmax.accumType, .fixed(.fixed(18, 8, .rnd, .sat)))
    }

    /// QKeras + granularity 'name': weight types from the quantizers, ReLU outputs ufixed<6,0,RND_CONV,SAT>, and
    /// by hand: fc1 (fixed<16,6> in, fixed<6,1> w/b, 16 inputs): W = 6+16+4 = 26, I = 1+6+4 = 11 → I 12, W 12+15 = 27;
    /// fc2 (ufixed<6,0> in, 64 inputs): W = 6+6+6 = 18, I = 1+0+6 = 7 → I 8, W 8+11 = 19.
    func testQKerasNameGranularity() throws {
        let model = try Fixtures.qkeras3Layer()
        let graph = try model.makeModelGraph(config: try HLSConfig.fromKerasModel(model, granularity: .name))
        XCTAssertEqual(graph.layers.map(\.index), [2, 4, 5, 7, 8, 10, 11, 13])
        guard case .dense(let fc1) = graph.layers[0].operation, case .dense(let fc2) = graph.layers[2].operation else { return XCTFail() }
        XCTAssertEqual(fc1.weightType, .fixed(.fixed(6, 1)))
        XCTAssertEqual(fc1.accumType, .fixed(.fixed(27, 12)))
        XCTAssertEqual(graph.layers[0].resultType, .fixed(.fixed(27, 12)), "fc1_linear (auto) merged into fc1")
        XCTAssertEqual(graph.layers[1].resultType, .fixed(.ufixed(6, 0, .rndConv, .sat)))
        XCTAssertEqual(fc2.accumType, .fixed(.fixed(19, 8)))
    }

    func testModelAndTypeGranularity() throws {
        let model = try Fixtures.keras3Layer()
        let plain = try HLSConfig.fromKerasModel(model, defaultPrecision: .fixed(10, 4), defaultReuseFactor: 4,
                                                 maximumPrecision: .fixed(24, 12))
        XCTAssertTrue(plain.layerName.isEmpty && plain.layerType.isEmpty)
        XCTAssertEqual(plain.reuseFactor(layer: "fc1_relu", types: ["Dense"]), 4)
        XCTAssertEqual(plain.maximumPrecision, .fixed(.fixed(24, 12)))
        let typed = try HLSConfig.fromKerasModel(model, granularity: .type)
        XCTAssertEqual(Set(typed.layerType.keys), ["InputLayer", "Dense", "Activation", "Softmax"])
    }
}

final class NumericAlphaTests: XCTestCase {
    /// quantized_bits(4, 0, alpha=0.5): grid step 1/8; x = 0.3 → round(2.4) = 2 → kernel_q = 0.5·2/8 = 0.125.
    /// The Dense keeps the grid value 0.25 and ApplyAlpha multiplies by 0.5.
    func testNumericAlphaFactorization() throws {
        let layer = KerasLayer.qDense(name: "fc", inputs: 1, units: 2, kernel: [0.3, -0.8], bias: [0.25, 0],
                                      kernelQuantizer: KerasLayer.quantizedBits(bits: 4, integer: 0, alpha: 0.5),
                                      biasQuantizer: KerasLayer.quantizedBits(bits: 4, integer: 0))
        let graph = try KerasModel.sequential(inputSize: 1, layers: [layer]).makeModelGraph()
        guard case .dense(let dense) = graph.layers[0].operation, case .batchNormalization(let alpha) = graph.layers[1].operation else {
            return XCTFail()
        }
        XCTAssertEqual(dense.weights, [0.25, -0.75], "−0.8·8 = −6.4 → −6")
        XCTAssertEqual(alpha.scale, [0.5, 0.5])
        XCTAssertEqual(alpha.bias, [0.25, 0])
        // 0.5 = 2^−1: I = −1 + 2 = 1, F = 1 + 11 = 12 → fixed<13,1> holds it exactly.
        XCTAssertEqual(alpha.scaleType, .fixed(.fixed(13, 1)))
        XCTAssertEqual(graph.floatForward([1]).last!, [0.125 + 0.25, -0.375])
    }
}

final class BatchNormalizationConversionTests: XCTestCase {
    private func model(quantized: Bool) -> KerasModel {
        let dense: KerasLayer = quantized
            ? .qDense(name: "fc", inputs: 2, units: 2, kernel: [0.5, 0.25, -0.5, 0.75], bias: [0, 0.125],
                      kernelQuantizer: KerasLayer.quantizedBits(bits: 6, integer: 0), biasQuantizer: KerasLayer.quantizedBits(bits: 6, integer: 0))
            : .dense(name: "fc", inputs: 2, units: 2, kernel: [0.5, 0.25, -0.5, 0.75], bias: [0, 0.125])
        return KerasModel.sequential(inputSize: 2, layers: [
            dense, .batchNormalization(name: "bn", gamma: [2, 1], beta: [0, 1], movingMean: [0, 0.5], movingVariance: [0.999, 0.999]),
        ])
    }

    /// granularity 'name' (everything auto): a BN after a float Dense is folded (facts §3.7); with
    /// 'model' it is not. After a QDense it stays separate (see the builder's note).
    func testFoldingFollowsGranularity() throws {
        let plain = model(quantized: false)
        let folded = try plain.makeModelGraph(config: try HLSConfig.fromKerasModel(plain, granularity: .name))
        XCTAssertEqual(folded.layers.map(\.name), ["fc"], "fc_linear merged, bn folded")
        guard case .dense(let dense) = folded.layers[0].operation else { return XCTFail() }
        // scale = gamma/√(0.999+0.001) = [2, 1]; bias = beta − scale·mean = [0, 0.5]
        XCTAssertEqual(dense.weights, [1, 0.25, -1, 0.75])
        XCTAssertEqual(dense.biases, [0, 0.625])
        XCTAssertEqual(try plain.makeModelGraph().layers.map(\.name), ["fc", "bn"], "granularity model keeps the BN")

        let quantized = model(quantized: true)
        let kept = try quantized.makeModelGraph(config: try HLSConfig.fromKerasModel(quantized, granularity: .name))
        XCTAssertEqual(kept.layers.map(\.name), ["fc", "bn"])
        // Same function either way: x = [1, 1] → fc = [0, 1.125] → bn = [0, 1.625].
        XCTAssertEqual(folded.floatForward([1, 1]).last!, [0, 1.625])
        XCTAssertEqual(kept.floatForward([1, 1]).last!, [0, 1.625])
    }
}
