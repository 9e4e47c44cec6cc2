import Foundation
@testable import Training

/// An independent, naive Double-precision forward pass and loss for float models (no BLAS, no
/// fusion): the truth the trainer's gradients are checked against by central differences.
struct ReferenceNetwork {
    var inputSize: Int
    var steps: [Step]

    enum Step {
        case dense(kernel: [Double], bias: [Double], inputs: Int, units: Int, l1: Double, l2: Double)
        case activation(Activation)
    }

    init(_ model: Model) {
        inputSize = model.inputSize
        steps = []
        for layer in model.layers {
            switch layer.kind {
            case .dense(let d):
                let q = d.quantizedKernel().map(Double.init)
                steps.append(.dense(kernel: q, bias: d.quantizedBias().map(Double.init), inputs: d.inputSize,
                                    units: d.units, l1: Double(d.kernelRegularizer.l1), l2: Double(d.kernelRegularizer.l2)))
                if d.activation != .linear { steps.append(.activation(d.activation)) }
            case .activation(let a):
                steps.append(.activation(a))
            case .quantizedActivation:
                fatalError("reference handles float models only")
            }
        }
    }

    func outputs(_ x: [Double]) -> [Double] {
        var h = x
        for step in steps {
            switch step {
            case .dense(let k, let b, let inputs, let units, _, _):
                var z = b
                for j in 0..<units { for i in 0..<inputs { z[j] += h[i] * k[i * units + j] } }
                h = z
            case .activation(let a):
                switch a {
                case .linear: break
                case .relu: h = h.map { max($0, 0) }
                case .sigmoid: h = h.map { 1 / (1 + exp(-$0)) }
                case .tanh: h = h.map { tanh($0) }
                case .softmax:
                    let top = h.max()!
                    let e = h.map { exp($0 - top) }
                    let s = e.reduce(0, +)
                    h = e.map { $0 / s }
                }
            }
        }
        return h
    }

    /// Mean cross-entropy over rows plus the kernel regularizers (Keras's training loss).
    func loss(_ x: [Double], labels: [Int32]) -> Double {
        var total = 0.0
        for r in labels.indices {
            let p = outputs(Array(x[(r * inputSize)..<((r + 1) * inputSize)]))
            total -= log(p[Int(labels[r])])
        }
        var reg = 0.0
        for case .dense(let k, _, _, _, let l1, let l2) in steps {
            reg += l1 * k.reduce(0) { $0 + abs($1) } + l2 * k.reduce(0) { $0 + $1 * $1 }
        }
        return total / Double(labels.count) + reg
    }

    /// Index of the n-th dense step.
    func denseStep(_ n: Int) -> Int {
        var seen = -1
        for (i, s) in steps.enumerated() { if case .dense = s { seen += 1; if seen == n { return i } } }
        fatalError()
    }

    mutating func perturb(dense n: Int, kernel: Bool, index: Int, by h: Double) {
        let i = denseStep(n)
        guard case .dense(var k, var b, let inputs, let units, let l1, let l2) = steps[i] else { fatalError() }
        if kernel { k[index] += h } else { b[index] += h }
        steps[i] = .dense(kernel: k, bias: b, inputs: inputs, units: units, l1: l1, l2: l2)
    }
}

/// Gaussian blobs: `classes` clusters in `features` dimensions, deterministic from `seed`.
func blobs(rows: Int, features: Int, classes: Int, seed: UInt64, spread: Double = 1.0) -> LabeledData {
    var g = Xoshiro256(seed: seed)
    var centres = [[Double]]()
    for _ in 0..<classes { centres.append((0..<features).map { _ in g.uniform(-2, 2) }) }
    var x = [Float]()
    var y = [Int32]()
    for _ in 0..<rows {
        let c = g.nextIndex(below: classes)
        y.append(Int32(c))
        for f in 0..<features { x.append(Float(centres[c][f] + spread * g.standardNormal())) }
    }
    return try! LabeledData(features: x, featureCount: features, labels: y)
}
