import FixedPoint
import Foundation
import ModelGraph
import ModelIO
import Support

/// Hands a quantization-aware-trained model to the firmware so that the firmware computes exactly
/// what the QAT model computes (issue: "firmware of the QAT model equal to the QAT model").
///
/// The quantizers already fix the weight, bias and activation types (QKeras mapping in ModelIO).
/// What remains are the Dense accumulators and outputs: they are inferred (`auto`, facts §4.5),
/// which never overflows and never rounds. The last Dense would then feed the softmax with a very
/// wide type, which makes hls4ml's softmax collapse (every output 0.2002, facts §3.6.5); instead of
/// narrowing the logits themselves we keep them exact and insert an explicit cast layer
/// `<last dense>_logits` (a linear Activation, result `fixed<16,6,RND,SAT>` unless configured),
/// so the exact logits can be compared with the QAT model's own forward pass.
enum QATHandover {
    static func castLayerName(_ lastDense: String) -> String { "\(lastDense)_logits" }

    static func prepare(keras: KerasModel, config: HLSConfig) throws -> (KerasModel, HLSConfig) {
        var keras = keras
        var config = config
        let denseNames = keras.layers.filter { $0.className == "Dense" || $0.className == "QDense" }.map(\.name)
        guard let last = denseNames.last else { return (keras, config) }
        for name in denseNames {
            var settings = config.layerName[name] ?? LayerSettings()
            var precision = settings.precision ?? PrecisionSettings()
            if precision.variables["accum"] == nil { precision.variables["accum"] = .auto }
            if precision.variables["result"] == nil { precision.variables["result"] = .auto }
            settings.precision = precision
            config.layerName[name] = settings
            // Keras Dense layers are split into Dense + `<name>_linear` (facts §3.1); that node's
            // result must stay inferred too, or merging it would narrow the Dense output again.
            var linear = config.layerName["\(name)_linear"] ?? LayerSettings()
            var linearPrecision = linear.precision ?? PrecisionSettings()
            if linearPrecision.variables["result"] == nil { linearPrecision.variables["result"] = .auto }
            linear.precision = linearPrecision
            config.layerName["\(name)_linear"] = linear
        }
        guard let lastPosition = keras.layers.firstIndex(where: { $0.name == last }),
              lastPosition + 1 < keras.layers.count,
              keras.layers[lastPosition + 1].className == "Activation",
              keras.layers[lastPosition + 1].config["activation"]?.stringValue == "softmax" else {
            return (keras, config)
        }
        // The exact width of the last Dense: what inference gives its accumulator.
        let probe = try keras.makeModelGraph(config: config)
        guard let probeLayer = probe.layers.first(where: { $0.name == last }), case .dense(let dense) = probeLayer.operation,
              case .fixed(let exact) = dense.accumType else {
            return (keras, config)
        }
        var lastSettings = config.layerName[last]!
        if lastSettings.precision?.variables["result"] == .auto {
            lastSettings.precision?.variables["result"] = .fixed(exact)
        }
        config.layerName[last] = lastSettings
        if config.layerName["\(last)_linear"]?.precision?.variables["result"] == .auto {
            config.layerName["\(last)_linear"]?.precision?.variables["result"] = .fixed(exact)
        }
        let cast = castLayerName(last)
        var castSettings = config.layerName[cast] ?? LayerSettings()
        var castPrecision = castSettings.precision ?? PrecisionSettings()
        if castPrecision.variables["result"] == nil { castPrecision.variables["result"] = .fixed(ModelGraph.softmaxInputType) }
        castSettings.precision = castPrecision
        config.layerName[cast] = castSettings
        keras.layers.insert(.activation(name: cast, function: "linear"), at: lastPosition + 1)
        return (keras, config)
    }

    /// The graph up to and including the last Dense: its simulated outputs are the firmware's logits.
    static func logitGraph(_ graph: ModelGraph) -> ModelGraph? {
        guard let last = graph.layers.lastIndex(where: { if case .dense = $0.operation { return true } else { return false } }) else {
            return nil
        }
        var prefix = graph
        prefix.layers = Array(graph.layers[...last])
        return prefix
    }
}
