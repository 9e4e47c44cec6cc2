import Foundation
import FixedPoint
import ModelGraph
import Support

extension KerasModel {
    /// Converts the Keras model into the typed graph the firmware computes, applying an hls4ml
    /// config, as `hls4ml.converters.convert_from_keras_model` + the optimizer passes do:
    ///
    /// * Layer indices as hls4ml numbers them: the input is 1, every node takes the next index;
    ///   a Dense with an `activation` argument becomes Dense + Activation `<dense>_<activation>`;
    ///   linear ones are removed afterwards (their index stays used), Dropout is skipped.
    ///   The tutorial MLP gets Dense 2, ReLU 4, Dense 5, ReLU 7, Dense 8, ReLU 10, Dense 11, Softmax 13.
    /// * Types by hls4ml's lookup (LayerName → LayerType → Model, facts §4.3), QKeras quantizers
    ///   mapped per facts §3.8 (an explicit per-variable config entry wins over the quantizer).
    /// * Passes: linear elimination, BatchNormalization folding, "auto" inference (without the
    ///   softmax collapse), softmax table sizes, ReuseFactor validation (`ModelGraph.applyHLSPasses`).
    public func makeModelGraph(config: HLSConfig = HLSConfig()) throws -> ModelGraph {
        var builder = GraphBuilder(config: config, source: config.source ?? name)
        return try builder.build(self)
    }
}

/// hls4ml class names used for `LayerType` lookups, most specific first.
private enum LayerTypes {
    static let input = ["InputLayer"]
    static let dense = ["Dense"]
    static let qDense = ["QDense", "Dense"]
    static let activation = ["Activation"]
    static let qActivation = ["QActivation", "Activation"]
    static let softmax = ["Softmax", "Activation"]
    static let batchNormalization = ["BatchNormalization"]
    static let applyAlpha = ["ApplyAlpha", "BatchNormalization"]
}

private struct GraphBuilder {
    let config: HLSConfig
    let source: String
    var index = 1
    var layers: [Layer] = []
    var keptNorms: Set<String> = []
    var reuseLocations: [String: String] = [:]

    init(config: HLSConfig, source: String) {
        self.config = config
        self.source = source
    }

    var defaultType: FixedPointType {
        if case .fixed(let type) = config.model.precision?.default ?? .fixed(.fixed(16, 6)) { return type }
        return .fixed(16, 6)
    }

    func precision(_ variable: String, _ name: String, _ types: [String]) -> Precision {
        config.precision(variable, layer: name, types: types).precision
    }

    /// A table/helper type from a direct `<name>_t` key, else the hls4ml default.
    func namedType(_ key: String, _ name: String, _ types: [String], _ fallback: FixedPointType) -> FixedPointType {
        if case .fixed(let type) = config.namedType(key, layer: name, types: types) { return type }
        return fallback
    }

    mutating func nextIndex() -> Int {
        index += 1
        return index
    }

    mutating func append(_ name: String, _ index: Int, _ operation: LayerOperation, result: Precision, types: [String]) {
        reuseLocations[name] = config.reuseFactorLocation(layer: name, types: types)
        layers.append(Layer(name: name, index: index, operation: operation, resultType: result,
                            reuseFactor: config.reuseFactor(layer: name, types: types),
                            strategy: config.strategy(layer: name, types: types),
                            trace: config.setting(\.trace, layer: name, types: types) ?? false))
    }

    mutating func build(_ model: KerasModel) throws -> ModelGraph {
        let widths = try KerasModel.outputWidths(model.layers, source: source)
        let inputType = precision("result", model.inputName, LayerTypes.input)
        for (position, keras) in model.layers.enumerated().dropFirst() {
            let width = widths[position - 1]
            switch keras.className {
            case "Dropout":
                continue
            case "Dense", "QDense":
                try addDense(keras, inputs: width)
            case "Activation":
                let function = keras.config["activation"]?.stringValue ?? "linear"
                try addActivation(function, name: keras.name, size: width, types: LayerTypes.activation)
            case "ReLU":
                try addActivation("relu", name: keras.name, size: width, types: LayerTypes.activation)
            case "Softmax":
                try addActivation("softmax", name: keras.name, size: width, types: LayerTypes.activation)
            case "QActivation":
                try addQActivation(keras, size: width)
            case "BatchNormalization":
                addBatchNormalization(keras, size: width)
                // hls4ml folds a BN into a preceding QDense and re-quantizes the folded kernel with the
                // QDense's quantizer, which changes the trained network; we keep such a BN separate.
                let previous = model.layers[..<position].last { $0.className != "Dropout" }
                if previous?.className == "QDense" { keptNorms.insert(keras.name) }
            default:
                throw UserError("unsupported layer type '\(keras.className)' (layer '\(keras.name)')", at: source,
                                expected: "one of \(KerasModel.supportedLayerTypes.joined(separator: ", "))")
            }
        }
        var graph = ModelGraph(projectName: config.projectName, inputName: model.inputName, inputSize: model.inputSize,
                               inputType: inputType, layers: layers, target: config.target)
        var maximum: FixedPointType?
        if case .fixed(let type) = config.maximumPrecision { maximum = type }
        try graph.applyHLSPasses(defaultPrecision: defaultType, maximum: maximum, keepBatchNormalization: keptNorms,
                                 reuseFactorLocations: reuseLocations)
        return graph
    }

    // MARK: Dense / QDense

    mutating func addDense(_ keras: KerasLayer, inputs: Int) throws {
        let name = keras.name
        let isQuantized = keras.className == "QDense"
        let types = isQuantized ? LayerTypes.qDense : LayerTypes.dense
        guard let units = keras.config["units"]?.intValue, let kernel = keras.weight("kernel") else {
            throw UserError("Dense layer '\(name)' has no units/kernel", at: source)
        }
        var weights = kernel.values
        var biases = keras.weight("bias")?.values ?? [Float](repeating: 0, count: units)
        var weightType = precision("weight", name, types)
        var biasType = precision("bias", name, types)
        var alpha: (scale: [Float], bias: [Float], powerOfTwo: Bool)?

        if isQuantized {
            let location = "\(source) (layer '\(name)')"
            if case .some(let quantizer) = try QKerasQuantizer.parse(keras.config["kernel_quantizer"], at: location) {
                guard case .quantizedBits(let q) = quantizer else {
                    throw UserError("kernel quantizer \(quantizer) of layer '\(name)' is not supported", at: source,
                                    expected: "quantized_bits")
                }
                if !config.hasExplicitPrecision("weight", layer: name, types: types) { weightType = .fixed(q.hlsType) }
                switch q.alpha {
                case .number(1):
                    weights = q.quantize(weights)
                case .number(let value):
                    // Numeric alpha: kernel_q = alpha·(grid value); the Dense keeps the grid values
                    // (exact in fixed<bits, integer+1>) and ApplyAlpha multiplies by alpha.
                    weights = q.quantize(weights)
                    alpha = ([Float](repeating: Float(value), count: units), [], false)
                case .none, .auto, .autoPo2:
                    // alpha=None: QKeras's QDense turns it into 'auto_po2' when the layer is built, so
                    // hls4ml silently sees auto_po2 when converting an in-memory model (facts §3.8), and
                    // QKeras saves 'auto_po2'. A file that still says None is read the same way here
                    // (hls4ml's file path would use the plain grid instead; our exports never say None).
                    let powerOfTwo = q.alpha != .auto
                    let (levels, scale) = q.autoScale(weights, rows: inputs, columns: units, powerOfTwo: powerOfTwo)
                    // kernel_q / quantizer.scale = m_i·z/m, exactly representable in fixed<bits, integer+1>.
                    let step = Float(sign: .plus, exponent: q.integer - (q.bits - 1), significand: 1)
                    weights = levels.map { $0 * step }
                    let m = Float(sign: .plus, exponent: q.bits - 1, significand: 1)
                    alpha = (scale.map { $0 * m }, [], powerOfTwo)
                }
            }
            if case .some(let quantizer) = try QKerasQuantizer.parse(keras.config["bias_quantizer"], at: location) {
                guard case .quantizedBits(let q) = quantizer else {
                    throw UserError("bias quantizer \(quantizer) of layer '\(name)' is not supported", at: source,
                                    expected: "quantized_bits")
                }
                if q.alpha == .auto || q.alpha == .autoPo2 {
                    throw UserError("bias quantizer of layer '\(name)' uses alpha '\(q.alpha == .auto ? "auto" : "auto_po2")'", at: source,
                                    expected: "a bias quantizer with alpha 1, a number or None")
                }
                if !config.hasExplicitPrecision("bias", layer: name, types: types) { biasType = .fixed(q.hlsType) }
                if case .number(let value) = q.alpha { biases = q.quantize(biases, scale: Float(value)) } else { biases = q.quantize(biases) }
            }
            if alpha != nil {
                // ApplyAlpha adds the bias after scaling; the Dense itself gets bias 0.
                alpha?.bias = biases
                biases = [Float](repeating: 0, count: units)
            }
        }

        let dense = Dense(inputs: inputs, outputs: units, weights: weights, biases: biases, weightType: weightType,
                          biasType: biasType, accumType: precision("accum", name, types))
        append(name, nextIndex(), .dense(dense), result: precision("result", name, types), types: types)

        if let alpha {
            let alphaName = "\(name)_alpha"
            var scaleType = precision("scale", alphaName, LayerTypes.applyAlpha)
            if !config.hasExplicitPrecision("scale", layer: alphaName, types: LayerTypes.applyAlpha) {
                scaleType = .fixed(alpha.powerOfTwo ? Self.exactPowerOfTwoType(alpha.scale) : Self.scaleType(alpha.scale))
            }
            let norm = BatchNormalization(size: units, scale: alpha.scale, bias: alpha.bias, scaleType: scaleType,
                                          biasType: precision("bias", alphaName, LayerTypes.applyAlpha))
            // ApplyAlpha's output is inferred ("auto") unless the user names a type for it.
            let result: Precision = config.layerName[alphaName]?.precision != nil
                ? precision("result", alphaName, LayerTypes.applyAlpha) : .auto
            append(alphaName, nextIndex(), .batchNormalization(norm), result: result, types: LayerTypes.applyAlpha)
            keptNorms.insert(alphaName)
        }

        switch keras.config["activation"] {
        case .some(.string(let function)):
            try addActivation(function, name: "\(name)_\(function)", size: units, types: LayerTypes.activation)
        case .some(let value) where !value.isNull:
            // A QDense may carry a quantizer as its activation.
            try addQuantizedActivation(value, name: "\(name)_activation", size: units)
        default:
            break
        }
    }

    /// A signed type holding every power of two in `values` exactly.
    static func exactPowerOfTwoType(_ values: [Float]) -> FixedPointType {
        let exponents = values.filter { $0 > 0 }.map { Int($0.exponent) }
        guard let low = exponents.min(), let high = exponents.max() else { return .fixed(2, 1) }
        let integer = high + 2
        let fractional = Swift.max(-low, 0)
        return .fixed(Swift.max(integer + fractional, 2), integer)
    }

    /// A type for float per-channel scales (alpha 'auto' or numeric): range of the largest scale and
    /// 12 significant bits for the smallest, at most 32 bits. (The model default, e.g. fixed<16,6>,
    /// would keep only a few significant bits of a scale like 0.01.)
    static func scaleType(_ values: [Float]) -> FixedPointType {
        let magnitudes = values.map { abs($0) }.filter { $0 > 0 }
        guard let low = magnitudes.min(), let high = magnitudes.max() else { return .fixed(2, 1) }
        let integer = Int(high.exponent) + 2
        let fractional = -Int(low.exponent) + 11
        return .fixed(Swift.min(Swift.max(integer + fractional, 2), 32), integer)
    }

    // MARK: Activations

    mutating func addActivation(_ function: String, name: String, size: Int, types: [String]) throws {
        if function == "softmax" {
            let softmaxTypes = LayerTypes.softmax
            let index = nextIndex()
            if config.setting(\.skip, layer: name, types: softmaxTypes) == true { return }
            let softmax = Softmax(size: size,
                                  implementation: config.setting(\.implementation, layer: name, types: softmaxTypes) ?? .stable,
                                  tableSize: config.setting(\.tableSize, layer: name, types: softmaxTypes) ?? 1024,
                                  expTableType: namedType("exp_table", name, softmaxTypes, .fixed(18, 8, .rnd, .sat)),
                                  invTableType: namedType("inv_table", name, softmaxTypes, .fixed(18, 8, .rnd, .sat)),
                                  // hls4ml looks 'accum' up in the config first (model default with granularity 'model').
                                  accumType: precision("accum", name, softmaxTypes),
                                  invInputType: namedType("inv_inp", name, softmaxTypes, .fixed(18, 8, .rnd, .sat)),
                                  tableType: namedType("table", name, softmaxTypes, .fixed(18, 8)))
            append(name, index, .softmax(softmax), result: precision("result", name, softmaxTypes), types: softmaxTypes)
            return
        }
        guard let activationFunction = ActivationFunction(rawValue: function) else {
            throw UserError("unsupported activation '\(function)' (layer '\(name)')", at: source,
                            expected: "one of linear, relu, sigmoid, tanh, softmax")
        }
        let activation = Activation(function: activationFunction, size: size,
                                    tableSize: config.setting(\.tableSize, layer: name, types: types) ?? 1024,
                                    tableType: namedType("table", name, types, .fixed(18, 8)))
        append(name, nextIndex(), .activation(activation), result: precision("result", name, types), types: types)
    }

    mutating func addQActivation(_ keras: KerasLayer, size: Int) throws {
        guard let activation = keras.config["activation"] else {
            throw UserError("QActivation '\(keras.name)' has no activation", at: source)
        }
        if let text = activation.stringValue, !text.contains("(") && !text.hasPrefix("quantized") {
            try addActivation(text, name: keras.name, size: size, types: LayerTypes.qActivation)
            return
        }
        try addQuantizedActivation(activation, name: keras.name, size: size)
    }

    /// quantized_relu → ReLU with `ufixed<bits, integer, RND_CONV, SAT>`; quantized_bits → linear
    /// with `fixed<bits, integer+1, RND_CONV, SAT>` (facts §3.8). An explicit `result` in the config wins.
    mutating func addQuantizedActivation(_ value: JSONValue, name: String, size: Int) throws {
        let types = LayerTypes.qActivation
        guard let quantizer = try QKerasQuantizer.parse(value, at: "\(source) (layer '\(name)')") else { return }
        let function: ActivationFunction
        let type: FixedPointType
        switch quantizer {
        case .quantizedRelu(let bits, let integer, let slope):
            guard slope == 0 else {
                throw UserError("quantized_relu with negative_slope \(slope) (LeakyReLU) in layer '\(name)' is not supported",
                                at: source, expected: "negative_slope 0")
            }
            function = .relu
            type = .ufixed(bits, integer, .rndConv, .sat)
        case .quantizedBits(let q):
            function = .linear
            type = q.activationType
        case .unsupported(let other):
            throw UserError("unsupported QActivation quantizer '\(other)' (layer '\(name)')", at: source,
                            expected: "quantized_relu or quantized_bits")
        }
        let result = config.hasExplicitPrecision("result", layer: name, types: types) || config.layerName[name]?.precision?.default != nil
            ? precision("result", name, types) : .fixed(type)
        let activation = Activation(function: function, size: size,
                                    tableSize: config.setting(\.tableSize, layer: name, types: types) ?? 1024,
                                    tableType: namedType("table", name, types, .fixed(18, 8)))
        append(name, nextIndex(), .activation(activation), result: result, types: types)
    }

    // MARK: BatchNormalization

    /// `scale = gamma / sqrt(moving_variance + epsilon)`, `bias = beta − scale·moving_mean`, in float32
    /// as numpy computes them (facts §3.7).
    mutating func addBatchNormalization(_ keras: KerasLayer, size: Int) {
        let types = LayerTypes.batchNormalization
        let epsilon = Float(keras.config["epsilon"]?.doubleValue ?? 0.001)
        let gamma = keras.weight("gamma")?.values ?? [Float](repeating: 1, count: size)
        let beta = keras.weight("beta")?.values ?? [Float](repeating: 0, count: size)
        let mean = keras.weight("moving_mean")?.values ?? [Float](repeating: 0, count: size)
        let variance = keras.weight("moving_variance")?.values ?? [Float](repeating: 1, count: size)
        var scale = [Float](repeating: 0, count: size)
        var bias = [Float](repeating: 0, count: size)
        for i in 0..<size {
            scale[i] = gamma[i] / (variance[i] + epsilon).squareRoot()
            bias[i] = beta[i] - scale[i] * mean[i]
        }
        let norm = BatchNormalization(size: size, scale: scale, bias: bias, scaleType: precision("scale", keras.name, types),
                                      biasType: precision("bias", keras.name, types))
        append(keras.name, nextIndex(), .batchNormalization(norm), result: precision("result", keras.name, types), types: types)
    }
}

/// The `pipeline convert` entry point: config + Keras model → graph.
public enum KerasConversion {
    /// Loads the hls4ml config (optional: hls4ml defaults without one), then the model from the
    /// arguments or, when `model` is nil, from the config's `KerasJson` + `KerasH5` or `KerasModel`
    /// (paths resolved relative to the config file as well), and converts it.
    public static func convert(model: String?, weights: String? = nil, config configPath: String?)
        throws -> (keras: KerasModel, config: HLSConfig, graph: ModelGraph) {
        let config = try configPath.map { try HLSConfig.load(path: $0) } ?? HLSConfig()
        let keras: KerasModel
        if let model {
            keras = try KerasModel.load(path: model, weights: weights)
        } else if let json = config.kerasJson {
            guard let h5 = weights ?? config.kerasH5 else {
                throw UserError("KerasJson is set but KerasH5 is not", at: configPath, expected: "KerasH5: <weights.h5>")
            }
            keras = try KerasModel.load(json: config.resolvePath(json), weights: weights ?? config.resolvePath(h5))
        } else if let file = config.kerasModel {
            keras = try KerasModel.load(path: config.resolvePath(file), weights: weights)
        } else {
            throw UserError("no model given", at: configPath,
                            expected: "a model file argument, or KerasJson + KerasH5 (or KerasModel) in the config")
        }
        var checked = config
        checked.warnings += keras.unmatchedConfigEntries(config)
        return (keras, checked, try keras.makeModelGraph(config: config))
    }
}

extension KerasModel {
    /// Names hls4ml gives this model's nodes: Keras names, generated `<dense>_<activation>` and
    /// `<dense>_alpha` nodes, and the input.
    public var hlsLayerNames: [String] {
        var names: [String] = []
        for layer in layers {
            names.append(layer.name)
            if layer.className == "Dense" || layer.className == "QDense" {
                if let activation = layer.config["activation"]?.stringValue { names.append("\(layer.name)_\(activation)") }
                names.append("\(layer.name)_alpha")
            }
        }
        return names
    }

    /// Config entries that match nothing in this model (hls4ml ignores them silently, which hides
    /// typos): `LayerName` keys that name no layer, `LayerType` keys that name no class in use.
    public func unmatchedConfigEntries(_ config: HLSConfig) -> [String] {
        let names = hlsLayerNames
        var messages: [String] = []
        for name in config.layerName.keys.sorted() where !names.contains(name) {
            let near = nearestName(to: name, in: names).map { " (did you mean '\($0)'?)" } ?? ""
            messages.append("\(config.layerName[name]?.location ?? config.source ?? "config"): HLSConfig.LayerName.\(name) matches no layer\(near)")
        }
        let classes = ["InputLayer", "Dense", "QDense", "Activation", "QActivation", "Softmax", "BatchNormalization", "ApplyAlpha"]
        for type in config.layerType.keys.sorted() where !classes.contains(type) {
            let near = nearestName(to: type, in: classes).map { " (did you mean '\($0)'?)" } ?? ""
            messages.append("\(config.layerType[type]?.location ?? config.source ?? "config"): HLSConfig.LayerType.\(type) matches no layer class\(near)")
        }
        return messages
    }
}
