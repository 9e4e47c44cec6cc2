import Foundation
import Support

extension QuantizedRelu {
    /// The same quantizer in Double (the grid values are exact in both precisions).
    public func quantizeDouble(_ x: Double) -> Double {
        let m = exp2(Double(bits)), mi = exp2(Double(integer))
        return mi * min(max((x * m / mi).rounded(.toNearestOrEven) / m, 0), 1 - 1 / m)
    }
}

extension QuantizedBits {
    /// Element-wise quantization in Double (fixed alpha).
    public func quantizeDouble(_ x: Double) -> Double {
        let unsignedBits = bits - (keepNegative ? 1 : 0)
        var scale = 1.0
        if case .value(let a)? = alpha { scale = a }
        if unsignedBits == 0 {
            let s: Double = x >= 0 ? 1 : -1
            return keepNegative ? s : (s + 1) / 2
        }
        let m = exp2(Double(unsignedBits)), mi = exp2(Double(integer))
        let low: Double = keepNegative ? -m + (symmetric ? 1 : 0) : 0
        return scale * mi * min(max((x * m / mi).rounded(.toNearestOrEven), low), m - 1) / m
    }
}

extension Model {
    /// The logits (last Dense layer's pre-activation) in Double with plain loops, no BLAS: quantized
    /// weights and biases (exact in Double), activations and activation quantizers applied in Double.
    /// For exact comparisons with the fixed-point firmware, where Float32 sums could round.
    public func referenceLogits(_ features: [Double]) throws -> [Double] {
        guard features.count % inputSize == 0 else {
            throw UserError("\(features.count) input values are not a multiple of \(inputSize) features")
        }
        let rows = features.count / inputSize
        struct Step { var kernel: [Double]; var bias: [Double]; var inputs: Int; var units: Int; var post: [Layer.Kind] }
        var steps: [Step] = []
        for layer in layers {
            switch layer.kind {
            case .dense(let d):
                steps.append(Step(kernel: d.quantizedKernel().map(Double.init), bias: d.quantizedBias().map(Double.init),
                                  inputs: d.inputSize, units: d.units, post: d.activation == .linear ? [] : [.activation(d.activation)]))
            case .activation, .quantizedActivation:
                guard !steps.isEmpty else { throw UserError("layer \(layer.name): activation before the first Dense layer") }
                steps[steps.count - 1].post.append(layer.kind)
            }
        }
        guard let last = steps.last else { throw UserError("the model has no Dense layer") }
        var out = [Double](repeating: 0, count: rows * last.units)
        for r in 0..<rows {
            var h = Array(features[(r * inputSize)..<((r + 1) * inputSize)])
            for (n, step) in steps.enumerated() {
                var z = step.bias
                for i in 0..<step.inputs where h[i] != 0 {
                    let x = h[i]
                    for j in 0..<step.units { z[j] += x * step.kernel[i * step.units + j] }
                }
                if n == steps.count - 1 { h = z; break }
                for kind in step.post {
                    switch kind {
                    case .activation(let a):
                        switch a {
                        case .linear: break
                        case .relu: z = z.map { max($0, 0) }
                        case .sigmoid: z = z.map { 1 / (1 + exp(-$0)) }
                        case .tanh: z = z.map { tanh($0) }
                        case .softmax:
                            let top = z.max() ?? 0
                            let e = z.map { exp($0 - top) }
                            let s = e.reduce(0, +)
                            z = e.map { $0 / s }
                        }
                    case .quantizedActivation(.quantizedRelu(let q)): z = z.map { q.quantizeDouble($0) }
                    case .quantizedActivation(.quantizedBits(let q)): z = z.map { q.quantizeDouble($0) }
                    case .dense: break
                    }
                }
                h = z
            }
            for j in 0..<last.units { out[r * last.units + j] = h[j] }
        }
        return out
    }

    /// A Keras-like table: layer, type, output width, parameters.
    public func summary() -> String {
        var lines = ["Layer (type)                    Output   Param #"]
        var width = inputSize
        for layer in layers {
            let type: String
            var params = 0
            switch layer.kind {
            case .dense(let d):
                type = d.isQuantized ? "QDense" : "Dense"
                width = d.units
                params = d.kernel.count + d.bias.count
            case .activation(let a): type = "Activation(\(a.rawValue))"
            case .quantizedActivation(let q): type = "QActivation(\(q))"
            }
            let name = "\(layer.name) (\(type))"
            lines.append(name.padding(toLength: max(32, name.count + 1), withPad: " ", startingAt: 0)
                         + String(width).padding(toLength: 9, withPad: " ", startingAt: 0) + String(params))
        }
        lines.append("Total params: \(parameterCount)")
        return lines.joined(separator: "\n")
    }
}
