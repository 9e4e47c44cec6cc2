import Foundation
import HDF5
import Support

extension KerasModel {
    /// The architecture as Keras 2.4+ writes `model.to_json()` for a Sequential model (InputLayer first).
    public func architectureJSON() -> JSONValue {
        let layerEntries: [JSONValue] = layers.map { layer in
            var config = layer.config.objectValue ?? [:]
            config["name"] = .string(layer.name)
            return .object(["class_name": .string(layer.className), "config": .object(config)])
        }
        return .object([
            "class_name": "Sequential",
            "config": .object(["name": .string(name), "layers": .array(layerEntries)]),
            "keras_version": .string(kerasVersion),
            "backend": .string(backend),
        ])
    }

    /// Writes the architecture JSON (`model.to_json()` layout), atomically.
    public func writeArchitectureJSON(to path: String) throws {
        try AtomicFile.write(architectureJSON().serialized(), toPath: path)
    }

    /// Writes a single-file Keras `.h5` as Keras 2 `model.save('m.h5')` does: root attributes
    /// `model_config` (JSON), `keras_version`, `backend`; group `model_weights` with `layer_names`,
    /// and per layer a group with `weight_names` and datasets `<layer>/<layer>/kernel:0`.
    /// Strings are fixed-length (h5py's layout for the `bytes` Keras 2 stores). Atomic.
    public func writeH5(to path: String) throws {
        try writeAtomically(path) { file in
            try file.writeAttribute("model_config", value: .string(architectureJSON().serialized()))
            try file.writeAttribute("keras_version", value: .string(kerasVersion))
            try file.writeAttribute("backend", value: .string(backend))
            try file.createGroup("/model_weights")
            try writeWeights(into: file, root: "/model_weights")
        }
    }

    /// Writes only the weights (`model.save_weights('w.h5')` layout, like `KERAS_3layer_weights.h5`). Atomic.
    public func writeWeightsH5(to path: String) throws {
        try writeAtomically(path) { file in try writeWeights(into: file, root: "/") }
    }

    private func writeWeights(into file: HDF5File, root: String) throws {
        let prefix = root == "/" ? "" : root
        try file.writeAttribute("layer_names", of: root, value: .strings(layers.map(\.name)))
        try file.writeAttribute("backend", of: root, value: .string(backend))
        try file.writeAttribute("keras_version", of: root, value: .string(kerasVersion))
        for layer in layers {
            let group = "\(prefix)/\(layer.name)"
            try file.createGroup(group)
            let names = layer.weights.map { "\(layer.name)/\($0.role):0" }
            try file.writeAttribute("weight_names", of: group, value: .strings(names))
            for (weight, name) in zip(layer.weights, names) {
                guard weight.shape.reduce(1, *) == weight.values.count else {
                    throw UserError("weight '\(name)' has shape \(weight.shape) but \(weight.values.count) values",
                                    at: file.path, expected: "values matching the shape")
                }
                try file.writeDataset("\(group)/\(name)", shape: weight.shape, values: weight.values)
            }
        }
    }

    private func writeAtomically(_ path: String, _ body: (HDF5File) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        do {
            let file = try HDF5File.create(path: temporary)
            try body(file)
            file.close()
            guard rename(temporary, path) == 0 else {
                throw UserError("cannot move \(temporary) into place (\(String(cString: strerror(errno))))", at: path)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }
}

// MARK: - Building models in memory (for the trainer and tests)

extension KerasModel {
    /// A Sequential model: an `InputLayer` named `inputName` of width `inputSize`, then `layers`.
    public static func sequential(name: String = "sequential", inputName: String? = nil, inputSize: Int,
                                  layers: [KerasLayer]) -> KerasModel {
        let input = inputName ?? "\(layers.first?.name ?? "dense")_input"
        let inputLayer = KerasLayer(className: "InputLayer", name: input, config: [
            "batch_input_shape": [nil, .int(inputSize)], "dtype": "float32", "sparse": false, "ragged": false,
            "name": .string(input),
        ])
        return KerasModel(name: name, layers: [inputLayer] + layers)
    }
}

extension KerasLayer {
    private static func initializer(_ className: String) -> JSONValue {
        ["class_name": .string(className), "config": className == "Zeros" ? [:] : ["seed": nil]]
    }

    private static func denseConfig(name: String, units: Int, activation: String, useBias: Bool) -> [String: JSONValue] {
        [
            "name": .string(name), "trainable": true, "dtype": "float32", "units": .int(units),
            "activation": .string(activation), "use_bias": .bool(useBias),
            "kernel_initializer": initializer("LecunUniform"), "bias_initializer": initializer("Zeros"),
            "kernel_regularizer": nil, "bias_regularizer": nil, "activity_regularizer": nil,
            "kernel_constraint": nil, "bias_constraint": nil,
        ]
    }

    /// A Keras `Dense` layer; `kernel` in Keras layout (inputs × units, C order).
    public static func dense(name: String, inputs: Int, units: Int, kernel: [Float], bias: [Float]?,
                             activation: String = "linear") -> KerasLayer {
        var weights = [KerasWeight(name: "\(name)/kernel:0", shape: [inputs, units], values: kernel)]
        if let bias { weights.append(KerasWeight(name: "\(name)/bias:0", shape: [units], values: bias)) }
        return KerasLayer(className: "Dense", name: name,
                          config: .object(denseConfig(name: name, units: units, activation: activation, useBias: bias != nil)),
                          weights: weights)
    }

    /// A QKeras `QDense` layer with the given quantizer configs (see `quantizedBits`).
    public static func qDense(name: String, inputs: Int, units: Int, kernel: [Float], bias: [Float]?,
                              kernelQuantizer: JSONValue, biasQuantizer: JSONValue?, activation: String = "linear") -> KerasLayer {
        var layer = dense(name: name, inputs: inputs, units: units, kernel: kernel, bias: bias, activation: activation)
        layer.className = "QDense"
        var config = layer.config.objectValue ?? [:]
        config["kernel_quantizer"] = kernelQuantizer
        config["bias_quantizer"] = .some(biasQuantizer ?? .null)
        config["kernel_range"] = .some(.null)
        config["bias_range"] = .some(.null)
        layer.config = .object(config)
        return layer
    }

    /// A Keras `Activation` layer (`relu`, `softmax`, `linear`, `sigmoid`, `tanh`).
    public static func activation(name: String, function: String) -> KerasLayer {
        KerasLayer(className: "Activation", name: name,
                   config: ["name": .string(name), "trainable": true, "dtype": "float32", "activation": .string(function)])
    }

    /// A QKeras `QActivation` layer with a quantizer config (see `quantizedRelu`).
    public static func qActivation(name: String, quantizer: JSONValue) -> KerasLayer {
        KerasLayer(className: "QActivation", name: name,
                   config: ["name": .string(name), "trainable": true, "dtype": "float32", "activation": quantizer])
    }

    /// A Keras `Dropout` layer (identity at inference).
    public static func dropout(name: String, rate: Double) -> KerasLayer {
        KerasLayer(className: "Dropout", name: name,
                   config: ["name": .string(name), "trainable": true, "dtype": "float32", "rate": .double(rate),
                            "noise_shape": nil, "seed": nil])
    }

    /// A Keras `BatchNormalization` layer over `size` features.
    public static func batchNormalization(name: String, gamma: [Float], beta: [Float], movingMean: [Float],
                                          movingVariance: [Float], epsilon: Double = 0.001, momentum: Double = 0.99) -> KerasLayer {
        let size = movingMean.count
        return KerasLayer(className: "BatchNormalization", name: name, config: [
            "name": .string(name), "trainable": true, "dtype": "float32", "axis": [-1], "momentum": .double(momentum),
            "epsilon": .double(epsilon), "center": true, "scale": true,
            "beta_initializer": initializer("Zeros"), "gamma_initializer": ["class_name": "Ones", "config": [:]],
            "moving_mean_initializer": initializer("Zeros"),
            "moving_variance_initializer": ["class_name": "Ones", "config": [:]],
            "beta_regularizer": nil, "gamma_regularizer": nil, "beta_constraint": nil, "gamma_constraint": nil,
        ], weights: [
            KerasWeight(name: "\(name)/gamma:0", shape: [size], values: gamma),
            KerasWeight(name: "\(name)/beta:0", shape: [size], values: beta),
            KerasWeight(name: "\(name)/moving_mean:0", shape: [size], values: movingMean),
            KerasWeight(name: "\(name)/moving_variance:0", shape: [size], values: movingVariance),
        ])
    }

    /// A QKeras `quantized_bits` config. `alpha`: nil (QKeras turns it into `auto_po2` inside QDense),
    /// a number, or "auto"/"auto_po2".
    public static func quantizedBits(bits: Int, integer: Int, symmetric: Int = 0, alpha: JSONValue = 1,
                                     keepNegative: Bool = true) -> JSONValue {
        ["class_name": "quantized_bits", "config": [
            "bits": .int(bits), "integer": .int(integer), "symmetric": .int(symmetric), "alpha": alpha,
            "keep_negative": .bool(keepNegative), "use_stochastic_rounding": false, "qnoise_factor": 1.0,
        ]]
    }

    /// A QKeras `quantized_relu` config.
    public static func quantizedRelu(bits: Int, integer: Int = 0) -> JSONValue {
        ["class_name": "quantized_relu", "config": [
            "bits": .int(bits), "integer": .int(integer), "use_sigmoid": 0, "negative_slope": 0.0,
            "use_stochastic_rounding": false, "relu_upper_bound": nil, "qnoise_factor": 1.0,
        ]]
    }
}
