import Foundation
import FixedPoint
import ModelGraph

/// `pipeline bench simulate`: the tutorial-shaped jet tagger (16-64-32-32-5, ReLU, softmax stable,
/// every type ap_fixed<16,6>, ReuseFactor 1) with deterministic weights and inputs.
public enum SimulationBenchmark {
    public struct Measurement: Sendable, Codable {
        public var samples: Int
        public var repetitions: Int
        public var threads: Int
        /// Median throughput of the repetitions.
        public var samplesPerSecond: Double
        public var secondsPerRepetition: [Double]
        /// Sum of all outputs (identical on every run: a guard against measuring nothing).
        public var checksum: Double
    }

    /// Deterministic 64-bit generator (SplitMix64).
    public struct Generator {
        public var state: UInt64
        public init(state: UInt64) { self.state = state }
        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        /// Uniform in [−1, 1).
        public mutating func uniform() -> Double { Double(next() >> 11) / 4503599627370496.0 - 1 }
        /// Approximately standard normal (sum of four uniforms, variance 4/3 rescaled).
        public mutating func normal() -> Double { (uniform() + uniform() + uniform() + uniform()) * 0.8660254037844386 }
    }

    /// The jet tagger with He-like uniform weights (deterministic per seed).
    public static func jetTaggerGraph(seed: UInt64 = 2026) -> ModelGraph {
        var generator = Generator(state: seed)
        let sizes = [16, 64, 32, 32, 5]
        var layers: [Layer] = []
        var index = 2
        for k in 0..<(sizes.count - 1) {
            let n = sizes[k], m = sizes[k + 1]
            let limit = (6.0 / Double(n)).squareRoot()
            let weights = (0..<(n * m)).map { _ in Float(generator.uniform() * limit) }
            let biases = (0..<m).map { _ in Float(generator.uniform() * 0.1) }
            let name = k == sizes.count - 2 ? "output" : "fc\(k + 1)"
            layers.append(Layer(name: name, index: index, operation: .dense(Dense(inputs: n, outputs: m, weights: weights, biases: biases))))
            if k < sizes.count - 2 {
                layers.append(Layer(name: "relu\(k + 1)", index: index + 2,
                                    operation: .activation(Activation(function: .relu, size: m))))
                index += 3
            } else {
                layers.append(Layer(name: "softmax", index: index + 2,
                                    operation: .softmax(Softmax(size: m, accumType: .fixed(.fixed(16, 6))))))
            }
        }
        return ModelGraph(projectName: "myproject", inputName: "fc1_input", inputSize: 16, layers: layers)
    }

    /// `samples × 16` standard-normal-like features.
    public static func inputs(samples: Int, seed: UInt64 = 7) -> [Double] {
        var generator = Generator(state: seed)
        return (0..<(samples * 16)).map { _ in generator.normal() }
    }

    /// Runs `repetitions` full batches (input conversion to output doubles) and reports the median.
    public static func run(samples: Int = 200_000, repetitions: Int = 5, countOverflows: Bool = false,
                           threads: Int = 0) throws -> Measurement {
        let simulator = try Simulator(graph: jetTaggerGraph())
        let batch = inputs(samples: samples)
        let options = SimulationOptions(countOverflows: countOverflows, threads: threads)
        _ = try simulator.run(Array(batch.prefix(16 * 1024)), options: options) // warm-up (page faults, thread pool)
        var seconds: [Double] = []
        var checksum = 0.0
        for _ in 0..<max(repetitions, 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            let result = try simulator.run(batch, options: options)
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            checksum = result.outputs.reduce(0, +)
        }
        let sorted = seconds.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        return Measurement(samples: samples, repetitions: seconds.count,
                           threads: threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount,
                           samplesPerSecond: Double(samples) / median, secondsPerRepetition: seconds, checksum: checksum)
    }
}
