import ArgumentParser
import Datasets
import Foundation
import Support
import Training

/// `pipeline bench train [--json]`: trains the tutorial MLP (16→64→32→32→5, lecun_uniform, L1 1e-4,
/// Adam lr 1e-4, batch 1024) on the project's synthetic jets and reports training throughput.
/// Both cores are used by splitting each batch into two shards with single-threaded BLAS, which
/// holds up better than OpenBLAS's own threading when the machine is shared (measured).
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Benchmark the trainer on the tutorial model (samples/s = median of epochs 2..N).")

    @Flag(help: "Print a JSON object on the last line.")
    var json = false

    @Option(help: "Synthetic training rows.")
    var rows = 665_000

    @Option(help: "Epochs (at least 2; the median is taken over epochs 2..N).")
    var epochs = 4

    @Option(name: .customLong("batch-size"), help: "Mini-batch size.")
    var batchSize = 1024

    @Option(help: "OpenBLAS threads per shard (with --shards 1, --threads 2 uses OpenBLAS's own threading).")
    var threads = 1

    @Option(help: "Batch shards trained in parallel threads: the default uses both cores, each with one BLAS thread.")
    var shards = 2

    enum Variant: String, ExpressibleByArgument, CaseIterable {
        case float, pruned, qat
    }

    @Option(help: "Tutorial variant: float (part 1), pruned (part 3: 75 % ConstantSparsity from step 2000, every 100), qat (part 4: quantized_bits(6,0,alpha=1), quantized_relu(6), plus the pruning).")
    var variant: Variant = .float

    @Option(name: .customLong("learning-rate"), help: "Adam learning rate.")
    var learningRate: Float = 1e-4

    @Option(name: .customLong("validation-split"), help: "Keras validation_split (0 = none); val metrics are reported.")
    var validationSplit = 0.0

    @Option(help: "Seed for the data, the weights and the shuffles.")
    var seed: UInt64 = 0

    func validate() throws {
        guard rows > 0 else { throw ValidationError("--rows must be positive") }
        guard epochs >= 2 else { throw ValidationError("--epochs must be at least 2") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard threads > 0 else { throw ValidationError("--threads must be positive") }
        guard (1...64).contains(shards) else { throw ValidationError("--shards must be in 1...64") }
    }

    struct Result: Codable {
        var samples_per_s: Double
        var epoch_s: Double
        var epochs_s: [Double]
        var rows: Int
        var batch_size: Int
        var blas_threads: Int
        var shards: Int
        var parameters: Int
        /// Process CPU seconds per epoch (all BLAS threads): with a busy machine, wall time understates speed.
        var epochs_cpu_s: [Double]
        /// Rows per CPU-second (median of epochs 2..N), i.e. what one dedicated core would do per thread used.
        var samples_per_cpu_s: Double
        var final_loss: Double
        var final_accuracy: Double
        var variant: String
        var final_val_accuracy: Double?
        var sparsity: Double
        var data: String
    }

    func run() throws {
        let data = try BenchTrainCommand.syntheticJets(rows: rows, seed: seed)
        var model = variant == .qat
            ? try Model.jetTagger(seed: seed, weightQuantizer: .bits(6, 0, alpha: .value(1)), activationQuantizer: .relu(6))
            : try Model.jetTagger(seed: seed)
        if variant != .float {
            try model.prune(schedule: .constantSparsity(target: 0.75, beginStep: 2000, frequency: 100))
        }
        let options = FitOptions(epochs: epochs, batchSize: batchSize, optimizer: .adam(learningRate: learningRate),
                                 validationSplit: validationSplit > 0 ? validationSplit : nil,
                                 shuffle: true, seed: seed, blasThreads: threads, shards: shards)
        let display: ProgressReporter = json ? .lines : .automatic
        final class CPUClock { var started = 0.0; var epochs: [Double] = [] }
        let cpu = CPUClock()
        let reporter = ProgressReporter { event in
            switch event {
            case .epochBegan: cpu.started = BenchTrainCommand.processCPUSeconds()
            case .epochEnded: cpu.epochs.append(BenchTrainCommand.processCPUSeconds() - cpu.started)
            default: break
            }
            display.report(event)
        }
        let history = try model.fit(data, options: options, progress: reporter)
        func medianOf(_ values: [Double]) -> Double {
            let v = values.sorted()
            return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
        }
        let median = medianOf(history.epochs.dropFirst().map(\.seconds))
        let medianCPU = medianOf(Array(cpu.epochs.dropFirst()))
        let last = history.epochs.last!
        let trained = history.epochs[0].samples
        let result = Result(samples_per_s: (Double(trained) / median).rounded(), epoch_s: median,
                            epochs_s: history.epochs.map(\.seconds), rows: rows, batch_size: batchSize,
                            blas_threads: threads, shards: shards, parameters: model.parameterCount, epochs_cpu_s: cpu.epochs,
                            samples_per_cpu_s: (Double(trained) / medianCPU).rounded(), final_loss: last.loss,
                            final_accuracy: last.accuracy, variant: variant.rawValue,
                            final_val_accuracy: last.valAccuracy, sparsity: model.strippingPruning().sparsityReport().sparsity, data: "Datasets.SyntheticJets, standardized")
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print(String(format: "%.0f samples/s (median epoch %.3f s over epochs 2..%d, %d rows, batch %d, %d shard(s) × %d BLAS thread(s), variant %@)",
                         result.samples_per_s, median, epochs, trained, batchSize, shards, threads, variant.rawValue as NSString))
        }
    }

    static func processCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// The project's synthetic jets (`Datasets.SyntheticJets`), standardized like the tutorial's data.
    static func syntheticJets(rows: Int, seed: UInt64) throws -> LabeledData {
        let jets = SyntheticJets.generate(rows: rows, seed: seed)
        let scaled = try StandardScaler.fit(jets).transform(jets)
        return try LabeledData(features: scaled.featuresAsFloat(), featureCount: scaled.featureCount, labels: scaled.labels)
    }
}
