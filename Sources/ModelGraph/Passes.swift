import FixedPoint
import Support

/// The optimizer passes hls4ml runs between parsing and writing (facts §3.1, §3.3, §3.6.1, §3.7,
/// §4.5), as pure transformations of the graph.
extension ModelGraph {
    /// All passes in hls4ml's order: drop/merge linear activations, fold BatchNormalization into
    /// the preceding Dense where hls4ml does, infer "auto" precisions, shrink softmax tables that
    /// are larger than their index type, then validate every ReuseFactor.
    ///
    /// - Parameters:
    ///   - defaultPrecision: `Model.Precision` default (what "auto" becomes where no rule applies).
    ///   - maximum: `Model.Precision.maximum`, caps inferred widths.
    ///   - keepBatchNormalization: names of BN layers that must not be folded (e.g. QKeras ApplyAlpha).
    ///   - reuseFactorLocations: layer name → file:line of its ReuseFactor, for error messages.
    public mutating func applyHLSPasses(defaultPrecision: FixedPointType = .fixed(16, 6), maximum: FixedPointType? = nil,
                                        keepBatchNormalization: Set<String> = [],
                                        reuseFactorLocations: [String: String] = [:]) throws {
        eliminateLinearActivations()
        foldBatchNormalization(keeping: keepBatchNormalization)
        inferPrecisions(defaultPrecision: defaultPrecision, maximum: maximum)
        fixSoftmaxTableSizes()
        try validateReuseFactors(locations: reuseFactorLocations)
    }

    /// Output type of the layer before position `position` (the model input for the first layer).
    func inputType(ofLayerAt position: Int) -> Precision {
        position == 0 ? inputType : layers[position - 1].resultType
    }

    // MARK: Linear activations (facts §3.1)

    /// Removes `linear` activations the way hls4ml does: when the output type equals the input type
    /// (EliminateLinearActivation), or when the producing layer's output type is still "auto"
    /// (MergeLinearActivation: the producer takes the activation's type). A linear activation that
    /// changes the type is a cast and stays. Layer indices are not renumbered (hls4ml keeps gaps).
    public mutating func eliminateLinearActivations() {
        var position = 0
        while position < layers.count {
            guard case .activation(let activation) = layers[position].operation, activation.function == .linear else {
                position += 1
                continue
            }
            let incoming = inputType(ofLayerAt: position)
            if layers[position].resultType == incoming {
                layers.remove(at: position)
            } else if incoming == .auto && position > 0 {
                layers[position - 1].resultType = layers[position].resultType
                layers.remove(at: position)
            } else {
                position += 1
            }
        }
    }

    // MARK: BatchNormalization folding (facts §3.7)

    /// Folds a BatchNormalization directly after a Dense into that Dense (`W' = scale·W` per output
    /// column, `b' = scale·b + bias`, float32 arithmetic as numpy does) when hls4ml would: only if the
    /// Dense output type is still "auto". The Dense then produces the BN's output type.
    public mutating func foldBatchNormalization(keeping kept: Set<String> = []) {
        var position = 1
        while position < layers.count {
            guard case .batchNormalization(let norm) = layers[position].operation, !kept.contains(layers[position].name),
                  case .dense(var dense) = layers[position - 1].operation, layers[position - 1].resultType == .auto,
                  norm.size == dense.outputs else {
                position += 1
                continue
            }
            for i in 0..<dense.inputs {
                for j in 0..<dense.outputs { dense.weights[i * dense.outputs + j] *= norm.scale[j] }
            }
            if dense.biases.count != dense.outputs { dense.biases = [Float](repeating: 0, count: dense.outputs) }
            for j in 0..<dense.outputs { dense.biases[j] = dense.biases[j] * norm.scale[j] + norm.bias[j] }
            layers[position - 1].operation = .dense(dense)
            layers[position - 1].resultType = layers[position].resultType
            layers.remove(at: position)
        }
    }

    // MARK: Precision inference (facts §4.5)

    /// Type that holds `Σ x_i·w_i + b` over `inputs` terms without overflow (hls4ml's
    /// `infer_precision_types` rule for Dense; BatchNormalization uses it with one term):
    /// `W = Ww+Wx+⌈log2 n⌉`, `I = Iw+Ix+⌈log2 n⌉`, then one more integer bit for the bias, clamped
    /// by `maximum`. Example (16-bit everything): 16 inputs → fixed<37,17>.
    public static func accumulatorType(input: FixedPointType, weight: FixedPointType, bias: FixedPointType?,
                                       inputs: Int, maximum: FixedPointType? = nil) -> FixedPointType {
        var log2n = 0
        while (1 << log2n) < inputs { log2n += 1 }
        var width = weight.width + input.width + log2n
        var integer = weight.integer + input.integer + log2n
        var signed = weight.isSigned || input.isSigned
        let fractional = width - integer
        if let bias {
            integer = Swift.max(integer + ((bias.isSigned && !signed) ? 1 : 0), bias.integer + ((signed && !bias.isSigned) ? 1 : 0)) + 1
            width = integer + Swift.max(fractional, bias.width - bias.integer)
            signed = signed || bias.isSigned
        }
        if let maximum {
            width = Swift.min(width, maximum.width)
            integer = Swift.min(integer, maximum.integer)
        }
        return FixedPointType(width: width, integer: integer, isSigned: signed)
    }

    /// The type given to a layer feeding a softmax when its output would otherwise be inferred.
    ///
    /// Why: hls4ml 1.3.0 infers e.g. fixed<38,18> for the last Dense; the softmax indexes its exp
    /// table with the top 10 bits of that (buckets 128 wide) and every output becomes 0.2002
    /// (facts §3.6.5). The tutorial's own fix is `fixed<16,6,RND,SAT>`: enough range for logits,
    /// rounding instead of truncation, and saturation instead of wrap-around.
    public static let softmaxInputType = FixedPointType.fixed(16, 6, .rnd, .sat)

    /// Replaces every "auto" precision by a concrete type, layer by layer (facts §4.5): Dense
    /// accumulator and output from the arithmetic (never overflowing), BatchNormalization likewise
    /// with one term, and the model default where hls4ml has no rule. A layer feeding a softmax
    /// gets `softmaxInputType` instead of a wide inferred output (see there).
    public mutating func inferPrecisions(defaultPrecision: FixedPointType = .fixed(16, 6), maximum: FixedPointType? = nil) {
        func concrete(_ precision: Precision) -> FixedPointType {
            if case .fixed(let type) = precision { return type }
            return defaultPrecision
        }
        if inputType == .auto { inputType = .fixed(defaultPrecision) }
        for position in layers.indices {
            let incoming = concrete(inputType(ofLayerAt: position))
            let feedsSoftmax: Bool = {
                guard position + 1 < layers.count, case .softmax = layers[position + 1].operation else { return false }
                return true
            }()
            var layer = layers[position]
            switch layer.operation {
            case .dense(var dense):
                let weight = concrete(dense.weightType)
                let bias = concrete(dense.biasType)
                dense.weightType = .fixed(weight)
                dense.biasType = .fixed(bias)
                let wide = ModelGraph.accumulatorType(input: incoming, weight: weight, bias: bias, inputs: dense.inputs,
                                                      maximum: maximum)
                if dense.accumType == .auto { dense.accumType = .fixed(wide) }
                if layer.resultType == .auto { layer.resultType = .fixed(feedsSoftmax ? ModelGraph.softmaxInputType : wide) }
                layer.operation = .dense(dense)
            case .batchNormalization(var norm):
                let scale = concrete(norm.scaleType)
                let bias = concrete(norm.biasType)
                norm.scaleType = .fixed(scale)
                norm.biasType = .fixed(bias)
                if layer.resultType == .auto {
                    let wide = ModelGraph.accumulatorType(input: incoming, weight: scale, bias: bias, inputs: 1, maximum: maximum)
                    layer.resultType = .fixed(feedsSoftmax ? ModelGraph.softmaxInputType : wide)
                }
                layer.operation = .batchNormalization(norm)
            case .softmax(var softmax):
                if softmax.accumType == .auto { softmax.accumType = .fixed(.fixed(18, 8, .rnd, .sat)) }
                layer.operation = .softmax(softmax)
                if layer.resultType == .auto { layer.resultType = .fixed(defaultPrecision) }
            case .activation:
                if layer.resultType == .auto { layer.resultType = .fixed(defaultPrecision) }
            }
            layers[position] = layer
        }
    }

    // MARK: Softmax tables (facts §3.6.1)

    /// hls4ml's `fix_softmax_table_size`: a softmax table cannot usefully have more entries than
    /// its index type has values, so `table_size` drops to `2^min(W_input, W_inv_table)` when that is smaller.
    public mutating func fixSoftmaxTableSizes() {
        for position in layers.indices {
            guard case .softmax(var softmax) = layers[position].operation,
                  case .fixed(let input) = inputType(ofLayerAt: position) else { continue }
            let bits = Swift.min(input.width, softmax.invTableType.width, 62)
            let limit = 1 << bits
            if limit < softmax.tableSize {
                softmax.tableSize = limit
                layers[position].operation = .softmax(softmax)
            }
        }
    }

    // MARK: ReuseFactor (facts §3.3)

    /// hls4ml's rule for Dense with Resource strategy: with `multfactor = min(n_in, R)` and
    /// `multiplier_limit = ceil(n_in·n_out / multfactor)`, R is valid iff
    /// (`multiplier_limit % n_out == 0` or `R ≥ n_in`) and (`R % n_in == 0` or `R < n_in`) and
    /// `n_in·n_out % R == 0`.
    public static func isValidReuseFactor(_ reuse: Int, inputs: Int, outputs: Int) -> Bool {
        guard reuse >= 1, inputs >= 1, outputs >= 1 else { return false }
        let total = inputs * outputs
        let multfactor = Swift.min(inputs, reuse)
        let multiplierLimit = (total + multfactor - 1) / multfactor
        return (multiplierLimit % outputs == 0 || reuse >= inputs) && (reuse % inputs == 0 || reuse < inputs) && total % reuse == 0
    }

    /// Every valid Resource ReuseFactor of an `inputs`×`outputs` Dense, ascending
    /// (32×5: 1, 2, 4, 8, 16, 32, 160).
    public static func validReuseFactors(inputs: Int, outputs: Int) -> [Int] {
        let total = inputs * outputs
        guard total > 0 else { return [] }
        var divisors: [Int] = []
        var d = 1
        while d * d <= total {
            if total % d == 0 {
                divisors.append(d)
                if d != total / d { divisors.append(total / d) }
            }
            d += 1
        }
        return divisors.sorted().filter { isValidReuseFactor($0, inputs: inputs, outputs: outputs) }
    }

    /// Checks every layer's ReuseFactor: ≥ 1 everywhere; for Dense with Resource strategy hls4ml's
    /// rule (hls4ml silently picks the closest valid value; we stop and name the nearest ones).
    public func validateReuseFactors(locations: [String: String] = [:]) throws {
        for layer in layers {
            guard layer.reuseFactor >= 1 else {
                throw UserError("ReuseFactor \(layer.reuseFactor) of layer '\(layer.name)' must be at least 1",
                                at: locations[layer.name], expected: "an integer ≥ 1")
            }
            guard case .dense(let dense) = layer.operation, layer.strategy == .resource,
                  !ModelGraph.isValidReuseFactor(layer.reuseFactor, inputs: dense.inputs, outputs: dense.outputs) else { continue }
            let valid = ModelGraph.validReuseFactors(inputs: dense.inputs, outputs: dense.outputs)
            let below = valid.last { $0 < layer.reuseFactor }
            let above = valid.first { $0 > layer.reuseFactor }
            let nearest = [below, above].compactMap { $0 }.map(String.init).joined(separator: " or ")
            throw UserError("invalid ReuseFactor \(layer.reuseFactor) for layer '\(layer.name)' (Dense \(dense.inputs)×\(dense.outputs), Strategy Resource)",
                            at: locations[layer.name],
                            expected: "the nearest valid value \(nearest) (valid: \(valid.map(String.init).joined(separator: ",")))")
        }
    }
}
