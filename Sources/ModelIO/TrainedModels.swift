// Bridges hls4swift's trained models (Training) and Keras files. This file imports Training but
// not ModelGraph: both define Dense/Activation/Layer.
import Foundation
import Support
import Training

extension KerasModel {
    /// A trained model as the Keras `Sequential` it mirrors: `Dense`/`QDense` (with QKeras
    /// quantizer configs), `Activation`, `QActivation`. Kernels are saved with their pruning masks
    /// applied (what tfmot's `strip_pruning` leaves); QDense weights stay latent floats, as QKeras
    /// saves them. Write it with `writeH5(to:)`, convert it with `makeModelGraph(config:)`.
    public init(trained model: Training.Model, name: String = "sequential", inputName: String? = nil) {
        var layers: [KerasLayer] = []
        var width = model.inputSize
        for layer in model.layers {
            switch layer.kind {
            case .dense(let dense):
                var kernel = dense.kernel
                if let mask = dense.pruning?.mask { for i in kernel.indices where mask[i] == 0 { kernel[i] = 0 } }
                var keras: KerasLayer
                if dense.isQuantized {
                    keras = .qDense(name: layer.name, inputs: width, units: dense.units, kernel: kernel, bias: dense.bias,
                                    kernelQuantizer: dense.kernelQuantizer.map(KerasModel.json) ?? .null,
                                    biasQuantizer: dense.biasQuantizer.map(KerasModel.json), activation: dense.activation.rawValue)
                } else {
                    keras = .dense(name: layer.name, inputs: width, units: dense.units, kernel: kernel, bias: dense.bias,
                                   activation: dense.activation.rawValue)
                }
                if var config = keras.config.objectValue {
                    config["kernel_initializer"] = ["class_name": .string(KerasModel.kerasClass(dense.kernelInitializer)),
                                                    "config": dense.kernelInitializer == .zeros ? [:] : ["seed": nil]]
                    let regularizer = dense.kernelRegularizer
                    config["kernel_regularizer"] = regularizer.isNone
                        ? .null
                        : ["class_name": "L1L2", "config": ["l1": .double(Double(regularizer.l1)), "l2": .double(Double(regularizer.l2))]]
                    keras.config = .object(config)
                }
                layers.append(keras)
                width = dense.units
            case .activation(let activation):
                layers.append(.activation(name: layer.name, function: activation.rawValue))
            case .quantizedActivation(let quantizer):
                layers.append(.qActivation(name: layer.name, quantizer: KerasModel.json(quantizer)))
            }
        }
        self = KerasModel.sequential(name: name, inputName: inputName, inputSize: model.inputSize, layers: layers)
    }

    /// The model as a trainable `Training.Model` (Dense, QDense, Activation, QActivation; Dropout is
    /// dropped; other layers are a `UserError`).
    public func trainingModel() throws -> Training.Model {
        var specs: [LayerSpec] = []
        var weights: [String: (kernel: [Float], bias: [Float])] = [:]
        for layer in layers.dropFirst() {
            let location = "layer '\(layer.name)'"
            switch layer.className {
            case "Dense", "QDense":
                guard let units = layer.config["units"]?.intValue, let kernel = layer.weight("kernel") else {
                    throw UserError("Dense layer '\(layer.name)' has no units/kernel", at: name)
                }
                let activation = try Training.Activation.named(layer.config["activation"]?.stringValue ?? "linear", at: location)
                if layer.className == "QDense" {
                    specs.append(.qDense(layer.name, units: units,
                                         kernelQuantizer: try KerasModel.trainingQuantizer(layer.config["kernel_quantizer"], at: location),
                                         biasQuantizer: try KerasModel.trainingQuantizer(layer.config["bias_quantizer"], at: location),
                                         activation: activation))
                } else {
                    specs.append(.dense(layer.name, units: units, activation: activation))
                }
                weights[layer.name] = (kernel.values, layer.weight("bias")?.values ?? [Float](repeating: 0, count: units))
            case "Activation":
                specs.append(.activation(layer.name, try Training.Activation.named(layer.config["activation"]?.stringValue ?? "linear",
                                                                                   at: location)))
            case "ReLU":
                specs.append(.activation(layer.name, .relu))
            case "Softmax":
                specs.append(.activation(layer.name, .softmax))
            case "QActivation":
                guard let quantizer = try KerasModel.trainingQuantizer(layer.config["activation"], at: location) else {
                    throw UserError("QActivation '\(layer.name)' has no quantizer", at: name)
                }
                specs.append(.qActivation(layer.name, quantizer))
            case "Dropout":
                continue
            default:
                throw UserError("layer type '\(layer.className)' (layer '\(layer.name)') cannot be trained by hls4swift", at: name,
                                expected: "Dense, QDense, Activation, QActivation, Dropout")
            }
        }
        // Build the structure (initial weights are drawn, then replaced by the stored ones).
        var model = try Training.Model(inputSize: inputSize, layers: specs, seed: 0)
        for index in model.layers.indices {
            guard case .dense(var dense) = model.layers[index].kind, let stored = weights[model.layers[index].name] else { continue }
            dense.kernel = stored.kernel
            dense.bias = stored.bias
            model.layers[index].kind = .dense(dense)
        }
        try model.validateShapes()
        return model
    }

    static func kerasClass(_ initializer: Training.Initializer) -> String {
        switch initializer {
        case .lecunUniform: return "LecunUniform"
        case .glorotUniform: return "GlorotUniform"
        case .heNormal: return "HeNormal"
        case .zeros: return "Zeros"
        }
    }

    static func json(_ quantizer: Training.Quantizer) -> JSONValue {
        switch quantizer {
        case .quantizedBits(let q):
            let alpha: JSONValue
            switch q.alpha {
            case nil: alpha = .null
            case .value(let value)?: alpha = value.rounded() == value ? .int(Int(value)) : .double(value)
            case .auto?: alpha = "auto"
            case .autoPo2?: alpha = "auto_po2"
            }
            return KerasLayer.quantizedBits(bits: q.bits, integer: q.integer, symmetric: q.symmetric ? 1 : 0, alpha: alpha,
                                            keepNegative: q.keepNegative)
        case .quantizedRelu(let q):
            return KerasLayer.quantizedRelu(bits: q.bits, integer: q.integer)
        }
    }

    public static func trainingQuantizer(_ value: JSONValue?, at location: String) throws -> Training.Quantizer? {
        guard let parsed = try QKerasQuantizer.parse(value, at: location) else { return nil }
        switch parsed {
        case .quantizedBits(let q):
            let alpha: QuantizerAlpha?
            switch q.alpha {
            case .none: alpha = nil
            case .number(let value): alpha = .value(value)
            case .auto: alpha = .auto
            case .autoPo2: alpha = .autoPo2
            }
            return .quantizedBits(QuantizedBits(bits: q.bits, integer: q.integer, symmetric: q.symmetric,
                                                keepNegative: q.keepNegative, alpha: alpha))
        case .quantizedRelu(let bits, let integer, let slope):
            guard slope == 0 else { throw UserError("quantized_relu with negative_slope is not supported", at: location) }
            return .quantizedRelu(QuantizedRelu(bits: bits, integer: integer))
        case .unsupported(let name):
            throw UserError("quantizer '\(name)' is not supported", at: location, expected: "quantized_bits or quantized_relu")
        }
    }
}
