import Foundation
import FixedPoint
import ModelGraph

/// Deterministic tutorial-shaped graphs (16-64-32-32-5 jet tagger) for the estimator and comparison tests.
///
/// The weights stand in for trained ones: Laplace-distributed (what L1-regularised training leaves) with
/// the per-layer standard deviation of Keras's lecun_uniform initialiser, sqrt(1/fan_in). They are made
/// here, independently of the estimator, with a fixed seed.
enum TutorialGraphs {
    static let shape = [16, 64, 32, 32, 5]

    /// A tiny deterministic generator (SplitMix64) so the tests never depend on the platform's RNG.
    struct SplitMix64 {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        /// Uniform in (0, 1).
        mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) / Double(1 << 53) }
        mutating func laplace(std: Double) -> Double {
            let b = std / 2.0.squareRoot()
            let u = uniform() - 0.5
            return -b * (u < 0 ? -1.0 : 1.0) * log(1 - 2 * abs(u))
        }
    }

    /// Kernels of the four Dense layers in Keras layout (`w[i * n_out + j]`).
    static func kernels(seed: UInt64 = 2026) -> [[Float]] {
        var rng = SplitMix64(state: seed)
        return (0..<4).map { l in
            let fanIn = shape[l]
            return (0..<(shape[l] * shape[l + 1])).map { _ in Float(rng.laplace(std: (1 / Double(fanIn)).squareRoot())) }
        }
    }

    /// Zeroes the `fraction` of weights with the smallest magnitude (tfmot's magnitude pruning mask).
    static func pruned(_ weights: [Float], fraction: Double) -> [Float] {
        let count = Int((Double(weights.count) * fraction).rounded())
        let order = weights.indices.sorted { abs(weights[$0]) < abs(weights[$1]) }
        var result = weights
        for index in order.prefix(count) { result[index] = 0 }
        return result
    }

    /// QKeras quantized_bits(6, 0, alpha=1): multiples of 1/32 in [-1, 31/32], rounded to nearest.
    static func quantizedBits6(_ weights: [Float]) -> [Float] {
        weights.map { w in Float(min(max((Double(w) * 32).rounded(), -32), 31) / 32) }
    }

    /// The tutorial graph: Dense 2, ReLU 4, Dense 5, ReLU 7, Dense 8, ReLU 10, Dense 11, Softmax 13.
    static func graph(kernels: [[Float]], weightType: FixedPointType = .fixed(16, 6),
                      reluType: FixedPointType = .fixed(16, 6), reuseFactor: Int = 1, strategy: Strategy = .latency,
                      backend: HardwareTarget.Backend = .vitis, clockPeriod: Double = 5,
                      ioType: IOType = .parallel) -> ModelGraph {
        let names = ["fc1", "fc2", "fc3", "output"]
        var layers: [Layer] = []
        var index = 2
        for l in 0..<4 {
            let dense = Dense(inputs: shape[l], outputs: shape[l + 1], weights: kernels[l],
                              biases: [Float](repeating: 0, count: shape[l + 1]),
                              weightType: .fixed(weightType), biasType: .fixed(weightType), accumType: .fixed(.fixed(16, 6)))
            layers.append(Layer(name: names[l], index: index, operation: .dense(dense), resultType: .fixed(.fixed(16, 6)),
                                reuseFactor: reuseFactor, strategy: strategy))
            if l < 3 {
                layers.append(Layer(name: "relu\(l + 1)", index: index + 2,
                                    operation: .activation(Activation(function: .relu, size: shape[l + 1])),
                                    resultType: .fixed(reluType)))
                index += 3
            } else {
                layers.append(Layer(name: "softmax", index: index + 2, operation: .softmax(Softmax(size: 5)),
                                    resultType: .fixed(.fixed(16, 6))))
            }
        }
        return ModelGraph(inputName: "fc1_input", inputSize: 16, layers: layers,
                          target: HardwareTarget(backend: backend, part: "xcu250-figd2104-2L-e", clockPeriod: clockPeriod,
                                                 ioType: ioType))
    }

    /// Tutorial part 1: every type fixed<16,6>, RF 1, Latency.
    static func part1(reuseFactor: Int = 1, strategy: Strategy = .latency) -> ModelGraph {
        graph(kernels: kernels(), reuseFactor: reuseFactor, strategy: strategy)
    }

    /// Tutorial part 3: the same with 75 % of every kernel zeroed by magnitude.
    static func part3Pruned() -> ModelGraph {
        graph(kernels: kernels().map { pruned($0, fraction: 0.75) })
    }

    /// Tutorial part 4: 6-bit QKeras weights (fixed<6,1>) pruned 75 %, quantized_relu(6) activations.
    static func part4QKeras() -> ModelGraph {
        graph(kernels: kernels().map { quantizedBits6(pruned($0, fraction: 0.75)) }, weightType: .fixed(6, 1),
              reluType: .ufixed(6, 0, .rndConv, .sat))
    }
}
