import Foundation

/// The float reference of a graph: the network as Keras computes it (in double precision), with
/// every fixed-point type ignored. Used for numerical profiling (ranges per layer) and as the
/// "float model" next to the bit-exact firmware simulation.
///
/// Note: for a QKeras model the weights are the quantized values, but activation quantizers
/// (e.g. quantized_relu's rounding) are not applied here — they live in the result types.
extension ModelGraph {
    /// Every layer's output for one input vector (`outputs[k]` belongs to `layers[k]`).
    public func floatForward(_ input: [Double]) -> [[Double]] {
        precondition(input.count == inputSize, "input has \(input.count) values, the model expects \(inputSize)")
        var outputs: [[Double]] = []
        outputs.reserveCapacity(layers.count)
        var x = input
        for layer in layers {
            x = ModelGraph.floatLayer(layer.operation, x)
            outputs.append(x)
        }
        return outputs
    }

    /// The last layer's outputs for `rows` inputs stored row by row (`inputs.count == rows·inputSize`).
    /// Plain loops over two reused buffers (this runs over whole test sets).
    public func floatPredict(_ inputs: [Double], rows: Int) -> [Double] {
        precondition(inputs.count == rows * inputSize, "expected \(rows)×\(inputSize) input values")
        let widest = layers.reduce(inputSize) { Swift.max($0, $1.outputSize) }
        var current = [Double](repeating: 0, count: widest)
        var next = [Double](repeating: 0, count: widest)
        var result = [Double](repeating: 0, count: rows * outputSize)
        let outputWidth = outputSize
        for row in 0..<rows {
            var width = inputSize
            for k in 0..<inputSize { current[k] = inputs[row * inputSize + k] }
            for layer in layers {
                switch layer.operation {
                case .dense(let dense):
                    dense.weights.withUnsafeBufferPointer { w in
                        for j in 0..<dense.outputs { next[j] = j < dense.biases.count ? Double(dense.biases[j]) : 0 }
                        for i in 0..<dense.inputs {
                            let xi = current[i]
                            if xi == 0 { continue }
                            let base = i * dense.outputs
                            for j in 0..<dense.outputs { next[j] += xi * Double(w[base + j]) }
                        }
                    }
                    width = dense.outputs
                    swap(&current, &next)
                case .activation(let activation):
                    for k in 0..<width {
                        switch activation.function {
                        case .linear: break
                        case .relu: current[k] = Swift.max(current[k], 0)
                        case .sigmoid: current[k] = 1 / (1 + exp(-current[k]))
                        case .tanh: current[k] = Foundation.tanh(current[k])
                        }
                    }
                case .softmax:
                    var largest = -Double.infinity
                    for k in 0..<width { largest = Swift.max(largest, current[k]) }
                    var sum = 0.0
                    for k in 0..<width {
                        current[k] = exp(current[k] - largest)
                        sum += current[k]
                    }
                    for k in 0..<width { current[k] /= sum }
                case .batchNormalization(let norm):
                    for k in 0..<width { current[k] = current[k] * Double(norm.scale[k]) + Double(norm.bias[k]) }
                }
            }
            for k in 0..<outputWidth { result[row * outputWidth + k] = current[k] }
        }
        return result
    }

    static func floatLayer(_ operation: Operation, _ x: [Double]) -> [Double] {
        switch operation {
        case .dense(let dense):
            var y = [Double](repeating: 0, count: dense.outputs)
            for j in 0..<dense.outputs { y[j] = j < dense.biases.count ? Double(dense.biases[j]) : 0 }
            for i in 0..<dense.inputs {
                let xi = x[i]
                let row = i * dense.outputs
                for j in 0..<dense.outputs { y[j] += xi * Double(dense.weights[row + j]) }
            }
            return y
        case .activation(let activation):
            switch activation.function {
            case .linear: return x
            case .relu: return x.map { Swift.max($0, 0) }
            case .sigmoid: return x.map { 1 / (1 + exp(-$0)) }
            case .tanh: return x.map { Foundation.tanh($0) }
            }
        case .softmax:
            let largest = x.max() ?? 0
            let e = x.map { exp($0 - largest) }
            let sum = e.reduce(0, +)
            return e.map { $0 / sum }
        case .batchNormalization(let norm):
            return x.indices.map { x[$0] * Double(norm.scale[$0]) + Double(norm.bias[$0]) }
        }
    }
}
