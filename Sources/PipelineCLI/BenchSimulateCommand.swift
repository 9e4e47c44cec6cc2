import ArgumentParser
import Foundation
import Simulation
import Support

/// `pipeline bench simulate --json`: throughput of the bit-exact simulator on the tutorial-shaped jet tagger.
struct BenchSimulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulator throughput on the 16-64-32-32-5 jet tagger at ap_fixed<16,6> (median of repetitions).")

    @Flag(name: .long, help: "Print a JSON object on the last line.")
    var json = false

    @Option(name: .long, help: "Samples per repetition (at least 1).")
    var samples = 200_000

    @Option(name: .long, help: "Repetitions (the median is reported).")
    var repetitions = 5

    @Option(name: .long, help: "Worker threads (0 = one per core).")
    var threads = 0

    @Flag(name: .long, help: "Also measure with per-layer overflow accounting (every cast in order; slower).")
    var withOverflowAccounting = false

    func run() throws {
        guard samples >= 1 else { throw UserError("--samples \(samples)", expected: "at least 1 sample") }
        guard repetitions >= 1 else { throw UserError("--repetitions \(repetitions)", expected: "at least 1 repetition") }
        guard threads >= 0 else { throw UserError("--threads \(threads)", expected: "0 (all cores) or a positive count") }
        let fast = try SimulationBenchmark.run(samples: samples, repetitions: repetitions, countOverflows: false, threads: threads)
        print(String(format: "simulate: %d samples x %d repetitions on %d threads: median %.0f samples/s",
                     fast.samples, fast.repetitions, fast.threads, fast.samplesPerSecond))
        var fields: [String: Any] = [
            "benchmark": "simulate",
            "model": "jet tagger 16-64-32-32-5, ap_fixed<16,6>, ReuseFactor 1, Latency, softmax stable",
            "samples": fast.samples,
            "repetitions": fast.repetitions,
            "threads": fast.threads,
            "samples_per_s": fast.samplesPerSecond.rounded(),
            "seconds_per_repetition": fast.secondsPerRepetition,
            "checksum": fast.checksum,
        ]
        if withOverflowAccounting {
            let counted = try SimulationBenchmark.run(samples: samples, repetitions: repetitions, countOverflows: true, threads: threads)
            print(String(format: "simulate with overflow accounting: median %.0f samples/s", counted.samplesPerSecond))
            fields["samples_per_s_with_overflow_accounting"] = counted.samplesPerSecond.rounded()
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
