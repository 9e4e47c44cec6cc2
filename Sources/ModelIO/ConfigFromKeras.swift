import FixedPoint
import ModelGraph
import Support

extension HLSConfig {
    /// How detailed a generated config is (hls4ml `granularity`).
    public enum Granularity: String, Sendable, CaseIterable {
        /// Only `Model` (one precision for everything).
        case model
        /// `Model` plus one `LayerType` entry per layer class.
        case type
        /// `Model` plus one `LayerName` entry per layer, types "auto" (inferred by the passes).
        case name
    }

    /// hls4ml's `config_from_keras_model(model, granularity, default_precision, default_reuse_factor,
    /// max_precision)` (facts §4.4): `Model` gets the defaults; with `type`/`name`, every layer
    /// class/name gets a block whose precisions are "auto" except where the layer has a default
    /// (softmax accum `fixed<18,8,RND,SAT>`) or a QKeras quantizer fixes the type.
    public static func fromKerasModel(_ model: KerasModel, granularity: Granularity = .model,
                                      defaultPrecision: FixedPointType = .fixed(16, 6), defaultReuseFactor: Int = 1,
                                      maximumPrecision: FixedPointType? = nil) throws -> HLSConfig {
        var config = HLSConfig()
        config.model = LayerSettings(precision: PrecisionSettings(default: .fixed(defaultPrecision),
                                                                  maximum: maximumPrecision.map { .fixed($0) }),
                                     reuseFactor: defaultReuseFactor, strategy: .latency, bramFactor: 1_000_000_000,
                                     traceOutput: false)
        guard granularity != .model else { return config }

        func block(_ variables: [String: Precision], tableSize: Bool = false, softmax: Bool = false) -> LayerSettings {
            var settings = LayerSettings(precision: PrecisionSettings(variables: variables), reuseFactor: defaultReuseFactor,
                                         trace: false)
            if tableSize || softmax { settings.tableSize = 1024 }
            if softmax {
                settings.implementation = .stable
                settings.skip = false
            }
            return settings
        }
        let softmaxAccum = Precision.fixed(.fixed(18, 8, .rnd, .sat))
        func activationBlock(_ function: String, quantized: FixedPointType? = nil) -> (String, LayerSettings) {
            if function == "softmax" { return ("Softmax", block(["result": .auto, "accum": softmaxAccum], softmax: true)) }
            return ("Activation", block(["result": quantized.map { .fixed($0) } ?? .auto], tableSize: true))
        }

        var entries: [(name: String, type: String, settings: LayerSettings)] = []
        entries.append((model.inputName, "InputLayer", block(["result": .auto])))
        for layer in model.layers.dropFirst() {
            let location = "layer '\(layer.name)'"
            switch layer.className {
            case "Dense", "QDense":
                var variables: [String: Precision] = ["result": .auto, "weight": .auto, "bias": .auto, "accum": .auto]
                if layer.className == "QDense" {
                    if case .quantizedBits(let q)? = try QKerasQuantizer.parse(layer.config["kernel_quantizer"], at: location) {
                        variables["weight"] = .fixed(q.hlsType)
                    }
                    if case .quantizedBits(let q)? = try QKerasQuantizer.parse(layer.config["bias_quantizer"], at: location) {
                        variables["bias"] = .fixed(q.hlsType)
                    }
                }
                entries.append((layer.name, layer.className, block(variables)))
                if let function = layer.config["activation"]?.stringValue {
                    let (type, settings) = activationBlock(function)
                    entries.append(("\(layer.name)_\(function)", type, settings))
                }
            case "Activation":
                let (type, settings) = activationBlock(layer.config["activation"]?.stringValue ?? "linear")
                entries.append((layer.name, type, settings))
            case "ReLU":
                entries.append((layer.name, "Activation", activationBlock("relu").1))
            case "Softmax":
                entries.append((layer.name, "Softmax", activationBlock("softmax").1))
            case "QActivation":
                var quantized: FixedPointType?
                switch try QKerasQuantizer.parse(layer.config["activation"], at: location) {
                case .quantizedRelu(let bits, let integer, _)?: quantized = .ufixed(bits, integer, .rndConv, .sat)
                case .quantizedBits(let q)?: quantized = q.activationType
                default: quantized = nil
                }
                entries.append((layer.name, "QActivation", activationBlock("relu", quantized: quantized).1))
            case "BatchNormalization":
                entries.append((layer.name, "BatchNormalization", block(["result": .auto, "scale": .auto, "bias": .auto])))
            default:
                continue  // Dropout and friends have no config entry
            }
        }
        for entry in entries {
            switch granularity {
            case .type:
                if config.layerType[entry.type] == nil { config.layerType[entry.type] = entry.settings }
            case .name:
                config.layerName[entry.name] = entry.settings
            case .model:
                break
            }
        }
        return config
    }
}
