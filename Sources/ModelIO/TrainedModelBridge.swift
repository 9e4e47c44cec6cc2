import Foundation
import Support
import Training

/// Trained models ↔ Keras models: the one path by which a model trained here reaches the HLS graph
/// (`Training.Model → KerasModel → ModelGraph`), so a QAT model and a QKeras file go through the
/// very same QKeras→type mapping.
extension KerasModel {
    /// The Keras/QKeras Sequential equivalent of a trained model. QDense layers keep their latent
    /// float weights and quantizer configs, exactly as QKeras saves them; pruning masks must already
    /// be stripped (`Model.strippingPruning()`), so pruned weights are exact zeros.
    public init(trained model: Training.Model, name: String = "sequential") {
        var layers: [KerasLayer] = []
        for layer in model.layers {
            switch layer.kind {
            case .dense(let dense):
                let kernel = dense.pruning == nil ? dense.kernel : zip(dense.kernel, dense.pruning!.mask).map { $0 * $1 }
                if dense.isQuantized {
                    layers.append(.qDense(name: layer.name, inputs: dense.inputSize, units: dense.units, kernel: kernel,
                                          bias: dense.bias,
                                          kernelQuantizer: dense.kernelQuantizer.map { Self.json(Self.asQDenseSaves($0)) } ?? .null,
                                          biasQuantizer: dense.biasQuantizer.map(Self.json),
                                          activation: dense.activation.rawValue))
                } else {
                    layers.append(.dense(name: layer.name, inputs: dense.inputSize, units: dense.units, kernel: kernel,
                                         bias: dense.bias, activation: dense.activation.rawValue))
                }
                // Record how it was trained, as Keras would (initializer, L1/L2 regularizer).
                if var config = layers[layers.count - 1].config.objectValue {
                    config["kernel_initializer"] = ["class_name": .string(Self.kerasClass(dense.kernelInitializer)),
                                                    "config": dense.kernelInitializer == .zeros ? [:] : ["seed": nil]]
                    let regularizer = dense.kernelRegularizer
                    config["kernel_regularizer"] = regularizer.isNone
                        ? .null
                        : ["class_name": "L1L2", "config": ["l1": .double(Double(regularizer.l1)), "l2": .double(Double(regularizer.l2))]]
                    layers[layers.count - 1].config = .object(config)
                }
            case .activation(let activation):
                layers.append(.activation(name: layer.name, function: activation.rawValue))
            case .quantizedActivation(let quantizer):
                layers.append(.qActivation(name: layer.name, quantizer: Self.json(quantizer)))
            }
        }
        self = .sequential(name: name, inputSize: model.inputSize, layers: layers)
    }

    /// The kernel quantizer as QKeras saves it from a QDense: QDense turns alpha=None into
    /// 'auto_po2' (symmetric) when it is built, so the saved config says so. Writing it that way
    /// keeps the file unambiguous: hls4ml reading a file with alpha None would use the plain grid.
    static func asQDenseSaves(_ quantizer: Training.Quantizer) -> Training.Quantizer {
        if case .quantizedBits(let q) = quantizer { return .quantizedBits(q.kernelEffective) }
        return quantizer
    }

    /// Keras class name of an initializer.
    static func kerasClass(_ initializer: Training.Initializer) -> String {
        switch initializer {
        case .lecunUniform: return "LecunUniform"
        case .glorotUniform: return "GlorotUniform"
        case .heNormal: return "HeNormal"
        case .zeros: return "Zeros"
        }
    }

    /// A QKeras quantizer config object for a training quantizer.
    static func json(_ quantizer: Training.Quantizer) -> JSONValue {
        switch quantizer {
        case .quantizedBits(let q):
            let alpha: JSONValue
            switch q.alpha {
            case nil: alpha = .null
            case .value(let v)?: alpha = v == v.rounded() ? .int(Int(v)) : .double(v)
            case .auto?: alpha = "auto"
            case .autoPo2?: alpha = "auto_po2"
            }
            return KerasLayer.quantizedBits(bits: q.bits, integer: q.integer, symmetric: q.symmetric ? 1 : 0,
                                            alpha: alpha, keepNegative: q.keepNegative)
        case .quantizedRelu(let q):
            return KerasLayer.quantizedRelu(bits: q.bits, integer: q.integer)
        }
    }

    /// The trainable model of a Keras/QKeras Sequential file (float evaluation, warm starts).
    /// InputLayer and Dropout are dropped (identity at inference).
    public func trainingModel() throws -> Training.Model {
        var inputSize: Int?
        var specs: [LayerSpec] = []
        var weights: [String: (kernel: [Float], bias: [Float])] = [:]
        for layer in layers {
            let location = "layer '\(layer.name)'"
            switch layer.className {
            case "InputLayer":
                if self.inputSize > 0 { inputSize = self.inputSize }  // batch_input_shape or Keras 3 batch_shape
            case "Dropout":
                continue
            case "Dense", "QDense":
                guard let kernel = layer.weight("kernel"), kernel.shape.count == 2 else {
                    throw UserError("Dense layer without a 2-D kernel", at: location)
                }
                if inputSize == nil { inputSize = kernel.shape[0] }
                let units = kernel.shape[1]
                let activation = try Training.Activation.named(layer.config["activation"]?.stringValue ?? "linear", at: location)
                if layer.className == "QDense" {
                    specs.append(.qDense(layer.name, units: units,
                                         kernelQuantizer: try Self.trainingQuantizer(layer.config["kernel_quantizer"], at: location),
                                         biasQuantizer: try Self.trainingQuantizer(layer.config["bias_quantizer"], at: location),
                                         activation: activation))
                } else {
                    specs.append(.dense(layer.name, units: units, activation: activation))
                }
                weights[layer.name] = (kernel.values, layer.weight("bias")?.values ?? [Float](repeating: 0, count: units))
            case "Activation":
                specs.append(.activation(layer.name, try Training.Activation.named(layer.config["activation"]?.stringValue ?? "linear", at: location)))
            case "ReLU":
                specs.append(.activation(layer.name, .relu))
            case "Softmax":
                specs.append(.activation(layer.name, .softmax))
            case "QActivation":
                guard let quantizer = try Self.trainingQuantizer(layer.config["activation"], at: location) else {
                    throw UserError("QActivation without a quantizer", at: location)
                }
                specs.append(.qActivation(layer.name, quantizer))
            default:
                throw UserError("layer type \(layer.className) cannot be trained here", at: location,
                                expected: "InputLayer, Dense, QDense, Activation, QActivation or Dropout")
            }
        }
        guard let inputSize else { throw UserError("the model has no input size", at: "model '\(name)'") }
        var model = try Training.Model(inputSize: inputSize, layers: specs, seed: 0)
        for index in model.layers.indices {
            guard case .dense(var dense) = model.layers[index].kind, let stored = weights[model.layers[index].name] else { continue }
            guard stored.kernel.count == dense.kernel.count, stored.bias.count == dense.bias.count else {
                throw UserError("weight shapes do not match the architecture", at: "layer '\(model.layers[index].name)'")
            }
            dense.kernel = stored.kernel
            dense.bias = stored.bias
            model.layers[index].kind = .dense(dense)
        }
        return model
    }

    /// A QKeras quantizer (config object or call string such as `quantized_bits(6,0,alpha=1)`) as a training quantizer.
    public static func trainingQuantizer(_ value: JSONValue?, at location: String) throws -> Training.Quantizer? {
        guard let parsed = try QKerasQuantizer.parse(value, at: location) else { return nil }
        switch parsed {
        case .quantizedBits(let q):
            let alpha: QuantizerAlpha?
            switch q.alpha {
            case .none: alpha = nil
            case .number(let v): alpha = .value(v)
            case .auto: alpha = .auto
            case .autoPo2: alpha = .autoPo2
            }
            let quantizer = Training.Quantizer.quantizedBits(QuantizedBits(bits: q.bits, integer: q.integer, symmetric: q.symmetric,
                                                                           keepNegative: q.keepNegative, alpha: alpha))
            try quantizer.validate(at: location)
            return quantizer
        case .quantizedRelu(let bits, let integer, let slope):
            guard slope == 0 else {
                throw UserError("quantized_relu with negative_slope \(slope) is not supported for training", at: location,
                                expected: "negative_slope 0")
            }
            let quantizer = Training.Quantizer.quantizedRelu(QuantizedRelu(bits: bits, integer: integer))
            try quantizer.validate(at: location)
            return quantizer
        case .unsupported(let name):
            throw UserError("unsupported quantizer '\(name)'", at: location, expected: "quantized_bits or quantized_relu")
        }
    }
}
